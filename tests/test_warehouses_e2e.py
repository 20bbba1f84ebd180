"""The prod environment of rendered projects, on real warehouses where the machine has one.

PostgreSQL, for real: a throwaway server (tests/postgres_server.py) and one rendered project with
dlt, Sling and dbt. In prod with a variable unset it stops before writing anything; `dg launch`
in prod then ingests, transforms and summarises into Postgres (and nothing into the local DuckDB
file), with the numbers the sample data implies, computed here as test_projects_e2e does; and the
project's own integration tests pass against the server (a second run over existing tables).

Snowflake and BigQuery: no account here. Their projects install, load in prod with placeholder
values (dbt parses with the prod target and its adapter), and their integration tests report as
skipped, naming the variables they need.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import postgres_server as pg_server
from helpers import BASE_ANSWERS, copy, expected_by_country, run
from postgres_server import psql

pytestmark = pytest.mark.e2e

FULL = ["dlt", "sling", "dbt"]
PARTITION = "2025-01-01"
LAUNCH = ["uv", "run", "dg", "launch", "--assets", "*", "--partition", PARTITION]
SCHEMAS = ("raw", "staging", "marts", "analytics")


def install(template: Path, dst: Path, warehouse: str, **answers) -> Path:
    answers = {**BASE_ANSWERS, "warehouse": warehouse, "etl_tools": FULL, **answers}
    copy(template, dst, answers)
    run(["uv", "sync", "--quiet"], dst, timeout=900)
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
    run(["uv", "run", "dg", "check", "defs"], pg_project)
    listed = {
        line.split("=", 1)[0]
        for line in (pg_project / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert set(postgres_variables(postgres)) <= listed


def test_prod_with_a_variable_unset_stops_before_writing(pg_project, postgres):
    env = {**postgres_variables(postgres), "ACME_DATA_ENV": "prod"}
    env["ACME_DATA_POSTGRES_PASSWORD"] = None
    launched = run(LAUNCH, pg_project, env=env, check=False)
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
    env = {**postgres_variables(postgres), "ACME_DATA_ENV": "prod"}
    run(LAUNCH, pg_project, env=env, timeout=900)
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
    tested = run(
        ["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "-m", "integration"],
        pg_project, env=postgres_variables(postgres), timeout=900,
    )  # fmt: skip
    assert "3 passed" in tested.stdout.strip().splitlines()[-1], tested.stdout


PLAIN_LOADS = '''"""The plain Python loader (raw_csv_asset, RawCsvTable's) of `raw.landed`,
run in-process on each landed file (base64 of its bytes) of the JSON on stdin: each run's
success, failures and the table's rows after it, as JSON on stdout."""

import base64
import json
import sys

import dagster as dg

from acme_data import settings
from acme_data.components.raw_csv_table import raw_csv_asset
from acme_data.warehouse import build_warehouse

columns, key, files = json.load(sys.stdin)
asset = raw_csv_asset("landed", columns, key)
outcomes = []
for content in files:
    (settings.LANDING_DIR / "landed.csv").write_bytes(base64.b64decode(content))
    result = dg.materialize(
        [asset], resources={"warehouse": build_warehouse()}, raise_on_error=False
    )
    failures = [e.step_failure_data.error.message for e in result.get_step_failure_events()]
    with dg.build_resources({"warehouse": build_warehouse()}) as resources:
        with resources.warehouse.get_connection() as conn:
            cursor = conn.cursor()
            cursor.execute(f"SELECT * FROM raw.landed ORDER BY {key}")
            rows = [list(row) for row in cursor.fetchall()]
    outcomes.append({"success": result.success, "failures": failures, "rows": rows})
print(json.dumps(outcomes))
'''
LANDED_CONTRACT = ("customer_id integer, name text, country text, signup_date date", "customer_id")
# As spreadsheets write them: a byte-order mark, CRLF, quoted commas, quotes and a line break,
# empty values (quoted or not), spaces kept, a blank line at the end.
REAL_WORLD = (
    "\ufeffcustomer_id,name,country,signup_date\r\n"
    '1,"Lovelace, Ada ""the first""\nline two",DE,2024-11-01\r\n'
    '2,,"",2024-11-02\r\n'
    "3, Alan Turing ,US,2024-11-03\r\n"
    "\r\n"
).encode()
REAL_WORLD_ROWS = [
    ["1", 'Lovelace, Ada "the first"\nline two', "DE", "2024-11-01"],
    ["2", None, None, "2024-11-02"],
    ["3", " Alan Turing ", "US", "2024-11-03"],
]
HEADER = "customer_id,name,country,signup_date\n"
BAD_FILES = {
    "line 3, column signup_date: '2024-02-30' is not of type date":
        HEADER + "1,Ada,DE,2024-11-01\n2,Grace,FR,2024-02-30\n",
    "line 2: the file is not UTF-8": (HEADER + "1,Andr\u00e9,FR,2024-11-01\n").encode("latin-1"),
    "line 3, column customer_id: the key '1' is repeated":
        HEADER + "1,Ada,DE,2024-11-01\n1,Grace,FR,2024-11-02\n",
    "line 1: no column country": "customer_id,name,signup_date\n1,Ada,2024-11-01\n",
}  # fmt: skip


def test_plain_loader_copies_real_world_files_into_postgres_and_refuses_bad_ones(
    pg_project, postgres, tmp_path
):
    """The plain Python loader on prod PostgreSQL (COPY of the CSV file DuckDB writes): a file as
    spreadsheets write it loads with its values as written, NULL where empty; a bad file fails
    naming the file, line, column and value, and the table keeps its rows."""
    files = [REAL_WORLD] + [b if isinstance(b, bytes) else b.encode() for b in BAD_FILES.values()]
    env = {
        **postgres_variables(postgres), "ACME_DATA_ENV": "prod",
        "ACME_DATA_LANDING_DIR": str(tmp_path),
    }  # fmt: skip
    payload = [*LANDED_CONTRACT, [base64.b64encode(f).decode() for f in files]]
    ran = run(
        ["uv", "run", "python", "-c", PLAIN_LOADS], pg_project, env=env, input=json.dumps(payload)
    )
    good, *bad = json.loads(ran.stdout.splitlines()[-1])
    assert good["success"], good["failures"]
    assert good["rows"] == REAL_WORLD_ROWS
    for said, outcome in zip(BAD_FILES, bad, strict=True):
        assert not outcome["success"], said
        [message] = outcome["failures"]
        assert f"{tmp_path / 'landed.csv'}, {said}" in message, message
        assert message.rstrip().endswith("The tables are unchanged: fix the file."), message
        assert outcome["rows"] == REAL_WORLD_ROWS, said


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
    env = {**postgres_variables(pg), "ACME_DATA_ENV": "prod"}
    for _ in range(2):
        run(LAUNCH, components_project, env=env, timeout=900)
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
    env = {**dict.fromkeys(names, "placeholder"), "ACME_DATA_ENV": "prod"}
    for environment in ({}, env):
        run(["uv", "run", "dg", "check", "defs"], cloud_project["dir"], env=environment)
    # The dbt project parsed with the prod target, through the warehouse's adapter.
    manifest = cloud_project["dir"] / "dbt" / "target" / "prod" / "manifest.json"
    metadata = json.loads(manifest.read_text())["metadata"]
    assert metadata["adapter_type"] == cloud_project["warehouse"]


def test_integration_tests_skip_without_credentials(cloud_project):
    names = PLACEHOLDERS[cloud_project["warehouse"]]
    tested = run(
        ["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
         "tests/test_environments.py", "tests/test_integration.py"],
        cloud_project["dir"],
    )  # fmt: skip
    skipped = [line for line in tested.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 3, tested.stdout
    for line in skipped:
        assert f"prod variables not set: {', '.join(names)} (see .env.example)" in line, line
