"""Landed CSV files and their contracts, checked by DuckDB before any loader runs.

A landed file is UTF-8, comma-separated, with a header line and values quoted where they hold a
comma, a quote (doubled) or a line break. An empty field, quoted or not, is NULL in every loader.
"""

import csv
from pathlib import Path
from typing import NoReturn

import dagster as dg
import duckdb

from . import settings

# The contract's types (conventions.raw_table) and the DuckDB types their text must cast to.
TYPES = {"text": "VARCHAR", "integer": "BIGINT", "decimal": "DOUBLE", "date": "DATE"}
# The rows DuckDB's reader refuses (its reject_errors table), in words.
UNREADABLE = {
    "INVALID ENCODING": "the file is not UTF-8: save it as UTF-8",
    "MISSING COLUMNS": "fewer values than the header's columns in {!r}",
    "TOO MANY COLUMNS": "more values than the header's columns in {!r}",
    "UNQUOTED VALUE": "a quote is not closed, or a value follows one, in {!r}",
}
# Rows the reader refuses go to reject_errors instead of stopping the read.
REJECTS = ", store_rejects = true"
# The line breaks in a row's values.
LINE_BREAKS = "LEN(STRING_SPLIT(CONCAT_WS('', *COLUMNS(*)), chr(10))) - 1"


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def header(path: Path) -> list[str]:
    """The names of the header line as written (a byte-order mark skipped); none if empty."""
    with path.open("rb") as f:
        first = f.readline()
    try:
        return next(csv.reader([first.decode("utf-8-sig")]), [])
    except UnicodeDecodeError:
        fail(path, "line 1", UNREADABLE["INVALID ENCODING"])


def text_scan(path: Path, options: str = "") -> str:
    """DuckDB's read_csv of the landed file at `path`, its columns as text, nothing guessed."""
    columns = ", ".join(f"{literal(name)}: 'VARCHAR'" for name in header(path))
    return (
        f"read_csv({literal(str(path))}, columns = {{ {columns} }}, header = true,"
        f" auto_detect = false, delim = ',', quote = '\"', escape = '\"'{options})"
    )


def fail(path: Path, where: str, problem: str) -> NoReturn:
    raise dg.Failure(f"{path}, {where}: {problem}. The tables are unchanged: fix the file.")


def check_landed(context: dg.AssetExecutionContext) -> None:
    """Every loader's first step: the landed files of the raw tables it loads keep their contract
    (conventions.raw_table), or the run stops before the warehouse is touched."""
    for key in context.selected_asset_keys:
        metadata = context.assets_def.specs_by_key[key].metadata
        check_file(
            settings.LANDING_DIR / metadata["landed_file"], metadata["dagster/column_schema"]
        )


def check_file(path: Path, schema: dg.TableSchema) -> None:
    """Fail naming the file, line, column and value unless the file has the columns of `schema`
    (in any order), rows, values of their column's type and a key never empty nor repeated."""
    types = {column.name: column.type for column in schema.columns}
    [key] = [c.name for c in schema.columns if c.constraints and c.constraints.unique]
    names = header(path)
    shown = ", ".join(map(repr, names))
    missing = [name for name in types if name not in names]
    undeclared = [repr(name) for name in names if name not in types]
    repeated = sorted({name for name in names if names.count(name) > 1})
    for problem, found in [
        ("the file is empty, not even a header", not names),
        (f"no column {', '.join(missing)} (the header: {shown})", missing),
        (f"column {', '.join(undeclared)} is not declared ({', '.join(types)})", undeclared),
        (f"column {', '.join(repeated)} is repeated (the header: {shown})", repeated),
    ]:
        if found:
            fail(path, "line 1", problem)
    # A value not of its column's type, and the key as its type.
    wrong = {
        name: f'"{name}" IS NOT NULL AND TRY_CAST("{name}" AS {TYPES[type_]}) IS NULL'
        for name, type_ in types.items()
        if type_ != "text"
    }
    key_value = f'TRY_CAST("{key}" AS {TYPES[types[key]]})'
    with duckdb.connect() as conn:
        # One read counts what a problem changes (most files keep their contract), and every
        # column, so that none is left unread.
        [(rows, wrong_rows, keys, distinct, *_)] = conn.execute(
            f"SELECT COUNT(*), COUNT(*) FILTER ({' OR '.join(wrong.values()) or 'FALSE'}),"
            f" COUNT({key_value}), COUNT(DISTINCT {key_value}), COUNT(COLUMNS(*))"
            f" FROM {text_scan(path, REJECTS)}"
        ).fetchall()
        if rejected := conn.execute(
            "SELECT line, error_type, error_message, csv_line FROM reject_errors ORDER BY line"
        ).fetchone():
            line, error, message, text = rejected
            fail(path, f"line {line}", UNREADABLE.get(error, message).format(text.strip()))
        if not rows:
            fail(path, "line 2", "no rows under the header")
        if not wrong_rows and rows == keys == distinct:
            return
        # The rows as text, `rowid` their order in the file (DuckDB keeps the order of a read).
        conn.execute(f"CREATE TABLE landed AS SELECT * FROM {text_scan(path)}")
        # The first row with a value not of its column's type (0), or a key empty or repeated (1),
        problems = [
            f"SELECT rowid AS row, 0, '{name}', \"{name}\" FROM landed WHERE {condition}"
            for name, condition in wrong.items()
        ]
        problems.append(
            f'SELECT rowid AS row, 1, \'{key}\', "{key}" FROM landed QUALIFY "{key}" IS NULL'
            f" OR COUNT(*) OVER (PARTITION BY {key_value} ORDER BY rowid) > 1"
        )
        # and its line in the file: values in the rows above it may hold line breaks.
        [(_, is_key, column, value, line)] = conn.execute(
            f"SELECT problem.*, 2 + row + (SELECT COALESCE(SUM({LINE_BREAKS}), 0) FROM landed"
            f" WHERE rowid < problem.row) FROM ({' UNION ALL '.join(problems)}"
            " ORDER BY 1, 2 LIMIT 1) AS problem"
        ).fetchall()
    where = f"line {line}, column {column}"
    if not is_key:
        fail(path, where, f"{value!r} is not of type {types[column]}")
    fail(path, where, "the key is empty" if value is None else f"the key {value!r} is repeated")
