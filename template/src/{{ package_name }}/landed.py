"""Landed CSV files and their contracts, read and checked by DuckDB before any loader runs.

A landed file is UTF-8, comma-separated, with a header line and values quoted where they hold a
comma, a quote (doubled) or a line break. An empty field, quoted or not, is NULL in every loader.
"""

import csv
from pathlib import Path
from typing import NoReturn

import dagster as dg
import duckdb

from . import settings

# The contract's types (conventions.raw_table) and what DuckDB's CSV reader converts their text to.
# `decimal`: DOUBLE takes every decimal text (and a DECIMAL wider than 18 digits reads 20x slower).
TYPES = {"text": "VARCHAR", "integer": "BIGINT", "decimal": "DOUBLE", "date": "DATE"}
# How every landed file is read: no guessing, the columns are given.
DIALECT = "auto_detect = false, delim = ',', quote = '\"', escape = '\"'"
# The read of its rows, under its header line; REJECTS: the rows that cannot be read are
# kept aside in the reject_errors table (refuse_rejected) instead of stopping the read.
ROWS = "header = true"
REJECTS = "store_rejects = true"


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def scan(path: Path, columns: dict[str, str], options: str = ROWS) -> str:
    """DuckDB's read_csv of `path`, its `columns` ({name: DuckDB type}) in the file's order."""
    struct = ", ".join(f"{literal(name)}: {literal(type_)}" for name, type_ in columns.items())
    return f"read_csv({literal(str(path))}, columns = {{ {struct} }}, {DIALECT}, {options})"


def header(path: Path) -> list[str]:
    """The names of the header line as written (a byte-order mark skipped); none if empty."""
    with path.open("rb") as f:
        first = f.readline()
    try:
        return next(csv.reader([first.decode("utf-8-sig")]), [])
    except UnicodeDecodeError:
        fail(path, "line 1", "the file is not UTF-8: save it as UTF-8")


def text_scan(path: Path) -> str:
    """read_csv of the landed file at `path`, every column as text (VARCHAR)."""
    return scan(path, dict.fromkeys(header(path), "VARCHAR"))


def fail(path: Path, where: str, problem: str) -> NoReturn:
    raise dg.Failure(f"{path}, {where}: {problem}. The tables are unchanged: fix the file.")


def refuse_rejected(conn: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Fail on the first row DuckDB's reader could not read, if any (not a value's type)."""
    rejected = conn.execute(
        "SELECT line, error_type, csv_line, error_message FROM reject_errors"
        " WHERE error_type <> 'CAST' ORDER BY line LIMIT 1"
    ).fetchall()
    if not rejected:
        return
    [(line, error, text, message)] = rejected
    problems = {
        "INVALID ENCODING": "the file is not UTF-8: save it as UTF-8",
        "MISSING COLUMNS": f"fewer values than the header's columns in {text.strip()!r}",
        "TOO MANY COLUMNS": f"more values than the header's columns in {text.strip()!r}",
        "UNQUOTED VALUE": f"a quote is not closed, or a value follows one, in {text.strip()!r}",
    }
    fail(path, f"line {line}", problems.get(error, message))


def check_landed(context: dg.AssetExecutionContext) -> None:
    """Every loader's first step: the landed files of the raw tables it loads keep their contract
    (conventions.raw_table), or the run stops before the warehouse is touched."""
    for key in context.selected_asset_keys:
        metadata = context.assets_def.specs_by_key[key].metadata
        path = settings.LANDING_DIR / metadata["landed_file"]
        check_file(path, metadata["dagster/column_schema"])


def check_file(path: Path, schema: dg.TableSchema) -> None:
    """Fail naming the file, line, column and value unless the file has the columns of `schema`
    (in any order), rows, values of their column's type and a key never empty nor repeated."""
    types = {column.name: column.type for column in schema.columns}
    [key] = [c.name for c in schema.columns if c.constraints and c.constraints.unique]
    names = header(path)
    if not names:
        fail(path, "line 1", "the file is empty, not even a header")
    shown = ", ".join(map(repr, names))
    if missing := [name for name in types if name not in names]:
        fail(path, "line 1", f"no column {', '.join(missing)} (the header: {shown})")
    if extra := [name for name in names if name not in types]:
        declared = ", ".join(types)
        fail(path, "line 1", f"column {', '.join(map(repr, extra))} is not declared ({declared})")
    if repeated := sorted({name for name in names if names.count(name) > 1}):
        fail(path, "line 1", f"column {', '.join(repeated)} is repeated (the header: {shown})")
    typed = {name: TYPES[types[name]] for name in names}
    with duckdb.connect() as conn:
        # The typed read of every column (each counted, so none is left unread): rows, and the
        # key's values, non-empty ones and distinct ones.
        counted = ", ".join(f'COUNT("{name}")' for name in names)
        [(rows, distinct, *values)] = conn.execute(
            f'SELECT COUNT(*), COUNT(DISTINCT "{key}"), {counted}'
            f" FROM {scan(path, typed, f'{ROWS}, {REJECTS}')}"
        ).fetchall()
        keys = values[names.index(key)]
        refuse_rejected(conn, path)
        [(cast_errors,)] = conn.execute("SELECT COUNT(*) FROM reject_errors").fetchall()
        if not (cast_errors or keys < rows or distinct < keys):
            if not rows:
                fail(path, "line 2", "no rows under the header")
            return
        first_problem(conn, path, typed, types, key)


