"""The docker-compose deployment's Dagster instance, for real and without Docker.

A throwaway PostgreSQL server (Debian's postgresql binaries) stands in for the `postgres`
service; the rendered project's own `dagster code-server start` (the image's command), then
`dagster-daemon run` and `dagster-webserver`, run with the rendered deploy/compose/dagster.yaml as
their instance and the rendered workspace.yaml. A backfill launched through the webserver's GraphQL
API goes through the daemon's queue to the code server, succeeds, and its events are in Postgres.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import postgres_server as pg_server
from dagster_ui import DagsterUI, background, free_port
from helpers import ALL_ASSETS, BASE_ANSWERS, CLEAN_ENV, copier_cli, data_args
from postgres_server import psql

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict]:
    if not pg_server.available():
        pytest.skip(pg_server.MISSING)
    with pg_server.server() as pg:
        yield pg


def wait_for_grpc(dagster: Path, port: int, env: dict, server: subprocess.Popen, log: Path):
    deadline = time.monotonic() + 180
    while True:
        health = subprocess.run(
            [str(dagster), "api", "grpc-health-check", "--port", str(port)],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        if health.returncode == 0:
            return
        assert server.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(2)


def test_compose_instance_runs_a_backfill_into_postgres(template, postgres, tmp_path):
    project = tmp_path / "acme"
    copied = copier_cli(
        "copy", "--trust", "--defaults", "--vcs-ref", "HEAD",
        *data_args({**BASE_ANSWERS, "deployment": "docker-compose"}), str(template), str(project),
    )  # fmt: skip
    assert copied.returncode == 0, copied.stderr
    synced = subprocess.run(
        ["uv", "sync", "--quiet"], cwd=project, env=CLEAN_ENV, capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    assert synced.returncode == 0, synced.stderr[-3000:]
    venv = project / ".venv" / "bin"

    # DAGSTER_HOME holds the compose deployment's dagster.yaml, as compose.yaml mounts it.
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(project / "deploy/compose/dagster.yaml", home / "dagster.yaml")

    # The env file's variables (deploy/compose/.env from .env.example, with a password) plus
    # compose.yaml's environment, pointed at the throwaway server instead of the service.
    env_file = dict(
        line.split("=", 1)
        for line in (project / "deploy/compose/.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert set(env_file) == {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}
    env_file["POSTGRES_PASSWORD"] = postgres["password"]
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    compose_env = compose["services"]["code-server"]["environment"]
    assert compose_env == {"DAGSTER_POSTGRES_HOST": "postgres", "DAGSTER_POSTGRES_PORT": "5432"}
    env = {
        **CLEAN_ENV,
        **env_file,
        "DAGSTER_HOME": str(home),
        "DAGSTER_POSTGRES_HOST": "127.0.0.1",
        "DAGSTER_POSTGRES_PORT": str(postgres["port"]),
        "ACME_DATA_DUCKDB_DATABASE": str(tmp_path / "warehouse.duckdb"),
    }
    assert env["POSTGRES_USER"] == postgres["user"] and env["POSTGRES_DB"] == postgres["db"]

    # The workspace as rendered, with the code-server service's address replaced by loopback.
    workspace = yaml.safe_load((project / "deploy/compose/workspace.yaml").read_text())
    grpc_port = free_port()
    server = workspace["load_from"][0]["grpc_server"]
    assert server["host"] == "code-server" and server["location_name"] == "acme_data"
    server.update(host="127.0.0.1", port=grpc_port)
    ws = tmp_path / "workspace.yaml"
    ws.write_text(yaml.safe_dump(workspace))

    # The image's command (the code-server service), on loopback.
    code_server = [
        str(venv / "dagster"), "code-server", "start", "--host", "127.0.0.1",
        "--port", str(grpc_port), "--module-name", "acme_data.definitions",
    ]  # fmt: skip
    web_port = free_port()
    logs = {name: tmp_path / f"{name}.log" for name in ("code", "daemon", "web")}
    with (
        background(code_server, project, env, logs["code"]) as code,
        contextlib.ExitStack() as stack,
    ):
        wait_for_grpc(venv / "dagster", grpc_port, env, code, logs["code"])
        stack.enter_context(
            background(
                [str(venv / "dagster-daemon"), "run", "--workspace", str(ws)],
                project, env, logs["daemon"],
            )
        )  # fmt: skip
        web = stack.enter_context(
            background(
                [str(venv / "dagster-webserver"), "--host", "127.0.0.1", "--port", str(web_port),
                 "--workspace", str(ws)],
                project, env, logs["web"],
            )
        )  # fmt: skip
        ui = DagsterUI(web_port)
        ui.wait_until_up(web, timeout=180)
        backfill = ui.backfill(ALL_ASSETS, ["2025-01-01"])
        status, runs = ui.wait_for_backfill(backfill, timeout=600)
        diagnostics = "\n".join(f"{n}: {p.read_text()[-2000:]}" for n, p in logs.items())
        assert status == "COMPLETED_SUCCESS", diagnostics
        assert runs and all(r["status"] == "SUCCESS" for r in runs), diagnostics

    # The runs and their events are in Postgres.
    run_ids = [r["runId"] for r in runs]
    stored = psql(postgres, "SELECT run_id, status FROM runs")
    assert {(r, "SUCCESS") for r in run_ids} <= {tuple(row) for row in stored}
    ids = ", ".join(f"'{r}'" for r in run_ids)
    materialized = psql(
        postgres,
        "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'"
        f" AND run_id IN ({ids})",
    )
    assert int(materialized[0][0]) == len(ALL_ASSETS)
    assert psql(postgres, "SELECT count(*) FROM bulk_actions")[0][0] == "1"
