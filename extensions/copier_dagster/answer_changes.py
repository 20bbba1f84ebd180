"""After `copier update`: clear what the project's old answers left in its warehouse.

A project's loaders, transforms and summary assume the tables they build are theirs. When an
update changes `etl_tools` or `partitioning` (or comes from a release whose tables differ), the
tables another choice built are dropped once, here, so that no rendered module carries code to
clean up after a choice the project no longer makes:
- a raw table whose loader changed (dlt, Sling or the plain Python loader), with dlt's state
  when dlt loads it or loaded it (dlt would otherwise trust its own record of the table);
- the sample's staging views when dbt goes (the plain-SQL models build tables there);
- the summary table when its partitioning changed (the next run builds it anew).

On the local DuckDB file this runs the statements through the project's own environment
(`.venv`); it prints them for the prod warehouse, where the README's "Changing your answers"
says to run them. copier.yml runs this script as an `after` migration on every update, in the
project's root, with Copier's own Python (standard library and PyYAML).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from copier_dagster.context import env_name, raw_loaders

ANSWERS = ".copier-answers.yml"
STAGING_VIEWS = ["staging.stg_customers", "staging.stg_orders"]  # the sample's dbt views
# dlt's own tables beside the ones it loads, and the name of its pipeline (its local state).
DLT_TABLES = ["raw._dlt_version", "raw._dlt_loads", "raw._dlt_pipeline_state"]
DLT_PIPELINE = "landing"


def _version(text: str | None) -> tuple[int, ...]:
    return tuple(int(part) for part in (text or "0").split("+")[0].split(".")[:3] if part.isdigit())


def statements(old: dict, new: dict, version_from: str | None = None) -> list[str]:
    """The SQL that clears the tables `old` answers built and `new` ones would not, in order."""
    if not old.get("sample", True) or not new.get("sample", True):
        return []
    old_tools, new_tools = set(old.get("etl_tools") or []), set(new.get("etl_tools") or [])
    before, after = raw_loaders(old_tools), raw_loaders(new_tools)
    changed = sorted(table for table in after if before.get(table) != after[table])
    # Before 0.3.0, dlt loaded rows of Python objects: its tables have a `_dlt_id` column.
    if "dlt" in old_tools and _version(version_from) < (0, 3, 0):
        changed = sorted({*changed, *(t for t, who in before.items() if who == "dlt")})
    sql = [f"DROP TABLE IF EXISTS raw.{table}" for table in changed]
    if any("dlt" in (before.get(table), after[table]) for table in changed):
        sql += [f"DROP TABLE IF EXISTS {table}" for table in DLT_TABLES]
    if "dbt" in old_tools and "dbt" not in new_tools:
        sql += [f"DROP VIEW IF EXISTS {view}" for view in STAGING_VIEWS]
    if old.get("partitioning", "daily") != new.get("partitioning", "daily"):
        sql += ["DROP TABLE IF EXISTS analytics.order_summary"]
    return sql


def local_database(root: Path, package: str) -> Path:
    """The local DuckDB file, as the project's settings.py finds it."""
    variable = f"{env_name(package)}_DUCKDB_DATABASE"
    value = os.environ.get(variable)
    env_file = root / ".env"
    if value is None and env_file.is_file():
        for line in env_file.read_text().splitlines():
            name, _, text = line.partition("=")
            if name.strip() == variable:
                value = text.strip().strip("'\"")
    return root / (value or "data/warehouse.duckdb")


def run_locally(root: Path, database: Path, sql: list[str]) -> bool:
    """Run `sql` on the local DuckDB file with the project's DuckDB; False if there is none."""
    python = root / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not (database.is_file() and python.is_file()):
        return False
    script = (
        "import duckdb, sys\n"
        "with duckdb.connect(sys.argv[1]) as c:\n"
        "    for statement in sys.argv[2:]:\n"
        "        try:\n"
        "            c.execute(statement)\n"
        "        except duckdb.Error as error:  # e.g. a view of yours now a table\n"
        "            print(f'  not done: {statement}: {error}')\n"
    )
    subprocess.run([str(python), "-c", script, str(database), *sql], cwd=root, check=True)
    return True


def main() -> int:
    root = Path.cwd()
    old_text = subprocess.run(
        ["git", "show", f"HEAD:{ANSWERS}"], cwd=root, capture_output=True, text=True
    ).stdout
    if not old_text:  # no answers recorded before: nothing to compare
        return 0
    old = yaml.safe_load(old_text)
    new = yaml.safe_load((root / ANSWERS).read_text()) or {}
    sql = statements(old, new, os.environ.get("VERSION_PEP440_FROM"))
    if not sql:
        return 0
    database = local_database(root, str(new.get("package_name", "")))
    if any(s.startswith("DROP TABLE IF EXISTS raw._dlt") for s in sql):
        shutil.rmtree(database.parent / ".dlt" / DLT_PIPELINE, ignore_errors=True)
    if run_locally(root, database, sql):
        print(f"Dropped what your old answers built in {database}:")
    else:
        print("Your old answers built tables your new ones do not. Before the next run,")
    print("run on your prod warehouse too (README.md, 'Changing your answers'; on PostgreSQL")
    print("add CASCADE to DROP TABLE: dbt builds its views on the raw tables again):")
    print("".join(f"  {statement};\n" for statement in sql), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