def first_problem(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    typed: dict[str, str],
    types: dict[str, str],
    key: str,
) -> NoReturn:
    """Fail on the first row with a value not of its type or a key empty or repeated."""
    text = ", ".join(f'"{name}"' for name in typed)
    wrong_types = [
        f"SELECT ordinality, 0, '{name}', \"{name}\" FROM landed"
        f' WHERE "{name}" IS NOT NULL AND TRY_CAST("{name}" AS {duckdb_type}) IS NULL'
        for name, duckdb_type in typed.items()
        if duckdb_type != "VARCHAR"
    ]
    wrong_key = (
        f"SELECT ordinality, 1, '{key}', \"{key}\" FROM ("
        f' SELECT ordinality, "{key}", COUNT(*) OVER (PARTITION BY TRY_CAST("{key}"'
        f" AS {typed[key]}) ORDER BY ordinality) AS seen FROM landed)"
        f' WHERE "{key}" IS NULL OR seen > 1'
    )
    breaks = " + ".join(
        f'COALESCE(LENGTH("{name}") - LENGTH(REPLACE("{name}", chr(10), \'\')), 0)'
        for name in typed
    )
    found = conn.execute(
        f"WITH landed AS (SELECT {text}, ordinality"
        f" FROM {scan(path, dict.fromkeys(typed, 'VARCHAR'))} WITH ORDINALITY),"
        f" problem AS ({' UNION ALL '.join([*wrong_types, wrong_key])}"
        " ORDER BY 1, 2 LIMIT 1)"
        f" SELECT problem.*, (SELECT COALESCE(SUM({breaks}), 0) FROM landed"
        "  WHERE landed.ordinality < problem.ordinality) FROM problem"
    ).fetchall()
    if not found:  # the reader refused a value its cast takes: say what the reader said
        [(line, column, message)] = conn.execute(
            "SELECT line, column_name, error_message FROM reject_errors ORDER BY line LIMIT 1"
        ).fetchall()
        fail(path, f"line {line}, column {column}", message)
    [(row, is_key, column, value, line_breaks)] = found
    where = f"line {1 + row + line_breaks}, column {column}"
    if not is_key:
        fail(path, where, f"{value!r} is not of type {types[column]}")
    fail(path, where, "the key is empty" if value is None else f"the key {value!r} is repeated")
