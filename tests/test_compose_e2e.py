"""The docker-compose deployment's Dagster instance, for real and without Docker.

A throwaway PostgreSQL server (Debian's postgresql binaries) stands in for the `postgres`
service. The project's image is its Dockerfile replayed into a root-owned folder (tests/image.py),
with compose.yaml's volumes; in it, as the image's non-root user, with the image's ENV, the
services' environment and env file: the image's command (`dagster code-server start`), then
`dagster-daemon run` and `dagster-webserver` with the rendered deploy/compose/dagster.yaml as their
instance and the rendered workspace.yaml. A backfill launched through the webserver's GraphQL API
goes through the daemon's queue to the code server, succeeds with dlt, dbt and DuckDB writing only
to the folders the image's user owns, and its events are in Postgres.
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

import image
import postgres_server as pg_server
from dagster_ui import DagsterUI, background, free_port
from helpers import ALL_ASSETS, BASE_ANSWERS, CLEAN_ENV, copy, run
from postgres_server import psql

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict]:
    if not pg_server.available():
        pytest.skip(pg_server.MISSING)
    with pg_server.server() as pg:
        yield pg


def wait_for_grpc(dagster: list[str], port: int, env: dict, server: subprocess.Popen, log: Path):
    deadline = time.monotonic() + 180
    while True:
        health = run([*dagster, "api", "grpc-health-check", "--port", port], base=env, check=False)
        if health.returncode == 0:
            return
        assert server.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(2)


def test_compose_instance_runs_a_backfill_into_postgres(template, postgres, tmp_path):
    project = tmp_path / "acme"
    copy(template, project, {**BASE_ANSWERS, "deployment": "docker-compose"})
    with image.built(project, CLEAN_ENV) as built:
        run_compose_stack(project, built, postgres, tmp_path)


def run_compose_stack(project: Path, built: image.Image, postgres: dict, tmp_path: Path):
    """The three Dagster services of compose.yaml: the image's filesystem with the services'
    volumes, its user, its ENV plus the services' environment and env file."""
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    services = {name: compose["services"][name] for name in ("code-server", "daemon", "webserver")}
    for name, service in services.items():
        assert service["build"] == "." and "user" not in service, name  # the image's USER
        for volume in service["volumes"]:
            source, target, *mode = volume.split(":")
            if source.startswith("./"):  # a file of the project, read-only
                assert mode == ["ro"], volume
                if not built.path(target).exists():
                    built.path(target).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(project / source, built.path(target))
            elif not built.path(target).exists():
                # A new named volume on a path the image lacks: Docker creates it, root's.
                built.path(target).mkdir(parents=True)

    # The env file's variables (deploy/compose/.env from .env.example, with a password) plus
    # compose.yaml's environment, pointed at the throwaway server instead of the service.
    env_file = dict(
        line.split("=", 1)
        for line in (project / "deploy/compose/.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert set(env_file) == {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}
    env_file["POSTGRES_PASSWORD"] = postgres["password"]
    compose_env = services["code-server"]["environment"]
    assert compose_env == {"DAGSTER_POSTGRES_HOST": "postgres", "DAGSTER_POSTGRES_PORT": "5432"}
    env = {
        **built.env,
        **env_file,
        "DAGSTER_POSTGRES_HOST": "127.0.0.1",
        "DAGSTER_POSTGRES_PORT": str(postgres["port"]),
    }
    assert env["POSTGRES_USER"] == postgres["user"] and env["POSTGRES_DB"] == postgres["db"]
    assert Path(env["DAGSTER_HOME"]) == built.path("/opt/dagster/home")

    # The workspace as mounted, with the code-server service's address replaced by loopback.
    ws = built.path(services["daemon"]["command"][-1])
    workspace = yaml.safe_load(ws.read_text())
    grpc_port = free_port()
    server = workspace["load_from"][0]["grpc_server"]
    assert server["host"] == "code-server" and server["location_name"] == "acme_data"
    server.update(host="127.0.0.1", port=grpc_port)
    ws.write_text(yaml.safe_dump(workspace))

    def command(name: str) -> list[str]:
        """The service's command (the image's CMD for the code server), on loopback."""
        cmd = list(services[name].get("command", built.cmd))
        for option, value in (("--host", "127.0.0.1"), ("--workspace", str(ws))):
            if option in cmd:
                cmd[cmd.index(option) + 1] = value
        return built.as_user(cmd)

    code_server = command("code-server")
    code_server[code_server.index("--port") + 1] = str(grpc_port)
    web_port = free_port()
    webserver = command("webserver")
    webserver[webserver.index("--port") + 1] = str(web_port)
    app = built.path(built.workdir)
    logs = {name: tmp_path / f"{name}.log" for name in ("code", "daemon", "web")}
    before = built.listing()
    with (
        background(code_server, app, env, logs["code"]) as code,
        contextlib.ExitStack() as stack,
    ):
        wait_for_grpc(built.as_user(["dagster"]), grpc_port, env, code, logs["code"])
        stack.enter_context(background(command("daemon"), app, env, logs["daemon"]))
        web = stack.enter_context(background(webserver, app, env, logs["web"]))
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

    # The image's user wrote only where the image lets it: the warehouse and the compute logs
    # are on their volumes; nothing else of the image changed.
    assert built.path("/app/warehouse/warehouse.duckdb").is_file()
    logs_written = list(built.path("/opt/dagster/home/storage").rglob("*.err"))
    assert logs_written and all(p.stat().st_uid == built.uid for p in logs_written)
    assert built.changed_outside(before, [*built.owned, "/tmp"]) == []
