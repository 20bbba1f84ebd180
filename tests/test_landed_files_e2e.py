"""Landed files as they come, through every loader of installed projects: bad files stop the run
naming file, line, column and value and change no table; files as spreadsheets write them load
the same rows everywhere."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from helpers import (
    FULL,
    FULL_COMPONENTS,
    NO_DBT_METADATA,
    landed,
    run,
)

pytestmark = pytest.mark.e2e

RUNS = '''"""Every asset run in-process once per set of landed files ({name: base64 of its bytes})
of the JSON on stdin, after a run on the landed files as they are unless earlier tests left the
tables built; with `raw_only`, the raw tables' loaders alone, then again on the good files. The
rows of every table after each run (dlt's and Sling's bookkeeping left out) and the runs'
failures go to the JSON file argv[1]. The good files are put back."""

import base64
import json
import os
import sys

import duckdb

from acme_data import settings
from acme_data.definitions import defs

definitions = defs()
job = definitions.resolve_implicit_global_asset_job_def()
RAW = [key for key in definitions.resolve_all_asset_keys() if key.path[0] == "raw"]


def tables() -> dict[str, list]:
    with duckdb.connect(str(settings.DUCKDB_DATABASE)) as conn:
        columns = conn.execute(
            "SELECT table_schema || '.' || table_name, string_agg(column_name, ', ')"
            " FROM information_schema.columns"
            " WHERE table_schema IN ('raw', 'staging', 'marts', 'analytics')"
            " AND NOT regexp_matches(column_name, '^_(dlt|sling)_')"
            " AND NOT starts_with(table_name, '_dlt_')"
            " GROUP BY ALL"
        ).fetchall()
        return {t: conn.execute(f"SELECT {c} FROM {t} ORDER BY ALL").fetchall() for t, c in columns}


def launch(partition: str | None, raw_only: bool = False) -> dict:
    os.chdir(settings.PROJECT_ROOT)  # Sling reads `file://data/landing/`: dbt may leave it
    if raw_only:
        result = job.execute_in_process(asset_selection=RAW, raise_on_error=False)
    else:
        result = job.execute_in_process(partition_key=partition, raise_on_error=False)
    failures = [e.step_failure_data.error.message for e in result.get_step_failure_events()]
    return {"success": result.success, "failures": failures, "tables": tables()}


partition, runs = json.loads(sys.stdin.read())
built = "analytics.order_summary" in tables()
outcomes = [{"success": True, "tables": tables()} if built else launch(partition)]
for run in runs:
    good = {name: (settings.LANDING_DIR / name).read_bytes() for name in run["files"]}
    try:
        for name, content in run["files"].items():
            (settings.LANDING_DIR / name).write_bytes(base64.b64decode(content))
        outcomes.append(launch(partition, run.get("raw_only", False)))
    finally:
        for name, content in good.items():
            (settings.LANDING_DIR / name).write_bytes(content)
    if run.get("raw_only"):
        assert launch(partition, raw_only=True)["success"]
with open(sys.argv[1], "w") as f:
    json.dump(outcomes, f, default=str)
'''


def launch_runs(project: dict, runs: list[dict], tmp_path: Path) -> list[dict]:
    """RUNS in the project's own Python: the outcome of the run on the good files, then of each
    run (`files`: {name: bytes}, `raw_only`)."""
    outcomes = tmp_path / "outcomes.json"
    payload = [
        {**each, "files": {n: base64.b64encode(b).decode() for n, b in each["files"].items()}}
        for each in runs
    ]
    run(
        [".venv/bin/python", "-c", RUNS, str(outcomes)], project["dir"],
        env=NO_DBT_METADATA, input=json.dumps([project["partition"], payload]),
    )  # fmt: skip
    return json.loads(outcomes.read_text())


def bad_file(table: str, problem: str) -> tuple[str, bytes, str]:
    """A sample file broken one way: its name, its bytes, and what the error says (its line, and
    the column and the value where it has them)."""
    rows = landed(table)
    header, date = rows[0], next(i for i, name in enumerate(rows[0]) if name.endswith("_date"))
    text = next(i for i, name in enumerate(header) if name in ("name", "status"))
    encoding = "utf-8"
    if problem == "missing column":
        rows, said = [row[:-1] for row in rows], f"line 1: no column {header[-1]}"
    elif problem == "extra column":
        rows = [[*row, "note" if i == 0 else "x"] for i, row in enumerate(rows)]
        said = "line 1: column 'note' is not declared"
    elif problem == "empty file":
        rows, said = [], "line 1: the file is empty"
    elif problem == "bad date":
        rows[2][date] = "2025-02-30"
        said = f"line 3, column {header[date]}: '2025-02-30' is not of type date"
    elif problem == "repeated key":
        rows[3][0] = rows[1][0]
        said = f"line 4, column {header[0]}: the key '{rows[1][0]}' is repeated"
    elif problem == "not UTF-8":
        rows[2][text], encoding = "d\u00e9j\u00e0 vu", "latin-1"
        said = "line 3: the file is not UTF-8"
    else:  # no number: the amount of orders, with an invisible character, shown escaped
        rows[2][-1] = "12\u200b"
        said = f"line 3, column {header[-1]}: '12\\u200b' is not of type decimal"
    content = "".join(",".join(row) + "\n" for row in rows).encode(encoding)
    return f"{table}.csv", content, said


PROBLEMS = [
    "missing column", "extra column", "empty file", "bad date", "repeated key", "no number",
    "not UTF-8",
]  # fmt: skip


# Runs on bad files: every problem on the plain Python loader (raw_csv_asset, RawCsvTable's) with
# plain SQL, which runs quickly; one run on two bad files, orders by dlt and customers by Sling,
# in each style. The rendered project's tests try every problem on check_file.
@pytest.mark.parametrize(
    ("project", "bad_runs"),
    [
        ({"etl_tools": []}, [{"orders": problem} for problem in PROBLEMS]),
        (FULL, [{"orders": "extra column", "customers": "empty file"}]),
        (FULL_COMPONENTS, [{"orders": "not UTF-8", "customers": "repeated key"}]),
    ],
    indirect=["project"],
    ids=["no-tools", "dlt+sling+dbt", "components-dlt+sling+dbt"],
)
def test_a_bad_landed_file_stops_the_run_and_changes_no_table(project, bad_runs, tmp_path):
    """A landed file missing a column, with one too many, empty, with a value not of its column's
    type, a repeated key, or not UTF-8: the run fails naming the file, the line, the column and
    the value, and every table (raw, staging, marts, the summary's partition) holds the rows it
    held before."""
    bad = [[bad_file(table, problem) for table, problem in run.items()] for run in bad_runs]
    runs = [{"files": {name: content for name, content, _ in run}} for run in bad]
    good, *outcomes = launch_runs(project, runs, tmp_path)
    assert good["success"] and good["tables"]["analytics.order_summary"], good
    for broken, problems, outcome in zip(bad, bad_runs, outcomes, strict=True):
        assert not outcome["success"], f"{problems}: the run succeeded"
        assert outcome["tables"] == good["tables"], outcome["failures"]
        for name, _, said in broken:
            [message] = [m for m in outcome["failures"] if f"landing/{name}" in m]
            assert f"landing/{name}, {said}" in message, message
            assert message.rstrip().endswith("The tables are unchanged: fix the file."), message


# The sample files as spreadsheets write them: a byte-order mark, CRLF line ends, quoted values
# holding commas, quotes and a line break (LF, as spreadsheets write one inside a cell), empty
# values quoted or not, spaces kept, one blank line at the end. Every loader loads the same rows.
REAL_WORLD = {
    "customers.csv": (
        "\ufeffcustomer_id,name,country,signup_date\r\n"
        '1,"Lovelace, Ada ""the first""\nline two",DE,2024-11-01\r\n'
        '2,,"",2024-11-02\r\n'
        "3, Alan Turing ,US,2024-11-03\r\n"
        "\r\n"
    ),
    "orders.csv": (
        "\ufefforder_id,customer_id,order_date,status,amount\r\n"
        '1001,1,2025-01-01,"completed, ""late""",234.88\r\n'
        "1002,3,2025-01-01,,97.92\r\n"
        "\r\n"
    ),
}
REAL_WORLD_ROWS = {
    "raw.customers": [
        ["1", 'Lovelace, Ada "the first"\nline two', "DE", "2024-11-01"],
        ["2", None, None, "2024-11-02"],
        ["3", " Alan Turing ", "US", "2024-11-03"],
    ],
    "raw.orders": [
        ["1001", "1", "2025-01-01", 'completed, "late"', "234.88"],
        ["1002", "3", "2025-01-01", None, "97.92"],
    ],
}


@pytest.mark.parametrize(
    "project",
    [{"etl_tools": []}, FULL, FULL_COMPONENTS],
    indirect=True,
    ids=["no-tools", "dlt+sling+dbt", "components-dlt+sling+dbt"],
)
def test_real_world_files_load_the_same_rows_in_every_loader(project, tmp_path):
    """The plain Python loader (both tables), dlt (orders) and Sling (customers), in each style,
    load the files spreadsheets write with the same rows: the values as written, NULL where
    empty; then the good files again."""
    files = {name: text.encode() for name, text in REAL_WORLD.items()}
    _, outcome = launch_runs(project, [{"files": files, "raw_only": True}], tmp_path)
    assert outcome["success"], outcome["failures"]
    for table, rows in REAL_WORLD_ROWS.items():
        assert outcome["tables"][table] == rows, table
