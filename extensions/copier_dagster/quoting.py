"""Filters that put any user text safely into the formats the rendered project is made of.

Every answer that lands in a file goes through one of these, so quotes, backslashes, braces,
colons, '#', emoji and non-ASCII letters come out valid and verbatim.
"""

from __future__ import annotations

import json
import re
import unicodedata

from . import organization


def py_list(values: list, name: str, width: int = 100) -> str:
    """`name = [...]`, a list of Python string literals laid out as `ruff format` would: on one
    line when it fits in `width`, else one item per line with a trailing comma."""
    items = [py_str(value) for value in values]
    line = f"{name} = [{', '.join(items)}]"
    if len(line) <= width:
        return line
    return "\n".join([f"{name} = [", *(f"    {item}," for item in items), "]"])


def toml_str(value: object) -> str:
    """A TOML basic string. JSON's escapes are a subset of TOML's."""
    return json.dumps(str(value), ensure_ascii=False)


def yaml_str(value: object) -> str:
    """A YAML double-quoted scalar. YAML 1.2 is a superset of JSON."""
    return json.dumps(str(value), ensure_ascii=False)


def py_str(value: object) -> str:
    """A Python string literal quoted the way `ruff format` would leave it."""
    text = str(value)
    quote = "'" if text.count('"') > text.count("'") else '"'
    out = []
    for char in text:
        if char in ("\\", quote):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif not char.isprintable():
            out.append(char.encode("unicode_escape").decode("ascii"))
        else:
            out.append(char)
    return quote + "".join(out) + quote


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def md_text(value: object) -> str:
    """Inline Markdown that renders exactly as typed (no accidental emphasis, links or HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def env_name(value: object) -> str:
    """An environment variable name made from a package name: acme_data -> ACME_DATA."""
    return re.sub(r"[^A-Z0-9_]", "_", str(value).upper())


def to_project_name(folder: object) -> str:
    """The default project name: the destination folder's name, as `create-dagster` names a
    project, kept to what project_name takes (printable, one line, at most 80 characters)."""
    from .validators import PROJECT_NAME_MAX

    text = "".join(char if char.isprintable() else " " for char in str(folder))
    return " ".join(text.split())[:PROJECT_NAME_MAX].strip()


def to_package_name(value: object, prefix: str | None = None) -> str:
    """A default package name from a project name, one ``package_name_error`` accepts for any
    project name: its ASCII letters and digits in lower case, words joined by `_`, leading
    digits left out ('Acme Data!' -> 'acme_data', 'Über-Daten 2' -> 'uber_daten_2', '9 Lives'
    -> 'lives'); `project_` in front of a name without a letter ('123' -> 'project_123');
    cut after a whole word to the length limit; `_etl` after a Python keyword or the name of a
    module it would shadow ('class' -> 'class_etl', 'Dagster' -> 'dagster_etl').

    It starts with the organization's package prefix, if it has one (organization.toml).
    """
    from .validators import PACKAGE_NAME_MAX, package_name_error

    ascii_text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    name = re.sub(r"^[^a-z]+", "", "_".join(words)) or "_".join(["project", *words])
    if prefix is None:
        prefix = organization.current()["package_prefix"]
    if not name.startswith(prefix):
        name = prefix + name
    name = _cut(name, PACKAGE_NAME_MAX, len(prefix))
    if package_name_error(name, prefix):  # a keyword, or a module it would shadow
        name = _cut(name, PACKAGE_NAME_MAX - len("_etl"), len(prefix)) + "_etl"
    return name


def _cut(name: str, limit: int, keep: int) -> str:
    """``name`` in at most ``limit`` characters, after a whole word when one ends past the
    first ``keep`` characters (the prefix)."""
    if len(name) <= limit:
        return name
    end = name.rfind("_", 0, limit + 1)
    return name[:end] if end > keep else name[:limit].rstrip("_")
