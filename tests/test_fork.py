"""Forks: an organization sets its defaults in organization.toml and nothing else, renders with
them, and merges later upstream commits without a conflict. Real git, the real Copier CLI."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from copier_dagster import organization, quoting, validators

import releases
from helpers import REPO, commit_all, copier_cli, copy, git, run, snapshot_template

ORGANIZATION = """\
# Acme Corp's defaults.

[defaults]
author_name = "Acme Data Platform"
author_email = "data-platform@acme.example"
owners = ["team:acme-data", "platform@acme.example"]
integration_style = "components"
automation_style = "schedules"
warehouse = "postgres"
partitioning = "weekly"
timezone = "Europe/Paris"

[naming]
package_prefix = "acme_"
"""


def upstream_moves_on(upstream: Path) -> None:
    """A later upstream commit: a new organization setting and the question that reads it,
    a README change, a rendered file change, a version bump."""
    module = upstream / "extensions" / "copier_dagster" / "organization.py"
    text = module.read_text()
    assert '        "timezone": "UTC",\n' in text
    module.write_text(
        text.replace(
            '        "timezone": "UTC",\n', '        "timezone": "UTC",\n        "ci": "none",\n'
        )
    )
    with (upstream / "copier.yml").open("a") as f:
        f.write('\nci:\n  type: str\n  help: CI provider\n  default: "{{ org.ci }}"\n')
    readme = upstream / "README.md"
    readme.write_text(readme.read_text().replace("# copier-dagster", "# copier-dagster (new)", 1))
    rendered = upstream / "template" / "README.md.jinja"
    rendered.write_text(rendered.read_text() + "\nMore help from upstream.\n")
    versions = upstream / "extensions" / "copier_dagster" / "versions.toml"
    versions.write_text(versions.read_text().replace('ruff = "', '# bumped upstream\nruff = "'))
    commit_all(upstream, "upstream: a CI setting and question, README, versions")


def test_fork_sets_its_defaults_in_one_file_and_merges_upstream(tmp_path):
    upstream = snapshot_template(tmp_path / "upstream")
    fork = tmp_path / "fork"
    git("clone", "-q", str(upstream), str(fork), cwd=tmp_path)
    (fork / "organization.toml").write_text(ORGANIZATION)
    commit_all(fork, "Acme's defaults")
    assert git("diff", "--name-only", "HEAD~1", cwd=fork) == "organization.toml"

    project = copy(fork, tmp_path / "sales", {"project_name": "Sales Data"})
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    expected = tomllib.loads(ORGANIZATION)["defaults"]
    for key, value in expected.items():
        assert answers[key] == value, key
    assert answers["package_name"] == "acme_sales_data"
    assert (project / "src" / "acme_sales_data" / "defs" / "schedules.py").is_file()
    assert (project / "src/acme_sales_data/defs/transform/dbt_models/defs.yaml").is_file()
    assert "platform@acme.example" in (project / "src/acme_sales_data/settings.py").read_text()
    assert "PostgresResource" in (project / "src/acme_sales_data/warehouse.py").read_text()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["authors"] == [
        {"name": "Acme Data Platform", "email": "data-platform@acme.example"}
    ]

    # The naming rule holds for answers given explicitly too.
    refused = copier_cli(
        "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", "-d", "project_name=Sales",
        "-d", "package_name=sales", str(fork), str(tmp_path / "refused"),
    )  # fmt: skip
    assert refused.returncode != 0
    assert "package_name': must start with acme_" in refused.stderr
    assert not (tmp_path / "refused").exists()

    # Upstream moves on; the fork pulls it without a conflict and keeps its file.
    upstream_moves_on(upstream)
    pulled = git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main", cwd=fork)
    assert "CONFLICT" not in pulled
    assert git("status", "--porcelain", cwd=fork) == ""
    assert (fork / "organization.toml").read_text() == ORGANIZATION
    assert "# copier-dagster (new)" in (fork / "README.md").read_text()

    project = copy(fork, tmp_path / "sales-2", {"project_name": "Sales Data"})
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["ci"] == "none"  # upstream's default for a setting the fork has not set
    assert answers["timezone"] == "Europe/Paris" and answers["package_name"] == "acme_sales_data"
    assert "More help from upstream." in (project / "README.md").read_text()


# --- organization.toml, unit ---------------------------------------------------------------------


def test_shipped_file_is_valid_and_documents_upstream_defaults():
    settings = organization.load()
    assert set(settings) == {k for keys in organization.UPSTREAM.values() for k in keys}
    # Each commented example shows upstream's value.
    flat = {k: v for keys in organization.UPSTREAM.values() for k, v in keys.items()}
    examples = re.findall(
        r"^# (\w+ = .+?)(?:\s+#.*)?$", organization.ORGANIZATION_FILE.read_text(), re.M
    )
    assert examples
    for example in examples:
        ((key, value),) = tomllib.loads(example).items()
        assert flat[key] == value, key


def test_no_release_changes_the_shipped_file():
    """What the file's header promises forks: upstream never edits it, so merging a release
    never conflicts with a fork's settings (a new setting goes to organization.UPSTREAM)."""
    shipped = organization.ORGANIZATION_FILE.read_text()
    compared = 0
    for release in releases.read():
        old = run(["git", "show", f"{release.commit}:organization.toml"], REPO, check=False)
        if release.commit and old.returncode == 0:  # 0.1.0 had no organization.toml
            assert shipped == old.stdout, f"organization.toml differs from {release.tag}'s"
            compared += 1
    assert compared


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"colours": {}}, "unknown table [colours]"),
        ({"defaults": {"timezon": "UTC"}}, "unknown key 'timezon' in [defaults]"),
        ({"defaults": {"owners": "team:x"}}, "owners must be a list"),
        ({"defaults": {"owners": []}}, "owners must be a list of strings"),
        ({"naming": {"package_prefix": "Acme-"}}, "package_prefix 'Acme-'"),
        ({"naming": {"package_prefix": "a" * 17}}, "must be at most 16 characters"),
        ({"defaults": {"integration_style": "yaml"}}, "integration_style is one of pythonic, comp"),
        ({"defaults": {"automation_style": "cron"}}, "automation_style is one of declarative,"),
        ({"defaults": {"warehouse": "oracle"}}, "warehouse is one of duckdb, postgres"),
    ],
)
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(organization.OrganizationError, match=re.escape(message)):
        organization.merge(settings)


def test_missing_keys_keep_upstream_values(tmp_path):
    path = tmp_path / "organization.toml"
    path.write_text('[defaults]\ntimezone = "Asia/Tokyo"\n')
    settings = organization.load(path)
    assert settings["timezone"] == "Asia/Tokyo"
    assert settings["owners"] == organization.UPSTREAM["defaults"]["owners"]
    assert organization.load(tmp_path / "absent.toml")["timezone"] == "UTC"


def test_package_prefix_rule():
    assert quoting.to_package_name("Sales Data", prefix="acme_") == "acme_sales_data"
    assert quoting.to_package_name("Acme Sales", prefix="acme_") == "acme_sales"
    assert validators.package_name_error("acme_sales", prefix="acme_") == ""
    assert validators.package_name_error("sales", prefix="acme_") == "must start with acme_"
