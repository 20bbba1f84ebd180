"""Answer validators.

Each returns an error message (naming the rule and the fix) or "" when the answer is fine.
copier.yml calls them as Jinja filters: ``validator: "{{ package_name | package_name_error }}"``;
Copier prefixes the message with ``Validation error for question '<name>': `` and shows it on one
row of the terminal, cut at its width. So that it shows whole in 80 columns, a message holds at
most ``message_budget(question)`` characters (46 minus the length of the question's name): the
answer is not repeated (it is on the screen, just above), the help text states the whole rule.
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

# What Copier puts before a validator's message, and the width it must fit in.
COPIER_PREFIX = "Validation error for question '{question}': "
TERMINAL_WIDTH = 80


def message_budget(question: str) -> int:
    """How many characters a message of ``question`` may have to show whole in 80 columns."""
    return TERMINAL_WIDTH - len(COPIER_PREFIX.format(question=question))


def project_name_error(value: object) -> str:
    text = str(value or "")
    if not text.strip():
        return "must not be empty: e.g. Acme Data"
    if not text.isprintable():
        return "must be one line of printable text"
    return ""


def package_name_error(value: object, prefix: str | None = None) -> str:
    name = str(value or "")
    if prefix is None:
        prefix = organization.current()["package_prefix"]
    if not name.startswith(prefix):
        return f"must start with {prefix}"  # organization.py keeps prefixes to 16 characters
    if not _IDENTIFIER.match(name):
        return "use a-z, 0-9, _; start with a-z"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"a Python keyword: try {name}_etl"  # keywords have at most 8 letters
    if name in RESERVED_PACKAGE_NAMES:
        return "shadows an imported module: rename"
    return ""


def email_error(value: object) -> str:
    text = str(value or "")
    if text and not _EMAIL.match(text):
        return "must be name@example.com or empty"
    return ""


def owners_error(value: object) -> str:
    if not isinstance(value, list) or not value:
        return "at least one owner: [team:data-eng]"
    if not all(isinstance(o, str) and (_TEAM.match(o) or _EMAIL.match(o)) for o in value):
        return "each must be team:<name> or an email"
    return ""


def timezone_error(value: object) -> str:
    name = str(value or "")
    try:
        if name and name == name.strip() and "." not in name:
            zoneinfo.ZoneInfo(name)
            return ""
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    return "not an IANA zone, e.g. Europe/Paris"


def partition_start_error(value: object, today: dt.date | None = None) -> str:
    text = str(value or "")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return "not a date: use YYYY-MM-DD"
    if len(text) != 10:
        return "not a date: use YYYY-MM-DD"
    today = today or dt.date.today()
    if day > today:
        return f"must not be after {today}"
    return ""


def cron_error(value: object) -> str:
    text = str(value or "")
    fields = text.split()
    if len(fields) != 5:
        return "give five fields, e.g. 0 2 * * *"
    for field, (low, high), name in zip(
        fields,
        _CRON_RANGES,
        ("minute", "hour", "day of month", "month", "day of week"),
        strict=True,
    ):
        numbers = [int(n) for n in re.findall(r"\d+", field.split("/")[0])]
        if not _CRON_FIELD.match(field) or any(n < low or n > high for n in numbers):
            return f"{name} field: {low}-{high}, * , - /"
    return ""
