"""Checks on the raw tables, whichever tool loads them."""

import dagster as dg

from ...warehouse import Warehouse


def build_has_rows_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=["raw", table],
        name="has_rows",
        description=f"`raw.{table}` is not empty: the landed file had rows.",
    )
    def has_rows(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.get_connection() as conn:
            rows = conn.execute(f"SELECT COUNT(*) FROM raw.{table}").fetchone()[0]
        return dg.AssetCheckResult(passed=rows > 0, metadata={"rows": rows})

    return has_rows


customers_has_rows = build_has_rows_check("customers")
orders_has_rows = build_has_rows_check("orders")
