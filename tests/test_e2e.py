"""End to end: rendered projects installed with `uv sync` as a user would, then their own
toolchain: `dg check defs`, `dg list defs`, their `pytest`, `dg launch`, `dg scaffold`, `dg dev`.
The numbers in the warehouse are checked against the sample data, computed here independently."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dagster_ui import dg_dev
from helpers import (
    ALL_ASSETS,
    BASE_ANSWERS,
    CLEAN_ENV,
    REPO,
    copier_cli,
    data_args,
    expected_by_country,
)

pytestmark = pytest.mark.e2e

FULL = {"etl_tools": ["dlt", "sling", "dbt"]}
COMBINATIONS = [
    {},  # the defaults: dlt and dbt, declarative, daily
    # Every other subset of the ETL tools, with the default style and partitioning.
    {"etl_tools": []},
    {"etl_tools": ["dlt"]},
    {"etl_tools": ["sling"]},
    {"etl_tools": ["dbt"]},
    {"etl_tools": ["dlt", "sling"]},
    {"etl_tools": ["sling", "dbt"]},
    FULL,
    # The other automation styles and partitionings.
    {"automation_style": "schedules", "partitioning": "weekly", "etl_tools": ["sling"]},
    {"automation_style": "sensors", "partitioning": "monthly", "etl_tools": ["dlt", "sling"]},
    {"automation_style": "schedules", "partitioning": "none", "etl_tools": []},
]
# The components integration style: every subset of the ETL tools as dg components.
FULL_COMPONENTS = {"integration_style": "components", **FULL}
COMBINATIONS += [
    {"integration_style": "components", "etl_tools": tools}
    for tools in ([], ["dlt"], ["sling"], ["dbt"], ["dlt", "sling"], ["sling", "dbt"])
]
COMBINATIONS += [{"integration_style": "components", "etl_tools": ["dlt", "dbt"]}, FULL_COMPONENTS]
CHECKS = {
    ("raw/customers", "has_rows"),
    ("raw/orders", "has_rows"),
    ("raw/customers", "customer_id_is_a_key"),
    ("raw/orders", "order_id_is_a_key"),
    ("staging/stg_customers", "customer_id_is_unique"),
    ("staging/stg_customers", "customer_id_is_not_null"),
    ("staging/stg_orders", "order_id_is_unique"),
    ("staging/stg_orders", "order_id_is_not_null"),
    ("marts/fct_orders", "every_order_has_a_customer"),
    ("analytics/order_summary", "revenue_matches_fct_orders"),
}


def combination_id(answers: dict) -> str:
    if not answers:
        return "defaults"
    return "-".join(
        "+".join(value) or "no-tools" if isinstance(value, list) else value
        for value in answers.values()
    )


FIRST_PARTITION = {"daily": "2025-01-01", "weekly": "2025-01-06", "monthly": "2025-01-01"}


def run(cmd: list[str], project: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(
        cmd, cwd=project, env=CLEAN_ENV, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (
        f"{' '.join(cmd)}\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )
    return result


def query_warehouse(project: Path, sql: str) -> list[list]:
    """Run SQL on the project's DuckDB file with the project's own Python and duckdb."""
    script = (
        "import duckdb, json, sys\n"
        "conn = duckdb.connect('data/warehouse.duckdb', read_only=True)\n"
        "print(json.dumps(conn.execute(sys.argv[1]).fetchall(), default=str))\n"
    )
    out = run([str(project / ".venv/bin/python"), "-c", script, sql], project).stdout
    return json.loads(out)


# Projects rendered and installed so far, by combination: tests parametrized with a subset of
# COMBINATIONS make pytest set the fixture up again, and then it reuses the installed project.
INSTALLED: dict[str, dict] = {}


@pytest.fixture(scope="module", params=COMBINATIONS, ids=combination_id)
def project(request, template, tmp_path_factory) -> dict:
    name = combination_id(request.param)
    if name in INSTALLED:
        return INSTALLED[name]
    answers = {**BASE_ANSWERS, **request.param}
    dst = tmp_path_factory.mktemp("e2e") / "acme"
    rendered = copier_cli(
        "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", *data_args(answers),
        str(template), str(dst),
    )  # fmt: skip
    assert rendered.returncode == 0, rendered.stderr
    run(["uv", "sync", "--quiet"], dst)
    partitioning = request.param.get("partitioning", "daily")
    INSTALLED[name] = {
        "dir": dst, "answers": answers, "partition": FIRST_PARTITION.get(partitioning)
    }  # fmt: skip
    return INSTALLED[name]


def test_check_defs(project):
    out = run(["uv", "run", "dg", "check", "defs"], project["dir"])
    assert "All definitions loaded successfully" in out.stdout + out.stderr
    if project["answers"].get("integration_style") == "components":
        out = run(["uv", "run", "dg", "check", "yaml"], project["dir"])
        assert "All component YAML validated successfully" in out.stdout + out.stderr


# The components projects other than the full one are listed by their own pytest
# (test_definitions.py): `dg list defs` once, for the full one, keeps the suite's time down.
LISTED = [c for c in COMBINATIONS if c.get("integration_style") != "components"] + [FULL_COMPONENTS]


@pytest.mark.parametrize("project", LISTED, indirect=True, ids=[combination_id(c) for c in LISTED])
def test_list_defs(project):
    listed = json.loads(run(["uv", "run", "dg", "list", "defs", "--json"], project["dir"]).stdout)
    assert sorted(a["asset_key_parts"] for a in listed["assets"]) == sorted(ALL_ASSETS)
    checks = {(c["asset_key"], c["name"]) for c in listed["asset_checks"]}
    assert checks == CHECKS
    style = project["answers"].get("automation_style", "declarative")
    sensors = {s["name"] for s in listed["sensors"]}
    schedules = {s["name"] for s in listed["schedules"]}
    if style == "declarative":
        assert sensors == {"automation_sensor"} and not schedules
    elif style == "schedules":
        assert not sensors
        assert "refresh_schedule" in schedules
        assert ("order_summary_job_schedule" in schedules) is bool(project["partition"])
    else:
        assert {"landing_sensor", "report_failed_run"} <= sensors and not schedules


def test_project_tests_pass(project):
    out = run(["uv", "run", "pytest", "-q", "-p", "no:cacheprovider"], project["dir"]).stdout
    summary = out.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary, out
    # The only skips: the integration tests on the prod warehouse, saying what they need.
    skipped = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 3, out
    for line in skipped:
        assert "tests/test_integration.py" in line and "prod variables not set" in line, line


def test_launch_materializes_the_sample_numbers(project):
    # A fresh warehouse: other tests of the same project may have filled it (a backfill).
    (project["dir"] / "data" / "warehouse.duckdb").unlink(missing_ok=True)
    cmd = ["uv", "run", "dg", "launch", "--assets", "*"]
    if project["partition"]:
        cmd += ["--partition", project["partition"]]
    run(cmd, project["dir"])

    marts = query_warehouse(
        project["dir"],
        "SELECT country, COUNT(*), COUNT(DISTINCT customer_id), SUM(amount)"
        " FROM marts.fct_orders GROUP BY country",
    )
    assert {row[0]: row[1:] for row in marts} == expected_by_country()

    summary = query_warehouse(
        project["dir"], "SELECT country, orders, customers, revenue FROM analytics.order_summary"
    )
    if project["partition"]:
        end = {"daily": "2025-01-02", "weekly": "2025-01-13", "monthly": "2025-02-01"}
        partitioning = project["answers"].get("partitioning", "daily")
        expected = expected_by_country(project["partition"], end[partitioning])
    else:
        expected = expected_by_country()
    assert {row[0]: row[1:] for row in summary} == expected


# The tests below need one project each: the defaults, or every tool at once (in each style).
defaults_only = pytest.mark.parametrize("project", [{}], indirect=True, ids=["defaults"])
full_only = pytest.mark.parametrize(
    "project",
    [FULL, FULL_COMPONENTS],
    indirect=True,
    ids=["dlt+sling+dbt", "components-dlt+sling+dbt"],
)
full_components_only = pytest.mark.parametrize(
    "project", [FULL_COMPONENTS], indirect=True, ids=["components-dlt+sling+dbt"]
)


@pytest.mark.parametrize(
    "project",
    [{}, FULL, FULL_COMPONENTS],
    indirect=True,
    ids=["defaults", "dlt+sling+dbt", "components-dlt+sling+dbt"],
)
def test_launch_needs_no_network(project):
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare to cut the network (unshare -n)")
    (project["dir"] / "data" / "warehouse.duckdb").unlink(missing_ok=True)
    run(
        ["unshare", "-n", ".venv/bin/dg", "launch", "--assets", "*", "--partition", "2025-01-01"],
        project["dir"],
    )
    assert query_warehouse(project["dir"], "SELECT COUNT(*) FROM analytics.order_summary")[0][0] > 0


def scaffold_new_source(project: Path) -> Path:
    """`dg scaffold defs` of the project component RawCsvTable, as a platform team's user would."""
    run(
        ["uv", "run", "dg", "scaffold", "defs", "acme_data.components.RawCsvTable",
         "ingest/new_source", "--key", "source_id"],
        project,
    )  # fmt: skip
    folder = project / "src/acme_data/defs/ingest/new_source"
    assert "table: new_source" in (folder / "defs.yaml").read_text()
    return folder


