"""An organization's defaults, read from ``organization.toml`` at the template's root.

A fork sets its defaults in that one file. Upstream's defaults live here, in ``UPSTREAM``: a key
missing from the file keeps upstream's value, so a fork's file never has to change when upstream
adds a setting, and upstream never has to change the fork's file (no merge conflict).
copier.yml reads the values as ``org.<key>`` in question defaults; validators read the naming rule.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from .choices import AUTOMATION_STYLES, ETL_TOOLS, INTEGRATION_STYLES, PARTITIONINGS, WAREHOUSES

ORGANIZATION_FILE = Path(__file__).resolve().parents[2] / "organization.toml"

# Upstream's value of every setting, by table of organization.toml.
UPSTREAM: dict[str, dict[str, Any]] = {
    "defaults": {
        "author_name": "",
        "author_email": "",
        "owners": ["team:data-eng"],
        "etl_tools": ["dlt", "dbt"],
        "warehouse": "duckdb",
        "integration_style": "pythonic",
        "automation_style": "declarative",
        "partitioning": "daily",
        "timezone": "UTC",
        "sample": True,
    },
    "naming": {
        "package_prefix": "",
    },
}

_PREFIX = re.compile(r"^([a-z][a-z0-9_]*)?$")
# package_name's message "must start with <prefix>" fits one 80-column row up to this length.
PREFIX_MAX_LENGTH = 16


class OrganizationError(ValueError):
    """organization.toml has a key or a value the template cannot use."""


def merge(settings: dict[str, Any], source: str = "organization.toml") -> dict[str, Any]:
    """Upstream's settings overridden by ``settings``, flattened to one level and checked."""
    merged: dict[str, Any] = {}
    for keys in UPSTREAM.values():
        merged.update(keys)
    for table, values in settings.items():
        if table not in UPSTREAM or not isinstance(values, dict):
            raise OrganizationError(
                f"{source}: unknown table [{table}]; the tables are "
                + ", ".join(f"[{t}]" for t in UPSTREAM)
            )
        for key, value in values.items():
            if key not in UPSTREAM[table]:
                raise OrganizationError(
                    f"{source}: unknown key '{key}' in [{table}]; it takes "
                    + ", ".join(UPSTREAM[table])
                )
            expected = type(UPSTREAM[table][key])
            if not isinstance(value, expected):
                raise OrganizationError(
                    f"{source}: [{table}] {key} must be a {expected.__name__}, not {value!r}"
                )
            merged[key] = value
    if not _PREFIX.match(merged["package_prefix"]):
        raise OrganizationError(
            f"{source}: [naming] package_prefix {merged['package_prefix']!r} must be empty or "
            "start with a lower-case letter and hold only lower-case letters, digits and _"
        )
    if len(merged["package_prefix"]) > PREFIX_MAX_LENGTH:
        raise OrganizationError(
            f"{source}: [naming] package_prefix {merged['package_prefix']!r} must be at most "
            f"{PREFIX_MAX_LENGTH} characters"
        )
    unknown_tools = set(merged["etl_tools"]) - set(ETL_TOOLS)
    if unknown_tools:
        raise OrganizationError(
            f"{source}: [defaults] etl_tools takes {', '.join(ETL_TOOLS)}, "
            f"not {sorted(unknown_tools)}"
        )
    for key, choices in (
        ("warehouse", WAREHOUSES),
        ("integration_style", INTEGRATION_STYLES),
        ("automation_style", AUTOMATION_STYLES),
        ("partitioning", PARTITIONINGS),
    ):
        if merged[key] not in choices:
            raise OrganizationError(
                f"{source}: [defaults] {key} is one of {', '.join(choices)}, not {merged[key]!r}"
            )
    if not merged["owners"] or not all(isinstance(o, str) for o in merged["owners"]):
        raise OrganizationError(f"{source}: [defaults] owners must be a list of strings")
    return merged


def load(path: Path = ORGANIZATION_FILE) -> dict[str, Any]:
    """The organization's settings; upstream's alone when there is no file."""
    if not path.is_file():
        return merge({})
    with path.open("rb") as f:
        return merge(tomllib.load(f), source=path.name)


@cache
def current() -> dict[str, Any]:
    """The settings of the template being rendered (the clone Copier renders from)."""
    return load()
