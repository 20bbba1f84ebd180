"""Values derived from the answers: everything templates need beyond the raw answers.

Templates read these instead of re-deriving them, so each fact is computed once, here, where it
can be tested. ``derive`` must cope with partial answers: Copier also renders question defaults
while the user is still answering.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from . import deployment, organization, warehouses
from .choices import ETL_TOOLS
from .quoting import env_name

VERSIONS_FILE = Path(__file__).with_name("versions.toml")

# The sample data under template/data/landing/ covers these days; tests compute from the files.
SAMPLE_FIRST_DAY = "2025-01-01"

# Dagster partitions definition and cron of each partitioning answer. Weeks start on Monday.
PARTITIONINGS: dict[str, dict[str, Any]] = {
    "daily": {
        "class": "DailyPartitionsDefinition",
        "period": "day",
        "cron": "0 2 * * *",
        "kwargs": {},
        "fail_window_hours": 26,
    },
    "weekly": {
        "class": "WeeklyPartitionsDefinition",
        "period": "week",
        "cron": "0 2 * * 1",
        "kwargs": {"day_offset": 1},
        "fail_window_hours": 7 * 24 + 2,
    },
    "monthly": {
        "class": "MonthlyPartitionsDefinition",
        "period": "month",
        "cron": "0 2 1 * *",
        "kwargs": {},
        "fail_window_hours": 31 * 24 + 2,
    },
    "none": {
        "class": None,
        "period": None,
        "cron": "0 2 * * *",
        "kwargs": {},
        "fail_window_hours": 26,
    },
}

BASE_DEPENDENCIES = ("dagster", "dagster-duckdb", "duckdb", "python-dotenv")
TOOL_DEPENDENCIES = {
    "dlt": ("dagster-dlt", "dlt", "pyarrow"),
    "sling": ("dagster-sling", "sling", "sling-linux-amd64", "duckdb-cli"),
    "dbt": ("dagster-dbt", "dbt-core", "dbt-duckdb"),
}
DEV_DEPENDENCIES = (
    "dagster-dg-cli", "dagster-webserver", "pytest", "ruff", "ty", "pre-commit", "pre-commit-hooks"
)  # fmt: skip
RAW_TABLES = ("customers", "orders")


@cache
def pins() -> dict[str, Any]:
    with VERSIONS_FILE.open("rb") as f:
        return tomllib.load(f)


def requirement(package: str, extras: list[str] | None = None) -> str:
    """A PEP 508 requirement for ``package`` from versions.toml: version, extras (those of
    versions.toml unless given) and marker."""
    versions = pins()
    spec = versions["packages"][package]
    if extras is None:
        extras = versions.get("extras", {}).get(package)
    marker = versions.get("markers", {}).get(package)
    return "".join(
        [
            package,
            f"[{','.join(extras)}]" if extras else "",
            f"=={spec}" if spec[0].isdigit() else spec,
            f" ; {marker}" if marker else "",
        ]
    )


def dependency(package: str, extras: list[str] | None = None) -> dict[str, str]:
    """A requirement and, for a pin the project does not import, why it is there."""
    return {
        "requirement": requirement(package, extras),
        "reason": pins()["reasons"].get(package, ""),
    }


def python_versions(packages: set[str]) -> tuple[str, str]:
    """The lowest and the highest Python a project with ``packages`` supports: versions.toml's
    range, capped by the packages that stop at an older Python."""
    python = pins()["python"]
    caps = [python["newest"][p] for p in packages if p in python["newest"]]
    highest = min([python["highest"], *caps], key=lambda v: tuple(map(int, v.split("."))))
    return python["lowest"], highest


def requires_python(lowest: str, highest: str) -> str:
    major, minor = highest.split(".")
    return f">={lowest},<{major}.{int(minor) + 1}"


def raw_loaders(tools: set[str]) -> dict[str, str]:
    """Who loads each raw table: with dlt and Sling both chosen, each ingests one source."""
    if {"dlt", "sling"} <= tools:
        return {"customers": "sling", "orders": "dlt"}
    loader = "dlt" if "dlt" in tools else "sling" if "sling" in tools else "python"
    return dict.fromkeys(RAW_TABLES, loader)


def first_partition_key(partitioning: str, start: str) -> str | None:
    """The key of the first partition Dagster creates from ``start`` (its first cron tick)."""
    if partitioning == "none":
        return None
    day = dt.date.fromisoformat(start)
    if partitioning == "weekly":
        day += dt.timedelta(days=-day.weekday() % 7)
    elif partitioning == "monthly" and day.day != 1:
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return day.isoformat()


def derive(answers: dict[str, Any]) -> dict[str, Any]:
    package = answers.get("package_name") or "project"
    partitioning = answers.get("partitioning")
    if partitioning not in PARTITIONINGS:  # unanswered yet, or an invalid answer being refused
        partitioning = "daily"
    start = str(answers.get("partition_start") or SAMPLE_FIRST_DAY)
    prefix = env_name(package)
    answered = answers.get("etl_tools")
    tools = set(answered if isinstance(answered, list) else []) & set(ETL_TOOLS)
    deployed = set(deployment.packages(answers))
    runtime = set(BASE_DEPENDENCIES).union(*(TOOL_DEPENDENCIES[t] for t in tools)) | deployed
    warehouse = warehouses.choice(answers)
    loaders = raw_loaders(tools)
    runtime |= warehouses.packages(warehouse, tools)
    # dlt's extras follow the warehouses it loads into (local DuckDB and prod).
    extras = {"dlt": warehouses.dlt_extras(warehouse)}
    try:
        first_key = first_partition_key(partitioning, start)
    except ValueError:  # an invalid date being validated: nothing to derive yet
        first_key = None
    pythons = python_versions(runtime | set(DEV_DEPENDENCIES))
    values = {
        "org": organization.current(),
        "sample_first_day": SAMPLE_FIRST_DAY,
        "requires_python": requires_python(*pythons),
        # CI tests the lowest and the highest.
        "python_versions": list(pythons),
        "dependencies": [dependency(p, extras.get(p)) for p in sorted(runtime)],
        "dev_dependencies": [dependency(p) for p in sorted(set(DEV_DEPENDENCIES) - deployed)],
        "tools": sorted(tools),
        # The ETL tools as dg components (defs.yaml) instead of Python modules.
        "components": answers.get("integration_style") == "components",
        "loaders": sorted(set(loaders.values())),
        "raw_loader": loaders,
        "loader_tables": {
            loader: [t for t, who in loaders.items() if who == loader]
            for loader in set(loaders.values())
        },
        "env_database": f"{prefix}_DUCKDB_DATABASE",
        "env_landing_dir": f"{prefix}_LANDING_DIR",
        "env_environment": f"{prefix}_ENV",
        "env_git_url": f"{prefix}_GIT_URL",
        "env_git_branch": f"{prefix}_GIT_BRANCH",
        "env_dbt_run_metadata": f"{prefix}_DBT_RUN_METADATA",
        "partition": {**PARTITIONINGS[partitioning], "first_key": first_key},
        "partitioned": partitioning != "none",
        "partitions_name": f"{partitioning}_partitions",
    }
    return {
        **values,
        **deployment.derive(answers, pins()),
        **warehouses.derive(answers, prefix),
    }
