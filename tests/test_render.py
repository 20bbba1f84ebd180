"""Render matrix: every combination of the choice questions, rendered in-process and checked
statically. No install, no run: that is test_e2e.py."""

from __future__ import annotations

import ast
import itertools
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from copier_dagster import context

from helpers import BASE_ANSWERS

STYLES = ["declarative", "schedules", "sensors"]
PARTITIONINGS = ["daily", "weekly", "monthly", "none"]
CI_PROVIDERS = ["github", "gitlab", "none"]
DEPLOYMENTS = ["none", "docker-compose", "kubernetes", "dagster-plus"]
# Automation x partitioning with the default CI and deployment, then CI x deployment with the
# default automation: every value of every choice question, and every pair that shares files.
MATRIX = [
    (style, part, "github", "none") for style, part in itertools.product(STYLES, PARTITIONINGS)
]
MATRIX += [
    ("declarative", "daily", ci, deployment)
    for ci, deployment in itertools.product(CI_PROVIDERS, DEPLOYMENTS)
    if (ci, deployment) != ("github", "none")
]

STYLE_FILES = {
    "declarative": {"src/acme_data/defs/automation.py", "tests/test_automation.py"},
    "schedules": {"src/acme_data/defs/schedules.py", "tests/test_schedules.py"},
    "sensors": {"src/acme_data/defs/sensors.py", "tests/test_sensors.py"},
}
CI_FILES = {
    "github": {".github/workflows/ci.yml", ".github/workflows/template-update.yml"},
    "gitlab": {".gitlab-ci.yml"},
}
DEPLOYMENT_FILES = {
    "docker-compose": {
        "compose.yaml", "deploy/compose/dagster.yaml", "deploy/compose/workspace.yaml",
        "deploy/compose/.env.example",
    },
    "kubernetes": {"deploy/helm/values.yaml"},
    "dagster-plus": {"build.yaml"},
}  # fmt: skip
IMAGE_FILES = {"Dockerfile", ".dockerignore"}
GITHUB_EXPRESSION = re.compile(r"\$\{\{ [^{}]+ \}\}")
JINJA_RESIDUE = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
# A value on the same line as a secret-like key (a key with a nested mapping, e.g. a password
# read from an env var in dagster.yaml, is fine).
SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(password|passwd|secret|token|api[_-]?key|private[_-]?key)\b"
    r"[ \t]*[:=][ \t]*['\"]?[^\s'\"$]{4,}"
)


def render(copie, template: Path, **answers):
    result = copie.copy(extra_answers={**BASE_ANSWERS, **answers}, template_dir=template)
    assert result.exit_code == 0, result.exception
    return result


