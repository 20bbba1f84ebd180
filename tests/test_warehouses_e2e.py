"""The prod environment of rendered projects, on real warehouses where the machine has one.

PostgreSQL, for real: a throwaway server (tests/postgres_server.py) and one rendered project with
dlt, Sling and dbt. In prod with a variable unset it stops before writing anything; `dg launch`
in prod then ingests, transforms and summarises into Postgres (and nothing into the local DuckDB
file), with the numbers the sample data implies, computed here as test_e2e does; and the
project's own integration tests pass against the server (a second run over existing tables).

Snowflake and BigQuery: no account here. Their projects install, load in prod with placeholder
values (dbt parses with the prod target and its adapter), and their integration tests report as
skipped, naming the variables they need.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import postgres_server as pg_server
from helpers import BASE_ANSWERS, CLEAN_ENV, copier_cli, data_args, expected_by_country
from postgres_server import psql

pytestmark = pytest.mark.e2e

FULL = ["dlt", "sling", "dbt"]
PARTITION = "2025-01-01"
LAUNCH = ["uv", "run", "dg", "launch", "--assets", "*", "--partition", PARTITION]
SCHEMAS = ("raw", "staging", "marts", "analytics")


def run(cmd: list[str], project: Path, env: dict, timeout: float = 900):
    return subprocess.run(
        cmd, cwd=project, env=env, capture_output=True, text=True, timeout=timeout
    )


def install(template: Path, dst: Path, warehouse: str, **answers) -> Path:
    answers = {**BASE_ANSWERS, "warehouse": warehouse, "etl_tools": FULL, **answers}
    copied = copier_cli(
        "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", *data_args(answers),
        str(template), str(dst),
    )  # fmt: skip
    assert copied.returncode == 0, copied.stderr[-3000:]
    synced = run(["uv", "sync", "--quiet"], dst, CLEAN_ENV)
    assert synced.returncode == 0, synced.stderr[-3000:]
    return dst


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict]:
    if not pg_server.available():
        pytest.skip(pg_server.MISSING)
    with pg_server.server(user="pipeline", database="analytics") as pg:
        yield pg


@pytest.fixture(scope="module")
def pg_project(template, tmp_path_factory) -> Path:
    return install(template, tmp_path_factory.mktemp("postgres") / "acme", "postgres")


def postgres_variables(pg: dict) -> dict[str, str]:
    """The prod variables, as .env.example lists them, pointed at the throwaway server."""
    return {
        "ACME_DATA_POSTGRES_HOST": "127.0.0.1",
        "ACME_DATA_POSTGRES_PORT": str(pg["port"]),
        "ACME_DATA_POSTGRES_USER": pg["user"],
        "ACME_DATA_POSTGRES_PASSWORD": pg["password"],
        "ACME_DATA_POSTGRES_DATABASE": pg["db"],
    }


def schemas(pg: dict) -> set[str]:
    rows = psql(pg, "SELECT schema_name FROM information_schema.schemata")
    return {row[0] for row in rows} & set(SCHEMAS)


def assert_sample_numbers(pg: dict) -> None:
    """The marts and the first partition's summary in Postgres hold the sample data's numbers."""
    marts = psql(
        pg,
        "SELECT country, COUNT(*), COUNT(DISTINCT customer_id), SUM(amount)"
        " FROM marts.fct_orders GROUP BY country",
    )
    assert {r[0]: [int(r[1]), int(r[2]), r[3]] for r in marts} == expected_by_country()
    summary = psql(
        pg,
        "SELECT country, orders, customers, revenue FROM analytics.order_summary"
        f" WHERE period_start = '{PARTITION}'",
    )
    expected_day = expected_by_country(PARTITION, "2025-01-02")
    assert {r[0]: [int(r[1]), int(r[2]), r[3]] for r in summary} == expected_day


def test_loads_locally_and_lists_the_prod_variables(pg_project, postgres):
    checked = run(["uv", "run", "dg", "check", "defs"], pg_project, CLEAN_ENV)
    assert checked.returncode == 0, checked.stderr[-5000:]
    listed = {
        line.split("=", 1)[0]
        for line in (pg_project / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert set(postgres_variables(postgres)) <= listed


def test_prod_with_a_variable_unset_stops_before_writing(pg_project, postgres):
    env = {**CLEAN_ENV, **postgres_variables(postgres), "ACME_DATA_ENV": "prod"}
    del env["ACME_DATA_POSTGRES_PASSWORD"]
    launched = run(LAUNCH, pg_project, env)
    assert launched.returncode != 0
    message = (
        "ACME_DATA_ENV=prod needs ACME_DATA_POSTGRES_PASSWORD: set it in the environment or in "
        ".env (see .env.example)"
    )
    # One line, naming the variable and where to set it, and nothing printed before it.
    assert launched.stderr.strip() == message, launched.stderr[-3000:]
    assert schemas(postgres) == set()
    assert not (pg_project / "data" / "warehouse.duckdb").exists()


def test_prod_run_on_postgres_holds_the_sample_numbers(pg_project, postgres):
    env = {**CLEAN_ENV, **postgres_variables(postgres), "ACME_DATA_ENV": "prod"}
    launched = run(LAUNCH, pg_project, env)
    assert launched.returncode == 0, launched.stderr[-5000:]
    assert schemas(postgres) == set(SCHEMAS)
    # Every tool wrote to Postgres, none to the local DuckDB file.
    assert not (pg_project / "data" / "warehouse.duckdb").exists()

    assert_sample_numbers(postgres)
    # dlt, Sling and dbt each did their part.
    loaded = psql(postgres, "SELECT COUNT(*) FROM raw._dlt_loads")
    assert int(loaded[0][0]) >= 1
    views = psql(postgres, "SELECT table_name FROM information_schema.views")
    assert {"stg_customers", "stg_orders"} <= {row[0] for row in views}


def test_project_integration_tests_pass_on_postgres(pg_project, postgres):
    # A second run, over the tables (and dbt's views on them) of the first.
    env = {**CLEAN_ENV, **postgres_variables(postgres)}
    tested = run(
        ["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "-m", "integration"],
        pg_project,
        env,
    )
    assert tested.returncode == 0, tested.stdout[-5000:]
    assert "3 passed" in tested.stdout.strip().splitlines()[-1], tested.stdout


# --- The components style on PostgreSQL: Sling and dbt, twice in a row ------------------------


@pytest.fixture(scope="module")
def components_project(template, tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("postgres-components") / "acme"
    return install(
        template, dst, "postgres", etl_tools=["sling", "dbt"], integration_style="components"
    )


def test_components_sling_and_dbt_run_twice_on_postgres(components_project, postgres):
    psql(postgres, "CREATE DATABASE components")
    pg = {**postgres, "db": "components"}
    env = {**CLEAN_ENV, **postgres_variables(pg), "ACME_DATA_ENV": "prod"}
    for attempt in ("first", "second"):
        launched = run(LAUNCH, components_project, env)
        assert launched.returncode == 0, f"{attempt} run\n{launched.stderr[-5000:]}"
        if attempt == "first":  # a column as dlt leaves one (NOT NULL, no default): Sling's
            # inserts would fail on it, so it is dropped before Sling loads the table again
            psql(pg, "ALTER TABLE raw.customers ADD COLUMN _dlt_id text NOT NULL DEFAULT 'x';"
                     " ALTER TABLE raw.customers ALTER COLUMN _dlt_id DROP DEFAULT")  # fmt: skip
    columns = psql(
        pg,
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = 'raw' AND table_name = 'customers'",
    )
    assert "_dlt_id" not in {row[0] for row in columns} and ["customer_id"] in columns
    # The second run replaced the raw rows under dbt's views on them, and added none.
    landed = (components_project / "data" / "landing" / "customers.csv").read_text()
    customers = psql(pg, "SELECT COUNT(*) FROM raw.customers")
    assert int(customers[0][0]) == len(landed.strip().splitlines()) - 1
    views = psql(pg, "SELECT table_name FROM information_schema.views")
    assert {"stg_customers", "stg_orders"} <= {row[0] for row in views}
    assert_sample_numbers(pg)
    assert not (components_project / "data" / "warehouse.duckdb").exists()


# --- Snowflake and BigQuery: install, load, parse; integration tests skip ----------------------

PLACEHOLDERS = {
    "snowflake": [
        "ACME_DATA_SNOWFLAKE_ACCOUNT", "ACME_DATA_SNOWFLAKE_USER", "ACME_DATA_SNOWFLAKE_PASSWORD",
        "ACME_DATA_SNOWFLAKE_ROLE", "ACME_DATA_SNOWFLAKE_WAREHOUSE",
        "ACME_DATA_SNOWFLAKE_DATABASE",
    ],
    "bigquery": [
        "ACME_DATA_BIGQUERY_PROJECT", "ACME_DATA_BIGQUERY_LOCATION",
        "GOOGLE_APPLICATION_CREDENTIALS",
    ],
}  # fmt: skip


@pytest.fixture(scope="module", params=sorted(PLACEHOLDERS))
def cloud_project(request, template, tmp_path_factory) -> dict:
    dst = tmp_path_factory.mktemp(request.param) / "acme"
    return {"dir": install(template, dst, request.param), "warehouse": request.param}


def test_loads_locally_and_in_prod_with_placeholder_values(cloud_project):
    names = PLACEHOLDERS[cloud_project["warehouse"]]
    env = {**CLEAN_ENV, **dict.fromkeys(names, "placeholder"), "ACME_DATA_ENV": "prod"}
    for environment in (CLEAN_ENV, env):
        checked = run(["uv", "run", "dg", "check", "defs"], cloud_project["dir"], environment)
        assert checked.returncode == 0, checked.stderr[-5000:]
    # The dbt project parsed with the prod target, through the warehouse's adapter.
    manifest = cloud_project["dir"] / "dbt" / "target" / "prod" / "manifest.json"
    metadata = json.loads(manifest.read_text())["metadata"]
    assert metadata["adapter_type"] == cloud_project["warehouse"]


def test_integration_tests_skip_without_credentials(cloud_project):
    names = PLACEHOLDERS[cloud_project["warehouse"]]
    tested = run(
        ["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
         "tests/test_environments.py", "tests/test_integration.py"],
        cloud_project["dir"], CLEAN_ENV,
    )  # fmt: skip
    assert tested.returncode == 0, tested.stdout[-5000:]
    skipped = [line for line in tested.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 3, tested.stdout
    for line in skipped:
        assert f"prod variables not set: {', '.join(names)} (see .env.example)" in line, line
