"""Checks on the warehouse's tables: a key is unique and never null, a raw table has rows."""

from typing import Any

import dagster as dg

from .warehouse import Warehouse


def key_problems(cursor: Any, table: str, key: str) -> tuple[int, int, int]:
    """The rows of `table`, and how many of their `key` values are repeated and null."""
    cursor.execute(
        f"SELECT COUNT(*), COUNT({key}) - COUNT(DISTINCT {key}), COUNT(*) - COUNT({key})"
        f" FROM {table}"
    )
    return cursor.fetchone()


def raw_checks(table: str, key: str) -> dg.AssetChecksDefinition:
    """`has_rows` and `<key>_is_a_key` (unique and never null) on `raw.<table>`."""
    asset = dg.AssetKey(["raw", table])
    has_rows, is_a_key = "has_rows", f"{key}_is_a_key"

    @dg.multi_asset_check(
        name=f"raw_{table}_checks",
        specs=[
            dg.AssetCheckSpec(has_rows, asset=asset, description="The landed file had rows."),
            dg.AssetCheckSpec(is_a_key, asset=asset, description=f"`{key}` is unique, never null."),
        ],
    )
    def checks(warehouse: Warehouse):
        with warehouse.get_connection() as conn:
            rows, duplicates, nulls = key_problems(conn.cursor(), f"raw.{table}", key)
        yield dg.AssetCheckResult(asset_key=asset, check_name=has_rows, passed=rows > 0)
        yield dg.AssetCheckResult(
            asset_key=asset,
            check_name=is_a_key,
            passed=duplicates == nulls == 0,
            metadata={"duplicates": duplicates, "nulls": nulls},
        )

    return checks
