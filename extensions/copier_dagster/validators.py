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
import sys
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from . import organization
from .choices import QUESTIONS

# Top-level modules of every package a rendered project can install (any answers, the pinned
# versions of versions.toml, their whole dependency tree): one a line. A package of the same name
# would shadow it. tests/test_projects_e2e.py checks the file against the modules of installed
# projects.
DEPENDENCY_MODULES_FILE = Path(__file__).with_name("dependency_modules.txt")
# Names the project uses itself (its tests/ and data/ folders, src/ layout) or that a tool
# imports by that name (dg, the dbt and Sling CLIs).
PROJECT_NAMES = frozenset({"tests", "test", "src", "data", "dg", "dbt", "sling"})


def _read_names(path: Path) -> frozenset[str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return frozenset(line for line in lines if line)


# Every standard-library module of the Python running Copier (3.10+ lists them), those of the
# dependencies, and the project's own: a package named like one of them would shadow it.
RESERVED_PACKAGE_NAMES = (
    frozenset(sys.stdlib_module_names) | _read_names(DEPENDENCY_MODULES_FILE) | PROJECT_NAMES
)

# Longest answers. A package name is a folder, a distribution name and the prefix of environment
# variables (ACME_DATA_POSTGRES_PASSWORD); owners and the cron are Python strings. Up to these
# lengths every rendered line stays within ruff's 100 columns (tests/test_questions.py renders
# them); far below the 255 bytes a file name may have.
PACKAGE_NAME_MAX = 32
PROJECT_NAME_MAX = 80
OWNER_MAX = 64
CRON_MAX = 50

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")

# Dagster's rule for an owner (dagster._core.definitions.utils.is_valid_owner, 1.13): an email
# matching this pattern, or "team:" and a name. tests/test_projects_e2e.py proves the verdicts
# equal to those of dg.AssetSpec(owners=...) on an installed project. Team names are kept to
# letters, digits and - _ . here (Dagster takes any text).
DAGSTER_OWNER_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,7}\b")
_TEAM = re.compile(r"team:[A-Za-z0-9][A-Za-z0-9_.-]*")

# Cron as the question states it: five fields of numbers, *, a-b ranges, /steps and lists.
_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")
_CRON_FIELDS = ("minute", "hour", "day of month", "month", "day of week")
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))

# What Copier puts before a validator's message, and the width it must fit in.
COPIER_PREFIX = "Validation error for question '{question}': "
TERMINAL_WIDTH = 80


def message_budget(question: str) -> int:
    """How many characters a message of ``question`` may have to show whole in 80 columns."""
    return TERMINAL_WIDTH - len(COPIER_PREFIX.format(question=question))


def line_error(value: object) -> str:
    """For every one-line text answer: a newline, tab or other control character would break the
    file it lands in (pyproject's metadata, the README, a Python string)."""
    return "" if str(value or "").isprintable() else "must be one printable line"


def project_name_error(value: object) -> str:
    text = str(value or "")
    if not text.strip():
        return "must not be empty: e.g. Acme Data"
    if len(text) > PROJECT_NAME_MAX:
        return f"at most {PROJECT_NAME_MAX} characters"
    return line_error(text)


def package_name_error(value: object, prefix: str | None = None) -> str:
    name = str(value or "")
    if prefix is None:
        prefix = organization.current()["package_prefix"]
    if not name.startswith(prefix):
        return f"must start with {prefix}"  # organization.py keeps prefixes to 16 characters
    if not _IDENTIFIER.match(name):
        return "use a-z, 0-9, _; start with a-z"
    if len(name) > PACKAGE_NAME_MAX:
        return f"at most {PACKAGE_NAME_MAX} characters"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"a Python keyword: try {name}_etl"  # keywords have at most 8 letters
    if name in RESERVED_PACKAGE_NAMES:
        message = f"shadows the module {name}: rename"
        fits = len(message) <= message_budget("package_name")
        return message if fits else "shadows a Python module: rename"
    return ""


def email_error(value: object) -> str:
    text = str(value or "")
    if text and not (_EMAIL.fullmatch(text) and text.isprintable()):
        return "must be name@example.com or empty"
    return ""


def owners_error(value: object) -> str:
    if not isinstance(value, list) or not value:
        return "at least one owner: [team:data-eng]"
    for owner in value:
        if not isinstance(owner, str) or not (
            _TEAM.fullmatch(owner) or DAGSTER_OWNER_EMAIL.fullmatch(owner)
        ):
            return "each must be team:<name> or an email"
        if len(owner) > OWNER_MAX:
            return f"each at most {OWNER_MAX} characters"
    return ""


