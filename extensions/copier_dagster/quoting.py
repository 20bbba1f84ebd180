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


def to_package_name(value: object, prefix: str | None = None) -> str:
    """A default package name from a project name: 'Acme Data!' -> 'acme_data'.

    It starts with the organization's package prefix, if it has one (organization.toml).
    """
    ascii_text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    name = re.sub(r"^[^a-z]+", "", "_".join(words))
    if prefix is None:
        prefix = organization.current()["package_prefix"]
    return name if name.startswith(prefix) else prefix + name
