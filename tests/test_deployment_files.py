"""Deployment files, checked without Docker or a cluster: the Helm values against the official
chart's values schema, the Dockerfile with hadolint and by replaying it (tests/image.py), then
running the image as the Helm values run it; the compose stack's wiring. The compose instance
itself runs for real in test_compose_e2e.py."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import yaml

from copier_dagster import context

import image
from dagster_ui import background, free_port
from helpers import CLEAN_ENV, REPO, render, run

HELM_SCHEMA = REPO / "tests" / "data" / "dagster-helm" / "values.schema.json"
BIN = Path(sys.executable).parent


# --- Helm ---------------------------------------------------------------------------------


def helm_validator() -> jsonschema.protocols.Validator:
    """Draft-7 validation of a values file on its own.

    Helm validates the chart's defaults merged with the user's values, so `required` is left
    to that merge; and the schema's references to kubernetesjsonschema.dev (Kubernetes object
    shapes) are not fetched: they accept anything here.
    """
    schema = drop_remote_refs(yaml.safe_load(HELM_SCHEMA.read_text()))
    no_required = jsonschema.validators.extend(
        jsonschema.Draft7Validator, {"required": lambda *args: iter(())}
    )
    return no_required(schema)


def drop_remote_refs(node):
    if isinstance(node, dict):
        return {
            k: drop_remote_refs(v)
            for k, v in node.items()
            if not (k == "$ref" and str(v).startswith("http"))
        }
    if isinstance(node, list):
        return [drop_remote_refs(v) for v in node]
    return node


def schema_node(schema: dict, node: dict) -> dict:
    """Follow local $refs and nullable anyOfs to the object schema that describes a mapping."""
    while True:
        ref = node.get("$ref", "")
        if ref.startswith("#/definitions/"):
            node = schema["definitions"][ref.split("/")[-1]]
        elif "anyOf" in node:
            node = next(n for n in node["anyOf"] if n.get("type") != "null")
        else:
            return node


def unknown_keys(schema: dict, node: dict, values, path: str = "") -> list[str]:
    """Keys set in `values` that the schema does not define (typos the chart would ignore)."""
    node = schema_node(schema, node)
    if isinstance(values, list):
        items = node.get("items", {})
        return [k for i, v in enumerate(values) for k in unknown_keys(schema, items, v, path)]
    if not isinstance(values, dict) or not node.get("properties"):
        return []
    found = []
    for key, value in values.items():
        if key not in node["properties"]:
            found.append(f"{path}{key}")
        else:
            found += unknown_keys(schema, node["properties"][key], value, f"{path}{key}.")
    return found


def test_helm_values_match_the_chart_schema(copie, template):
    project = render(copie, template, deployment="kubernetes").project_dir
    values = yaml.safe_load((project / "deploy/helm/values.yaml").read_text())
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in helm_validator().iter_errors(values)
    ]
    assert not errors, errors
    schema = yaml.safe_load(HELM_SCHEMA.read_text())
    assert unknown_keys(schema, schema, values) == []

    # The run launcher, the user deployment and its secret.
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert "k8sRunLauncher" in values["runLauncher"]["config"]
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert deployment["codeServerArgs"] == ["--module-name", "acme_data.definitions"]
    assert deployment["envSecrets"] == [{"name": "acme-data-env"}]
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}
    assert values["postgresql"]["enabled"] is False
    assert "postgresqlPassword" not in values["postgresql"]
    readme = (project / "README.md").read_text()
    for secret in ("dagster-postgresql-secret", "acme-data-env", "acme-data-warehouse"):
        assert secret in readme
    chart = context.pins()["deployment"]["tools"]["helm-chart"]
    assert f"--version {chart}" in readme
    assert chart == context.pins()["packages"]["dagster"], "the chart follows Dagster's version"


def test_helm_check_catches_mistakes():
    """The two checks above do refuse a wrong type and an unknown key."""
    schema = yaml.safe_load(HELM_SCHEMA.read_text())
    bad = {"runLauncher": {"type": "K8sLauncher"}, "dagsterDaemon": {"heartbeatTolerance": "x"}}
    assert len(list(helm_validator().iter_errors(bad))) == 2
    typo = {"dagster-user-deployments": {"deployments": [{"name": "x", "envSecret": []}]}}
    assert unknown_keys(schema, schema, typo) == ["dagster-user-deployments.deployments.envSecret"]


# --- Dockerfile -------------------------------------------------------------------------------

IMAGE_DEPLOYMENTS = ["docker-compose", "kubernetes", "dagster-plus"]


@pytest.mark.parametrize("deployment", IMAGE_DEPLOYMENTS)
def test_dockerfile_passes_hadolint(copie, template, deployment):
    project = render(copie, template, deployment=deployment).project_dir
    run([BIN / "hadolint", "--no-color", "Dockerfile"], project)
    dockerfile = (project / "Dockerfile").read_text()
    assert re.search(r"^USER \d+:\d+$", dockerfile, re.M), "non-root, numeric (Kubernetes)"
    assert dockerfile.count("FROM ") == 3  # uv binary, build stage, final stage
    ignored = (project / ".dockerignore").read_text().split()
    # Docker matches `.env` at the root only: secrets anywhere need `**/` (env files, dlt's).
    secrets = {".env", "**/.env", "**/.env.*", "!**/.env.example", "**/.dlt/secrets.toml"}
    assert {".venv/", ".git/", *secrets} <= set(ignored)


# The chart's `dagsterHome`: the DAGSTER_HOME of its pods, where the instance ConfigMap is mounted.
CHART_DAGSTER_HOME = "/opt/dagster/dagster_home"
# A run's Job as dagster-k8s builds it from the run launcher's run_k8s_config (argv[1]): its pod's
# fsGroup and its container's runAsNonRoot and allowPrivilegeEscalation.
RUN_POD = """
import json, sys
from dagster_k8s import job as k8s
run = json.loads(sys.argv[1])
config = k8s.UserDefinedDagsterK8sConfig.from_dict(
    {"container_config": run["containerConfig"], "pod_spec_config": run["podSpecConfig"]}
)
job_config = k8s.DagsterK8sJobConfig(job_image="image", dagster_home="/h", instance_config_map="i")
pod = k8s.construct_dagster_k8s_job(job_config, [], "run", user_defined_k8s_config=config)
pod = pod.spec.template
container = pod.spec.containers[0].security_context
print(json.dumps([pod.spec.security_context.fs_group, container.run_as_non_root,
                  container.allow_privilege_escalation]))
