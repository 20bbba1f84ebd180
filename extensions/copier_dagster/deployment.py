"""Values derived from the ``ci_provider`` and ``deployment`` answers.

``context.derive`` merges them in, so templates read them like every other derived value. Pins
come from the ``[deployment]`` tables of versions.toml.
"""

from __future__ import annotations

from typing import Any

from .choices import CI_PROVIDERS, DEPLOYMENTS

# What each deployment adds to the project's dependencies, and why:
# - docker-compose: Dagster's storage in PostgreSQL (dagster-postgres); the webserver and the
#   daemon run from the project's image, so dagster-webserver moves from dev to the dependencies.
# - kubernetes: run workers load the chart's instance config, which names the Postgres storage
#   and the K8sRunLauncher, so the project's image needs dagster-postgres and dagster-k8s.
# - dagster-plus: the Dagster+ agent and build tooling (dagster-cloud).
DEPLOYMENT_PACKAGES: dict[str, tuple[str, ...]] = {
    "none": (),
    "docker-compose": ("dagster-postgres", "dagster-webserver"),
    "kubernetes": ("dagster-k8s", "dagster-postgres"),
    "dagster-plus": ("dagster-cloud",),
}

# Port of the project's gRPC code server (the Helm chart's default for user deployments too).
CODE_SERVER_PORT = 4000


def packages(answers: dict[str, Any]) -> tuple[str, ...]:
    """The packages the chosen deployment adds to the project's dependencies."""
    deployment = answers.get("deployment")
    return DEPLOYMENT_PACKAGES[deployment if deployment in DEPLOYMENTS else "none"]


def derive(answers: dict[str, Any], pins: dict[str, Any]) -> dict[str, Any]:
    """Derived values of the CI and deployment answers."""
    ci = answers.get("ci_provider") if answers.get("ci_provider") in CI_PROVIDERS else "github"
    deployment = answers.get("deployment")
    if deployment not in DEPLOYMENTS:
        deployment = "none"
    table = pins["deployment"]
    package = answers.get("package_name") or "project"
    slug = package.replace("_", "-")
    return {
        "has_ci": ci != "none",
        "has_image": deployment != "none",
        "build_tools": table["tools"],
        "images": table["images"],
        "actions": {
            name: f"{a['uses']}@{a['sha']} # {a['tag']}" for name, a in table["actions"].items()
        },
        "project_slug": slug,
        "code_location": package,
        "code_module": f"{package}.definitions",
        "code_server_port": CODE_SERVER_PORT,
        "k8s_secret": f"{slug}-env",
    }