def files_of(project: Path) -> dict[str, Path]:
    return {
        str(p.relative_to(project)): p
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(project).parts
    }


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("style", "partitioning", "ci", "deployment"), MATRIX, ids=["-".join(c) for c in MATRIX]
)
def test_combination(copie, template, style, partitioning, ci, deployment):
    result = render(
        copie, template, automation_style=style, partitioning=partitioning, ci_provider=ci,
        deployment=deployment,
    )  # fmt: skip
    project = result.project_dir
    files = files_of(project)

    for other, paths in CI_FILES.items():
        for path in paths:
            assert (path in files) is (other == ci), path
    assert ("scripts/template-update.sh" in files) is (ci != "none")
    for other, paths in DEPLOYMENT_FILES.items():
        for path in paths:
            assert (path in files) is (other == deployment), path
    for path in IMAGE_FILES:
        assert (path in files) is (deployment != "none"), path

    # Only the chosen options' files.
    for other, paths in STYLE_FILES.items():
        for path in paths:
            assert (path in files) is (other == style), path
    assert ("src/acme_data/defs/partitions.py" in files) is (partitioning != "none")

    for name, path in files.items():
        text = path.read_text()
        assert text.strip(), f"{name} is empty"
        # GitHub Actions expressions, ${{ ... }}, are the only double braces a file may hold.
        bare = GITHUB_EXPRESSION.sub("", text) if name.startswith(".github/") else text
        assert not JINJA_RESIDUE.search(bare), f"Jinja residue in {name}"
        assert not SECRET_ASSIGNMENT.search(text), f"secret-looking value in {name}"
        if name.endswith(".py"):
            ast.parse(text, filename=name)
        elif name.endswith(".toml"):
            tomllib.loads(text)
        elif name.endswith((".yml", ".yaml")):
            yaml.safe_load(text)

    checked = ruff("check", "--no-cache", "--output-format", "concise", ".", cwd=project)
    assert checked.returncode == 0, checked.stdout
    formatted = ruff("format", "--no-cache", "--check", "--diff", ".", cwd=project)
    assert formatted.returncode == 0, formatted.stdout

    # The README says how to run it where it was chosen to run, and which secrets to create.
    readme = files["README.md"].read_text()
    sections = {
        "docker-compose": ["### Docker Compose", "deploy/compose/.env", "docker compose up"],
        "kubernetes": ["### Kubernetes", "dagster-postgresql-secret", "helm upgrade --install"],
        "dagster-plus": ["### Dagster+", "DAGSTER_CLOUD_API_TOKEN", "dg plus deploy"],
    }
    for other, needles in sections.items():
        for needle in needles:
            assert (needle in readme) is (other == deployment), needle
    assert ("## CI" in readme) is (ci != "none")
    assert ("TEMPLATE_UPDATE_TOKEN" in readme) is (ci != "none")
    assert ("Pipeline schedules" in readme) is (ci == "gitlab")

    # The answers file holds everything `copier update` needs, and nothing derived.
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    expected = {
        "_commit", "_src_path", "project_name", "package_name", "description", "author_name",
        "author_email", "owners", "automation_style", "partitioning", "timezone", "ci_provider",
        "deployment",
    }  # fmt: skip
    if partitioning != "none":
        expected.add("partition_start")
    if style != "sensors":
        expected.add("refresh_cron")
    assert set(answers) == expected
    assert answers["_commit"] and answers["automation_style"] == style
    assert answers["ci_provider"] == ci and answers["deployment"] == deployment

    # Dependencies: pinned from the versions file, and each one used: imported, or named where
    # it is used (a deployment's configuration loads dagster-postgres, dagster-k8s, ...).
    pyproject = tomllib.loads(files["pyproject.toml"].read_text())
    pins = {**context.pins()["packages"], **context.pins()["deployment"]["packages"]}
    for requirement in pyproject["project"]["dependencies"]:
        name, version = requirement.split("==")
        assert pins[name] == version
        module = name.replace("-", "_")
        assert any(
            re.search(rf"^\s*(import|from) {module}\b", p.read_text(), re.M)
            for n, p in files.items()
            if n.endswith(".py")
        ) or any(
            name in p.read_text()
            for n, p in files.items()
            if n not in {"pyproject.toml", ".copier-answers.yml", "README.md"}
            and not n.endswith(".py")
        ), f"{name} is a dependency nothing uses"
    dev = {r.split("==")[0] for r in pyproject["dependency-groups"]["dev"]}
    assert not dev & {r.split("==")[0] for r in pyproject["project"]["dependencies"]}

    # Every variable the project reads is documented, in .env.example and the README.
    settings = files["src/acme_data/settings.py"].read_text()
    read = set(re.findall(r'^[A-Z_]+ = "([A-Z][A-Z0-9_]+)"$', settings, re.M))
    example = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", files[".env.example"].read_text(), re.M))
    assert read and read == example
    readme = files["README.md"].read_text()
    assert all(f"`{name}`" in readme for name in read)


NASTY_NAME = "Ünïcødé \"Quoted\" 'single' \\back {{ x }} {% if %} #hash key: v 🚀"
NASTY_DESCRIPTION = "Loads *all* the_things: [x](y) <b> `code` | pipe, 日本語 \\ {# c #}"


def test_user_text_lands_verbatim(copie, template):
    result = render(
        copie, template, project_name=NASTY_NAME, package_name="acme_data",
        description=NASTY_DESCRIPTION, author_name="Zoë O'Brien \"ZO\"",
        author_email="zoe@example.com",
    )  # fmt: skip
    project = result.project_dir
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == NASTY_DESCRIPTION
    assert pyproject["project"]["authors"] == [
        {"name": 'Zoë O\'Brien "ZO"', "email": "zoe@example.com"}
    ]
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["project_name"] == NASTY_NAME
    assert answers["description"] == NASTY_DESCRIPTION

    # Markdown shows the text as typed: un-escaping the backslash escapes gives it back.
    readme = (project / "README.md").read_text().splitlines()
    unescape = lambda line: re.sub(r"\\([\\`*_\[\]<>|#~])", r"\1", line)  # noqa: E731
    assert readme[0] == "# " + re.sub(r"([\\`*_\[\]<>|#~])", r"\\\1", NASTY_NAME)
    assert unescape(readme[0]) == "# " + NASTY_NAME
    assert unescape(readme[2]) == NASTY_DESCRIPTION

    checked = ruff("check", "--no-cache", ".", cwd=project)
    assert checked.returncode == 0, checked.stdout


def test_owners_render_as_python(copie, template):
    owners = ["team:data-eng", "jane.o'neil@example.com", 'x"y@example.com']
    result = render(copie, template, owners=owners)
    settings = (result.project_dir / "src/acme_data/settings.py").read_text()
    tree = ast.parse(settings)
    values = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and node.targets[0].id == "OWNERS"
    ]
    assert values == [owners]
    assert ruff("format", "--check", "--no-cache", ".", cwd=result.project_dir).returncode == 0
