"""Answer validators.

Each returns an error message (naming the rule and the fix) or "" when the answer is fine.
copier.yml calls them as Jinja filters: ``validator: "{{ package_name | package_name_error }}"``;
Copier prefixes the message with the question's name.
"""

from __future__ import annotations

import datetime as dt
import keyword
import re
import zoneinfo

from . import organization

# Modules the rendered project imports: a package with one of these names would shadow it.
RESERVED_PACKAGE_NAMES = frozenset(
    {
        "dagster",
        "dagster_dg_cli",
        "dagster_webserver",
        "dagster_duckdb",
        "dagster_dlt",
        "dagster_sling",
        "dagster_dbt",
        "dagster_postgres",
        "dagster_snowflake",
        "dagster_gcp",
        "dg",
        "dlt",
        "dbt",
        "sling",
        "duckdb",
        "pandas",
        "polars",
        "pyarrow",
        "sqlalchemy",
        "psycopg",
        "psycopg2",
        "snowflake",
        "google",
        "pytest",
        "tests",
        "test",
        "src",
        "data",
    }
)

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_TEAM = re.compile(r"^team:[A-Za-z0-9][A-Za-z0-9_.-]*$")
_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")
# minute, hour, day of month, month, day of week
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def project_name_error(value: object) -> str:
    text = str(value or "")
    if not text.strip():
        return "must not be empty: give the project a human-readable name, e.g. 'Acme Data'"
    if not text.isprintable():
        return "must be printable text on one line (no tabs, newlines or control characters)"
    return ""


def package_name_error(value: object, prefix: str | None = None) -> str:
    name = str(value or "")
    if prefix is None:
        prefix = organization.current()["package_prefix"]
    if not name.startswith(prefix):
        return (
            f"'{name}' must start with '{prefix}', the package prefix of your organization "
            f"(organization.toml): e.g. '{prefix}{name}'"
        )
    if not _IDENTIFIER.match(name):
        return (
            f"'{name}' is not a valid package name: use lower-case letters, digits and "
            "underscores, starting with a letter (e.g. 'acme_data')"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"'{name}' is a Python keyword: choose another name (e.g. '{name}_pipelines')"
    if name in RESERVED_PACKAGE_NAMES:
        return (
            f"'{name}' would shadow the '{name}' module the project imports: "
            f"choose another name (e.g. '{name}_project')"
        )
    return ""


def email_error(value: object) -> str:
    text = str(value or "")
    if text and not _EMAIL.match(text):
        return f"'{text}' is not an email address: use the form name@example.com, or leave it empty"
    return ""


def owners_error(value: object) -> str:
    if not isinstance(value, list) or not value:
        return "give a list of at least one owner, e.g. [team:data-eng, jane@example.com]"
    bad = [
        str(o) for o in value if not (isinstance(o, str) and (_TEAM.match(o) or _EMAIL.match(o)))
    ]
    if bad:
        return (
            f"{', '.join(bad)}: each owner must be 'team:<name>' (letters, digits, '-', '_', '.') "
            "or an email address"
        )
    return ""


def timezone_error(value: object) -> str:
    name = str(value or "")
    try:
        if name and name == name.strip() and "." not in name:
            zoneinfo.ZoneInfo(name)
            return ""
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    return (
        f"'{name}' is not an IANA time zone: use a name such as UTC, Europe/Paris or "
        "America/New_York"
    )


def partition_start_error(value: object, today: dt.date | None = None) -> str:
    text = str(value or "")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return f"'{text}' is not a date: use an ISO date, YYYY-MM-DD (e.g. 2025-01-01)"
    if len(text) != 10:
        return f"'{text}' is not a date: use an ISO date, YYYY-MM-DD (e.g. 2025-01-01)"
    today = today or dt.date.today()
    if day > today:
        return f"{text} is in the future: partitions must start on or before today ({today})"
    return ""


def cron_error(value: object) -> str:
    text = str(value or "")
    fields = text.split()
    if len(fields) != 5:
        return (
            f"'{text}' is not a cron expression: give five fields, minute hour day month weekday "
            "(e.g. '0 6 * * *' for 06:00 every day)"
        )
    for field, (low, high), name in zip(
        fields,
        _CRON_RANGES,
        ("minute", "hour", "day of month", "month", "day of week"),
        strict=True,
    ):
        numbers = [int(n) for n in re.findall(r"\d+", field.split("/")[0])]
        if not _CRON_FIELD.match(field) or any(n < low or n > high for n in numbers):
            return (
                f"'{text}': the {name} field '{field}' must use numbers {low}-{high} with * , - /"
                " (e.g. '0 6 * * *')"
            )
    return ""
