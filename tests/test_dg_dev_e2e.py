"""`dg dev` on installed projects: what the UI shows through its GraphQL API and in a headless
browser, and backfills launched from it."""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from dagster_browser import MISSING, binaries, chromium
from dagster_ui import DagsterUI, dg_dev
from helpers import (
    ALL_ASSETS,
    CHECKS,
    CLEAN_ENV,
    FULL_COMPONENTS,
    NO_DBT_METADATA,
    defaults_only,
    expected_by_country,
    full_components_only,
    landed,
    query_warehouse,
    run,
)

pytestmark = pytest.mark.e2e

GIT_URL = "https://github.com/acme/acme-data"


@pytest.fixture(scope="module")
def first_day(project, tmp_path_factory) -> Iterator[tuple[DagsterUI, Path, dict]]:
    """`dg dev` on the project, (its UI, its log, its environment), after two runs in its instance
    (the environment's DAGSTER_HOME): the whole graph on the first day, then fct_orders alone
    with dbt's run metadata off; its code links go to GIT_URL's `release` branch. A project's
    tests below share it, in any order: the backfill's runs (components) build only the summary,
    whose materializations the browser's test (defaults) counts."""
    tmp = tmp_path_factory.mktemp("dg-dev")
    home = tmp / "dagster_home"  # one instance for the runs and dg dev
    home.mkdir()
    shutil.copy(project["dir"] / "dagster.yaml", home)
    env = {**CLEAN_ENV, "DAGSTER_HOME": str(home)}
    (project["dir"] / "data" / "warehouse.duckdb").unlink(missing_ok=True)
    launch = [".venv/bin/dg", "launch", "--assets"]
    run([*launch, "*", "--partition", "2025-01-01"], project["dir"], env=env)
    run([*launch, "marts/fct_orders"], project["dir"], env={**env, **NO_DBT_METADATA})
    git = {"ACME_DATA_GIT_URL": GIT_URL, "ACME_DATA_GIT_BRANCH": "release"}
    log = tmp / "dg-dev.log"
    with dg_dev(project["dir"], {**env, **git}, log) as ui:
        yield ui, log, env


def graph_nodes(text: str) -> dict[str, str]:
    """The asset graph's nodes in the text of its page: asset name -> its checks' line."""
    return dict(re.findall(r"^(\w+)\nLatest event\n(?:.*\n)?Asset checks\n(.+)$", text, re.M))


@defaults_only
def test_ui_in_a_browser(project, first_day):
    """`dg dev` in headless Chromium, once the first day is materialized: the asset graph with
    every asset and its checks, the daily summary's page, its partitions (the first day's revenue)
    and its check. The screenshots are kept (dagster_browser.SCREENSHOTS; the template's CI
    uploads them)."""
    if not binaries():
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    # Each asset's node, with its checks: "<passed> / <count> Passed", or a dash for none.
    checks = {key[-1]: sum(a == "/".join(key) for a, _ in CHECKS) for key in ALL_ASSETS}
    shown = {name: f" / {n} Passed" if n else "\N{EN DASH}" for name, n in checks.items()}
    shown["order_summary"] = "1 / 1 Passed"  # the first day's run ran it, and its check

    def graph_shows_every_asset(text: str) -> bool:
        nodes = graph_nodes(text)
        return all(nodes.get(name, "").endswith(line) for name, line in shown.items())

    partitions = (datetime.now(UTC).date() - date(2025, 1, 1)).days  # up to yesterday, UTC
    summary = "/assets/analytics/order_summary"
    day = expected_by_country("2025-01-01", "2025-01-02").values()
    revenue = str(sum(Decimal(r) for _, _, r in day))  # in the materialization's metadata

    ui, _, _ = first_day
    with chromium(ui.base_url) as page:
        page.open("/asset-groups", "Global asset lineage")
        page.show_whole_graph()
        page.wait_until(graph_shows_every_asset, f"the assets and their checks {shown}")
        page.screenshot("asset-graph")

        page.open(summary, "Latest materialization", "2025-01-01", "Latest check results")
        page.screenshot("order-summary")
        page.open(
            f"{summary}?view=partitions&partition=2025-01-01", f"{partitions} Partitions",
            "Materialized (1)", f"Missing ({partitions - 1})", "Failed (0)",
            "2025-01-01\nMaterialized", revenue,
        )  # fmt: skip
        page.screenshot("order-summary-partitions")
        page.open(f"{summary}?view=checks", "revenue_matches_fct_orders", "Passed")
        page.screenshot("order-summary-checks")


GROUPS = {"raw": "ingest", "staging": "transform", "marts": "transform", "analytics": "analytics"}


