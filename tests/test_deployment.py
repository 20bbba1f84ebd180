"""Derived values of the ci_provider and deployment answers (copier_dagster.deployment)."""

from __future__ import annotations

import re

import pytest

from copier_dagster import context, deployment


def derived(**answers) -> dict:
    return context.derive({"package_name": "acme_data", **answers})


def names(dependencies: list[dict]) -> set[str]:
    return {d["requirement"].split("==")[0] for d in dependencies}


@pytest.mark.parametrize(
    ("choice", "added"),
    [
        ("none", set()),
        ("docker-compose", {"dagster-postgres", "dagster-webserver"}),
        ("kubernetes", {"dagster-k8s", "dagster-postgres"}),
        ("dagster-plus", {"dagster-cloud"}),
    ],
)
def test_deployment_adds_only_what_it_needs(choice, added):
    values = derived(deployment=choice)
    base = set(context.BASE_DEPENDENCIES)
    assert names(values["dependencies"]) == base | added
    # A package is in the dependencies or in dev, never both.
    assert not names(values["dependencies"]) & names(values["dev_dependencies"])
    assert names(values["dev_dependencies"]) == set(context.DEV_DEPENDENCIES) - added
    assert values["has_image"] is (choice != "none")
    pins = context.pins()
    for dep in values["dependencies"]:
        name, version = dep["requirement"].split("==")
        assert version == pins["packages"][name]


def test_unanswered_or_invalid_answers_fall_back_to_defaults():
    assert derived(ci_provider="jenkins", deployment="swarm")["has_ci"] is True
    assert derived(deployment="swarm")["dependencies"] == derived()["dependencies"]
    assert derived()["has_image"] is False


def test_names_follow_the_package():
    values = derived()
    assert values["project_slug"] == "acme-data"
    assert values["code_module"] == "acme_data.definitions"
    assert values["k8s_secret"] == "acme-data-env"


def test_actions_are_pinned_by_full_sha_with_their_tag():
    for line in derived()["actions"].values():
        assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line


def test_chart_and_packages_follow_dagster():
    pins = context.pins()
    dagster = pins["packages"]["dagster"]
    assert pins["deployment"]["tools"]["helm-chart"] == dagster
    assert pins["packages"]["dagster-cloud"] == dagster
    libs = pins["packages"]["dagster-duckdb"]
    assert pins["packages"]["dagster-postgres"] == libs
    assert pins["packages"]["dagster-k8s"] == libs
    assert deployment.DEPLOYMENTS[0] == "none" and deployment.CI_PROVIDERS[0] == "github"