def timezone_error(value: object) -> str:
    name = str(value or "")
    try:
        if name and name == name.strip() and "." not in name and name.isprintable():
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


def _cron_values(field: str, low: int, high: int) -> set[int]:
    """The values a field of the stated form stands for."""
    values: set[int] = set()
    for part in field.split(","):
        span, _, step = part.partition("/")
        first, _, last = span.partition("-")
        start, end = (low, high) if first == "*" else (int(first), int(last or first))
        values.update(range(start, end + 1, int(step or 1)))
    return values


def cron_error(value: object) -> str:
    """Refuses what Dagster's schedules and AutomationCondition.on_cron refuse (Dagster's
    is_valid_cron_string: tests/test_projects_e2e.py::test_owners_and_cron_follow_dagsters_rule
    proves the verdicts equal), and cron beyond the form the question states."""
    text = str(value or "")
    if not text.isprintable():
        return line_error(text)
    if len(text) > CRON_MAX:
        return f"at most {CRON_MAX} characters"
    fields = text.split()
    if len(fields) != 5:
        return "give five fields, e.g. 0 2 * * *"
    expanded = []
    for field, (low, high), name in zip(fields, _CRON_RANGES, _CRON_FIELDS, strict=True):
        if not _CRON_FIELD.match(field):
            return f"{name} field: {low}-{high}, * , - /"
        for part in field.split(","):
            span, _, step = part.partition("/")
            bounds = [int(n) for n in span.split("-") if n != "*"]
            if any(n < low or n > high for n in bounds):
                return f"{name} field: {low}-{high}, * , - /"
            if len(bounds) == 2 and bounds[0] >= bounds[1]:
                return f"{name}: range a-b needs a<b"
            if step and int(step) == 0:
                return f"{name}: step must be >= 1"
            if step and len(bounds) == 1:
                return f"{name}: step after * or a-b"
        expanded.append(_cron_values(field, low, high))
    if expanded[3] == {2} and expanded[2] in ({30}, {31}):
        return "never runs: no February 30 or 31"
    return ""


# Each question's validator, as copier.yml's `validator:` calls it (tests/test_extensions.py
# checks that they agree).
QUESTION_VALIDATORS = {
    "project_name": project_name_error,
    "package_name": package_name_error,
    "description": line_error,
    "author_name": line_error,
    "author_email": email_error,
    "owners": owners_error,
    "partition_start": partition_start_error,
    "timezone": timezone_error,
    "refresh_cron": cron_error,
}
_YAML_QUESTIONS = ("etl_tools", "owners")


def given_answer_error(question: str, value: object) -> str:
    """What Copier says of an answer given up front (`-d`, `--data-file`, the API's data and
    defaults), or "" if it takes it: its choices, then its validator."""
    if question in _YAML_QUESTIONS and isinstance(value, str):
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            return f"Validation error for question '{question}': not a list, e.g. [a, b]"
    choices = QUESTIONS.get(question)
    if choices is not None:
        picked = value if isinstance(value, list) and question == "etl_tools" else [value]
        for answer in picked:
            if str(answer) not in choices:
                return f"Invalid choice for '{question}': {answer!r} is not in {list(choices)}"
    check = QUESTION_VALIDATORS.get(question)
    message = check(value) if check else ""
    return f"{COPIER_PREFIX.format(question=question)}{message}" if message else ""


def answers_error(context: Mapping[str, Any]) -> str:
    """The first problem of the answers given up front, or of the project name the destination
    folder gives with --defaults, as one line; or "".

    Copier raises a ValueError on them, which its command line prints as a traceback; the
    template's context hook (extensions/template.py) checks them first, at the first render
    of the questions, and raises Copier's UserMessageError with this message instead: one line,
    exit code 1, nothing written. Questions asked interactively keep Copier's own checks.
    """
    conf = context.get("_copier_conf")
    if conf is None or str(context.get("_copier_phase")) != "prompt":
        return ""
    given = {**(conf["user_defaults"] or {}), **(conf["data"] or {})}
    for question, value in given.items():
        if message := given_answer_error(question, value):
            return message
    if conf["defaults"] and "project_name" not in context:
        from .quoting import to_project_name

        if message := project_name_error(to_project_name(context.get("_folder_name", ""))):
            return (
                f"{COPIER_PREFIX.format(question='project_name')}{message} (with --defaults it "
                "is the destination folder's name): give it with -d project_name=..."
            )
    return ""