def assert_new_source_in(listed: dict) -> None:
    assert ["raw", "new_source"] in [a["asset_key_parts"] for a in listed["assets"]]
    checks = {c["name"] for c in listed["asset_checks"] if c["asset_key"] == "raw/new_source"}
    assert checks == {"has_rows", "source_id_is_a_key"}


@defaults_only
def test_check_defs_in_prod(project, tmp_path):
    """prod on DuckDB loads from its own variable (placeholder path: nothing opens it)."""
    env = {
        **CLEAN_ENV,
        "ACME_DATA_ENV": "prod",
        "ACME_DATA_DUCKDB_PROD_DATABASE": str(tmp_path / "prod.duckdb"),
    }
    out = subprocess.run(
        ["uv", "run", "dg", "check", "defs"], cwd=project["dir"], env=env, capture_output=True,
        text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert "All definitions loaded successfully" in out.stdout + out.stderr
    # dbt parsed with the prod target, into a folder of its own.
    manifest = json.loads((project["dir"] / "dbt/target/prod/manifest.json").read_text())
    assert manifest["metadata"]["adapter_type"] == "duckdb"


@defaults_only
def test_scaffolded_asset_loads(project):
    new_asset = project["dir"] / "src/acme_data/defs/analytics/my_asset.py"
    try:
        run(
            ["uv", "run", "dg", "scaffold", "defs", "dagster.asset", "analytics/my_asset.py"],
            project["dir"],
        )
        assert new_asset.is_file()
        # The project component is there in the pythonic style too.
        scaffold_new_source(project["dir"])
        run(["uv", "run", "dg", "check", "defs"], project["dir"])
        listed = json.loads(
            run(["uv", "run", "dg", "list", "defs", "--json"], project["dir"]).stdout
        )
        assert ["my_asset"] in [a["asset_key_parts"] for a in listed["assets"]]
        assert_new_source_in(listed)
    finally:
        new_asset.unlink(missing_ok=True)
        shutil.rmtree(project["dir"] / "src/acme_data/defs/ingest/new_source", ignore_errors=True)


BROKEN_ASSET = '''"""A user's asset whose SQL fails halfway through its connection."""

import dagster as dg

from ...warehouse import Warehouse


@dg.asset(deps=[["raw", "orders"]])
def broken(warehouse: Warehouse) -> None:
    with warehouse.get_connection() as conn:
        conn.execute("SELECT * FROM raw.no_such_table")
'''


@defaults_only
def test_a_failing_asset_leaves_the_warehouse_to_the_other_steps(project):
    """Its connection is closed when it raises, so dbt, which runs after it in the same run and
    opens the DuckDB file from a process of its own, is not locked out (before 0.3.0 it was, in
    about one run of three: `Conflicting lock is held`; the rendered test_assets.py checks the
    closing itself, deterministically)."""
    broken = project["dir"] / "src/acme_data/defs/analytics/broken.py"
    broken.write_text(BROKEN_ASSET)
    try:
        launched = subprocess.run(
            ["uv", "run", "dg", "launch", "--assets", "*", "--partition", "2025-01-01"],
            cwd=project["dir"], env=CLEAN_ENV, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    finally:
        broken.unlink()
    log = launched.stdout + launched.stderr
    assert launched.returncode != 0
    assert "Conflicting lock" not in log, log[-5000:]
    failed = set(re.findall(r" - (\w+) - STEP_FAILURE", log))
    succeeded = set(re.findall(r" - (\w+) - STEP_SUCCESS", log))
    assert failed == {"broken"}, log[-5000:]
    assert {"dlt_landing", "dbt_models", "analytics__order_summary"} <= succeeded


@full_components_only
def test_project_component_scaffolds_a_new_source(project):
    listed = run(["uv", "run", "dg", "list", "components", "--json"], project["dir"]).stdout
    keys = {item["key"] for item in json.loads(listed)["items"]}
    own = {
        "acme_data.components.raw_csv_table.RawCsvTable",
        "acme_data.components.dlt_loads.DltLoads",
    }
    # The project's own classes, and the stock components its defs.yaml files use.
    assert (
        own
        | {
            "dagster_sling.SlingReplicationCollectionComponent",
            "dagster_dbt.DbtProjectComponent",
        }
        <= keys
    )
    assert {key for key in keys if key.startswith("acme_data.")} == own
    new_source = scaffold_new_source(project["dir"])
    try:
        out = run(["uv", "run", "dg", "check", "defs"], project["dir"])
        assert "All definitions loaded successfully" in out.stdout + out.stderr
        listed = json.loads(
            run(["uv", "run", "dg", "list", "defs", "--json"], project["dir"]).stdout
        )
        assert_new_source_in(listed)
    finally:
        shutil.rmtree(new_source)


@full_only
def test_backfill_from_dg_dev(project, tmp_path):
    """Partition runs queued by a backfill write one DuckDB file without lock errors."""
    (project["dir"] / "data" / "warehouse.duckdb").unlink(missing_ok=True)
    partitions = [f"2025-01-0{day}" for day in range(1, 8)]
    with dg_dev(project["dir"], CLEAN_ENV, tmp_path / "dg-dev.log") as ui:
        backfill = ui.backfill(ALL_ASSETS, partitions)
        status, runs = ui.wait_for_backfill(backfill, timeout=600)
    assert status == "COMPLETED_SUCCESS", (tmp_path / "dg-dev.log").read_text()[-5000:]
    assert runs and all(r["status"] == "SUCCESS" for r in runs)
    built = query_warehouse(
        project["dir"],
        "SELECT CAST(period_start AS VARCHAR), country, orders, customers, revenue"
        " FROM analytics.order_summary",
    )
    for day, next_day in zip(partitions, [*partitions[1:], "2025-01-08"], strict=True):
        rows = {row[1]: row[2:] for row in built if row[0] == day}
        assert rows == expected_by_country(day, next_day), day


GIT_URL = "https://github.com/acme/acme-data"
GROUPS = {"raw": "ingest", "staging": "transform", "marts": "transform", "analytics": "analytics"}


def landed(table: str) -> list[list[str]]:
    """The sample file of a raw table, header first."""
    with (REPO / "template/data/landing" / f"{table}.csv").open(newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize(
    "project",
    [{}, FULL_COMPONENTS],
    indirect=True,
    ids=["defaults", "components-dlt+sling+dbt"],
)
def test_dg_dev_shows_every_asset_documented(project, tmp_path):
    """What the Dagster UI shows, read through `dg dev`'s GraphQL API: every asset with its
    description, owners, kinds, group, table, columns and a link to its code in the git repository,
    every check described; dbt's tables with row counts and column lineage after a run, and
    without them after a run with the project's one setting turned off."""
    home = tmp_path / "dagster_home"  # one instance for the runs and dg dev
    home.mkdir()
    shutil.copy(project["dir"] / "dagster.yaml", home)
    env = {**CLEAN_ENV, "DAGSTER_HOME": str(home)}
    (project["dir"] / "data" / "warehouse.duckdb").unlink(missing_ok=True)
    launch = [".venv/bin/dg", "launch", "--assets"]
    for cmd, variables in [
        ([*launch, "*", "--partition", "2025-01-01"], {}),
        ([*launch, "marts/fct_orders"], {"ACME_DATA_DBT_RUN_METADATA": "false"}),
    ]:
        launched = subprocess.run(
            cmd, cwd=project["dir"], env={**env, **variables}, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        assert launched.returncode == 0, launched.stderr[-3000:]

    git = {"ACME_DATA_GIT_URL": GIT_URL, "ACME_DATA_GIT_BRANCH": "release"}
    with dg_dev(project["dir"], {**env, **git}, tmp_path / "dg-dev.log") as ui:
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
            header = landed(name.removeprefix("raw/"))[0]
            assert columns == [{"name": column, "type": "text"} for column in header], name
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