"""


@pytest.mark.e2e
def test_image_runs_as_its_user_with_the_helm_values(copie, template, tmp_path):
    """The image (its Dockerfile replayed, tests/image.py) as the Helm values run it: as its
    non-root user, with the values' security context and volumes; its CMD serves the code
    location and a run of the pipeline in prod succeeds, writing only where that user may."""
    project = render(copie, template, deployment="kubernetes").project_dir
    with image.built(project, CLEAN_ENV) as built:
        assert built.built[:2] == ["uv sync --no-dev --no-install-project", "uv sync --no-dev"]
        # The default tools include dbt: its manifest is parsed into the image, not at start-up.
        (parse,) = built.built[2:]
        assert parse.startswith('.venv/bin/python -c "from acme_data.definitions import defs;')
        assert (built.path(built.workdir) / "dbt" / "target" / "manifest.json").is_file()
        run_as_the_helm_values_say(project, built, tmp_path / "code-server.log")


def run_as_the_helm_values_say(project: Path, built: image.Image, log: Path):
    values = yaml.safe_load((project / "deploy/helm/values.yaml").read_text())
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    pod, container = deployment["podSecurityContext"], deployment["securityContext"]
    assert container["runAsNonRoot"] and container["allowPrivilegeEscalation"] is False
    assert pod.get("runAsUser", built.uid) == built.uid != 0
    # The chart gives run pods the deployment's env, secrets and volumes, not its security
    # context: the run launcher's run_k8s_config does, as dagster-k8s builds a run's Job from it.
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    assert "runK8sConfig" in launcher, "run pods would run without the security context"
    run_config = launcher["runK8sConfig"]
    job = run([built.path("/app/.venv/bin/python"), "-c", RUN_POD, json.dumps(run_config)])
    assert json.loads(job.stdout) == [pod["fsGroup"], True, False]
    groups = [pod["fsGroup"]]

    # The volumes: a new PersistentVolumeClaim's root is root's; fsGroup gives it to the group.
    claims = {v["name"] for v in deployment["volumes"] if "persistentVolumeClaim" in v}
    mounted = []
    for mount in deployment["volumeMounts"]:
        assert mount["name"] in claims, mount
        path = built.path(mount["mountPath"])
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, 0, pod["fsGroup"])
        path.chmod(0o2775)
        mounted.append(mount["mountPath"])
    # DAGSTER_HOME holds the chart's instance ConfigMap only (read-only): Postgres storage, no
    # compute logs (the chart's default), no telemetry (the values). Here SQLite in a folder
    # outside the image stands in for Postgres.
    home = built.path(CHART_DAGSTER_HOME)
    home.mkdir(parents=True)
    storage = built.path("/var/lib/instance")
    storage.mkdir(parents=True)
    os.chown(storage, built.uid, built.gid)
    assert values["telemetry"] == {"enabled": False}
    (home / "dagster.yaml").write_text(
        yaml.safe_dump({
            "storage": {"sqlite": {"base_dir": str(storage)}},
            "compute_logs": {"module": "dagster.core.storage.noop_compute_log_manager",
                             "class": "NoOpComputeLogManager"},
            "telemetry": {"enabled": False},
        })
    )  # fmt: skip
    # The project's Secret: prod, on a DuckDB file on the warehouse volume.
    prod_database = f"{mounted[0]}/prod.duckdb"
    env = {
        **built.env,
        "DAGSTER_HOME": str(home),
        "ACME_DATA_ENV": "prod",
        "ACME_DATA_DUCKDB_PROD_DATABASE": built.mapped(prod_database),
    }
    app = built.path(built.workdir)
    before = built.listing()

    # The environment has the project and its runtime dependencies, not its dev tools (checked
    # in the image's own environment, `local`: prod's dbt parse is the code server's, below).
    probe = "import acme_data.definitions, dagster_k8s, dagster_postgres, importlib.util as u;"
    probe += "print(u.find_spec('pytest') is None, u.find_spec('dagster_dg_cli') is None)"
    checked = run(built.as_user(["python", "-c", probe], groups), app, base=built.env, check=False)
    assert checked.stdout.split() == ["True", "True"], checked.stderr[-3000:]

    # The user deployment: the image's CMD (the chart's codeServerArgs are the same), healthy.
    cmd = list(built.cmd)
    assert cmd[cmd.index("--module-name") :] == deployment["codeServerArgs"]
    port = free_port()
    cmd[cmd.index("--port") + 1] = str(port)
    cmd[cmd.index("--host") + 1] = "127.0.0.1"
    with background(built.as_user(cmd, groups), app, env, log) as server:
        deadline = time.monotonic() + 120
        while True:
            health = run(
                built.as_user(["dagster", "api", "grpc-health-check", "--port", str(port)]),
                base=env, check=False,
            )  # fmt: skip
            if health.returncode == 0:
                break
            assert server.poll() is None, f"the code server exited: {log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, health.stdout + health.stderr
            time.sleep(2)

    # A run pod: the whole pipeline, one partition, in prod.
    run(
        built.as_user(
            ["dagster", "asset", "materialize", "--select", "*", "--partition", "2025-01-01",
             "-m", "acme_data.definitions"],
            groups,
        ),
        app, base=env,
    )  # fmt: skip
    assert built.path(prod_database).is_file()
    writable = [*built.owned, *mounted, "/tmp", "/var/lib/instance"]
    assert built.changed_outside(before, writable) == []


# --- docker compose ---------------------------------------------------------------------------


def test_compose_wiring(copie, template):
    project = render(copie, template, deployment="docker-compose").project_dir
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "code-server", "webserver", "daemon"}

    # Postgres stays on the compose network; only the webserver is published, on loopback.
    assert "ports" not in services["postgres"]
    assert "ports" not in services["code-server"] and "ports" not in services["daemon"]
    assert services["webserver"]["ports"] == ["127.0.0.1:3000:3000"]

    # Secrets come from the env file only; nothing secret is inline.
    for name, service in services.items():
        assert service["env_file"] == "deploy/compose/.env", name
        for key in service.get("environment", {}):
            assert "PASSWORD" not in key and "SECRET" not in key, (name, key)
    example = (project / "deploy/compose/.env.example").read_text()
    assert re.search(r"^POSTGRES_PASSWORD=$", example, re.M)
    ignored = run(["git", "check-ignore", "deploy/compose/.env"], project, check=False)
    assert ignored.returncode == 0, "deploy/compose/.env must be git-ignored"

    # The webserver and daemon find the code server where it listens; all share the instance.
    workspace = yaml.safe_load((project / "deploy/compose/workspace.yaml").read_text())
    (location,) = workspace["load_from"]
    assert location["grpc_server"]["host"] == "code-server"
    dockerfile = (project / "Dockerfile").read_text()
    assert f'"--port", "{location["grpc_server"]["port"]}"' in dockerfile
    for name in ("code-server", "webserver", "daemon"):
        mounts = services[name]["volumes"]
        assert "./deploy/compose/dagster.yaml:/opt/dagster/home/dagster.yaml:ro" in mounts
    assert "DAGSTER_HOME=/opt/dagster/home" in dockerfile
    instance = yaml.safe_load((project / "deploy/compose/dagster.yaml").read_text())
    assert set(instance["storage"]["postgres"]["postgres_db"]) == {
        "hostname", "port", "username", "password", "db_name", "scheme",
    }  # fmt: skip
    # The project's root dagster.yaml is still the local dev instance.
    assert (project / "dagster.yaml").read_text() == (REPO / "template/dagster.yaml").read_text()