@pytest.mark.parametrize(
    "project",
    [{}, FULL_COMPONENTS],
    indirect=True,
    ids=["defaults", "components-dlt+sling+dbt"],
)
def test_dg_dev_shows_every_asset_documented(project, first_day):
    """What the Dagster UI shows, read through `dg dev`'s GraphQL API: every asset with its
    description, owners, kinds, group, table, columns and a link to its code in the git repository,
    every check described; dbt's tables with row counts and column lineage after a run, and
    without them after a run with the project's one setting turned off."""
    ui, _, _ = first_day
    assets = ui.asset_nodes()
    assert sorted(assets) == sorted("/".join(key) for key in ALL_ASSETS)
    checks = set()
    for name, asset in assets.items():
        assert asset["description"], name
        assert asset["owners"] == [{"team": "data-eng"}], name
        assert asset["groupName"] == GROUPS[name.split("/")[0]], name
        assert "duckdb" in asset["kinds"] and len(asset["kinds"]) >= 2, name
        metadata = asset["metadata"]
        assert metadata["dagster/table_name"]["text"].endswith(name.replace("/", ".")), name
        columns = metadata["dagster/column_schema"]["schema"]["columns"]
        assert columns and all(column["name"] and column["type"] for column in columns), name
        if name.startswith("raw/"):
            # The columns of the landed file, with the types their text parses as.
            header = landed(name.removeprefix("raw/"))[0]
            assert [column["name"] for column in columns] == header, name
            assert {c["type"] for c in columns} <= {"integer", "text", "date", "decimal"}, name
        references = metadata["dagster/code_references"]["codeReferences"]
        assert references and {r["__typename"] for r in references} == {"UrlCodeReference"}
        for reference in references:
            path = reference["url"].removeprefix(f"{GIT_URL}/tree/release/").split("#L")[0]
            assert (project["dir"] / path).is_file(), reference
        for check in asset["assetChecksOrError"]["checks"]:
            assert check["description"], (name, check["name"])
            checks.add((name, check["name"]))
    assert checks == CHECKS

    completed = sum(orders for orders, _, _ in expected_by_country().values())
    rows = {"marts/fct_orders": completed, "marts/dim_customers": len(landed("customers")) - 1}
    # fct_orders, newest first: built again with the setting off, and in the whole graph.
    off, on = assets["marts/fct_orders"]["materializations"]
    assert off and not {"dagster/row_count", "dagster/column_lineage"} & set(off)
    built = {"marts/fct_orders": on}
    built |= {
        n: assets[n]["materializations"][0] for n in ("marts/dim_customers", "staging/stg_orders")
    }
    for name, metadata in built.items():
        assert metadata["dagster/column_schema"]["schema"]["columns"], name
        assert metadata["dagster/column_lineage"]["lineage"], name
        if name in rows:  # tables: dagster-dbt counts no rows of views (staging)
            assert metadata["dagster/row_count"]["intValue"] == rows[name], name


@full_components_only
def test_backfill_from_dg_dev(project, first_day):
    """A backfill of the summary from `dg dev` over five days is ONE run (the asset's single-run
    backfill policy) and writes each day's rows as runs of one day each did (the first day's and
    a launch of the second), with the sample's numbers. (A backfill of one day: the compose
    deployment's test.)"""
    ui, log, env = first_day
    summary_sql = (
        "SELECT CAST(period_start AS VARCHAR), country, orders, customers, revenue"
        " FROM analytics.order_summary ORDER BY 1, 2"
    )
    days = ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05"]
    launch = [".venv/bin/dg", "launch", "--assets", "analytics/order_summary"]
    run([*launch, "--partition", days[1]], project["dir"], env=env)
    single_runs = query_warehouse(project["dir"], summary_sql)
    assert {row[0] for row in single_runs} == set(days[:2]), single_runs
    # The backfill must write these rows again, not find them.
    query_warehouse(project["dir"], "DELETE FROM analytics.order_summary", read_only=False)
    backfill = ui.backfill([["analytics", "order_summary"]], days)
    # Until the backfill is finished (the daemon's next tick): every run it starts counts.
    status, runs = ui.wait_for_backfill(backfill, 600)
    assert status == "COMPLETED_SUCCESS", log.read_text()[-5000:]
    assert len(runs) == 1 and runs[0]["status"] == "SUCCESS", runs
    tags = {tag["key"]: tag["value"] for tag in runs[0]["tags"]}
    assert tags["dagster/asset_partition_range_start"] == days[0], tags
    assert tags["dagster/asset_partition_range_end"] == days[-1], tags
    summary = query_warehouse(project["dir"], summary_sql)
    assert [row for row in summary if row[0] in days[:2]] == single_runs
    for day, next_day in itertools.pairwise([*days, "2025-01-06"]):
        rows = {row[1]: row[2:] for row in summary if row[0] == day}
        assert rows == expected_by_country(day, next_day), day
