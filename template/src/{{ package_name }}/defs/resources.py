"""The one place resources are built. The definitions and the tests both use `build_resources`."""

from pathlib import Path
from typing import Any

import dagster as dg
from dagster_duckdb import DuckDBResource

from .. import settings


class LandingZone(dg.ConfigurableResource):
    """The folder where source files land, one CSV file per source table."""

    path: str

    def file(self, table: str) -> Path:
        return Path(self.path) / f"{table}.csv"

    def files(self) -> list[Path]:
        return sorted(Path(self.path).glob("*.csv"))


def build_resources() -> dict[str, Any]:
    return {
        "warehouse": DuckDBResource(database=dg.EnvVar(settings.DUCKDB_DATABASE)),
        "landing": LandingZone(path=dg.EnvVar(settings.LANDING_DIR)),
    }


@dg.definitions
def resources() -> dg.Definitions:
    # One process per run: steps share it instead of each starting Python, and only one step
    # writes the DuckDB file at a time.
    return dg.Definitions(resources=build_resources(), executor=dg.in_process_executor)
