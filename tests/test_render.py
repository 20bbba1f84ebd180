"""Render matrix: every combination of the choice questions, rendered in-process and checked
statically. No install, no run: that is test_e2e.py."""

from __future__ import annotations

import ast
import itertools
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from copier_dagster import context

from helpers import BASE_ANSWERS, REPO

STYLES = ["declarative", "schedules", "sensors"]
PARTITIONINGS = ["daily", "weekly", "monthly", "none"]
TOOL_SETS = [
    sorted(subset)
    for n in range(4)
    for subset in itertools.combinations(["dlt", "sling", "dbt"], n)
]
CI_PROVIDERS = ["github", "gitlab", "none"]
DEPLOYMENTS = ["none", "docker-compose", "kubernetes", "dagster-plus"]
# Every ETL tool set x automation x partitioning with the default CI and deployment, then CI x
# deployment with the default tools and automation: every value of every choice question, and
# every pair of questions whose answers share files.
MATRIX = [
    (tools, style, part, "github", "none", "pythonic")
    for tools, style, part in itertools.product(TOOL_SETS, STYLES, PARTITIONINGS)
]
MATRIX += [
    (["dbt", "dlt"], "declarative", "daily", ci, deployment, "pythonic")
    for ci, deployment in itertools.product(CI_PROVIDERS, DEPLOYMENTS)
    if (ci, deployment) != ("github", "none")
]
# The components integration style: every ETL tool set x automation style, the partitionings
# taken in turn (each one with every style and several tool sets).
MATRIX += [
    (tools, style, PARTITIONINGS[i % len(PARTITIONINGS)], "github", "none", "components")
    for i, (tools, style) in enumerate(itertools.product(TOOL_SETS, STYLES))
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
JINJA_RESIDUE = re.compile(r"\{\{-?\s*[\w'\"(]|\{%-?\s|\s-?%\}|\{#\s|\s#\}")
# dbt files are Jinja themselves: there, look for the template's own variables instead.
TEMPLATE_VARIABLES = sorted(
    set(context.derive({}))
    | {k for k in yaml.safe_load((REPO / "copier.yml").read_text()) if not k.startswith("_")}
)
COPIER_RESIDUE = re.compile(rf"\{{\{{-?\s*({'|'.join(TEMPLATE_VARIABLES)})\b")
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


def tool_files(tools: list[str], integration: str = "pythonic") -> dict[str, bool]:
    """Which tool-specific files a project with `tools` must have (True) or must not (False)."""
    ingest = "src/acme_data/defs/ingest/"
    transform = "src/acme_data/defs/transform/"
    components = "src/acme_data/components/"
    pythonic = integration == "pythonic"
    return {
        ingest + "dlt_pipeline.py": "dlt" in tools and pythonic,
        ingest + "sling_replication.py": "sling" in tools and pythonic,
        ingest + "files.py": not {"dlt", "sling"} & set(tools),
        transform + "dbt_models.py": "dbt" in tools and pythonic,
        transform + "models.py": "dbt" not in tools,
        "dbt/dbt_project.yml": "dbt" in tools,
        "dbt/profiles.yml": "dbt" in tools,
        # The components style: a defs.yaml per tool and the project's subclasses they use.
        ingest + "dlt_pipeline/defs.yaml": "dlt" in tools and not pythonic,
        ingest + "dlt_pipeline/loads.py": "dlt" in tools and not pythonic,
        components + "dlt_loads.py": "dlt" in tools and not pythonic,
        ingest + "sling_replication/defs.yaml": "sling" in tools and not pythonic,
        ingest + "sling_replication/replication.yaml": "sling" in tools and not pythonic,
        components + "sling_replication.py": "sling" in tools and not pythonic,
        transform + "dbt_models/defs.yaml": "dbt" in tools and not pythonic,
        components + "dbt_project.py": "dbt" in tools and not pythonic,
        components + "template_vars.py": bool(tools) and not pythonic,
        # The project component platform teams scaffold new sources from: in both styles.
        components + "__init__.py": True,
        components + "raw_csv_table.py": True,
        "tests/test_raw_csv_table.py": True,
    }


DEPLOYMENT_PACKAGES = {
    "none": set(),
    "docker-compose": {"dagster-postgres", "dagster-webserver"},
    "kubernetes": {"dagster-k8s", "dagster-postgres"},
    "dagster-plus": {"dagster-cloud"},
}
TOOL_PACKAGES = {
    "dlt": {"dagster-dlt", "dlt"},
    "sling": {"dagster-sling", "sling", "sling-linux-amd64", "duckdb-cli"},
    "dbt": {"dagster-dbt", "dbt-core", "dbt-duckdb"},
}


IDS = [f"{'+'.join(t) or 'no-tools'}-{s}-{p}-{c}-{d}-{i}" for t, s, p, c, d, i in MATRIX]


@pytest.fixture(scope="module")
def matrix(copie_session, template) -> dict[str, tuple[Path, str]]:
    """Every combination rendered once, then linted with one ruff run over all of them (each
    project's pyproject configures ruff for its files): id -> (project, what ruff reported)."""
    projects = {}
    for name, (tools, style, partitioning, ci, deployment, integration) in zip(
        IDS, MATRIX, strict=True
    ):
        result = render(
            copie_session, template, etl_tools=tools, automation_style=style,
            partitioning=partitioning, ci_provider=ci, deployment=deployment,
            integration_style=integration,
        )  # fmt: skip
        projects[name] = result.project_dir
    root = Path(os.path.commonpath(list(projects.values())))
    checked = ruff("check", "--no-cache", "--output-format", "concise", ".", cwd=root).stdout
    formatted = ruff("format", "--no-cache", "--check", ".", cwd=root).stdout
    reports = {}
    for name, project in projects.items():
        prefix = str(project.relative_to(root)) + os.sep
        lines = [line for line in (checked + formatted).splitlines() if prefix in line]
        reports[name] = (project, "\n".join(lines))
    return reports


@pytest.mark.parametrize(
    ("tools", "style", "partitioning", "ci", "deployment", "integration"), MATRIX, ids=IDS
)
def test_combination(matrix, request, tools, style, partitioning, ci, deployment, integration):
    project, ruff_report = matrix[request.node.callspec.id]
    files = files_of(project)

    for path, present in tool_files(tools, integration).items():
        assert (path in files) is present, path
    assert not any(name.startswith("dbt/") for name in files) or "dbt" in tools
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
        # dbt files and dg's defs.yaml files use Jinja themselves.
        jinja_files = name.startswith("dbt/") or name.endswith("/defs.yaml")
        residue = COPIER_RESIDUE if jinja_files else JINJA_RESIDUE
        # GitHub Actions expressions, ${{ ... }}, are the only double braces a file may hold.
        bare = GITHUB_EXPRESSION.sub("", text) if name.startswith(".github/") else text
        assert not residue.search(bare), f"Jinja residue in {name}"
        assert not SECRET_ASSIGNMENT.search(text), f"secret-looking value in {name}"
        if name.endswith(".py"):
            ast.parse(text, filename=name)
        elif name.endswith(".toml"):
            tomllib.loads(text)
        elif name.endswith((".yml", ".yaml")):
            yaml.safe_load(text)

    assert ruff_report == "", ruff_report  # ruff check and ruff format --check

    # The answers file holds everything `copier update` needs, and nothing derived.
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    expected = {
        "_commit", "_src_path", "project_name", "package_name", "description", "author_name",
        "author_email", "owners", "etl_tools", "integration_style", "automation_style",
        "partitioning", "timezone", "ci_provider", "deployment",
    }  # fmt: skip
    if partitioning != "none":
        expected.add("partition_start")
    if style != "sensors":
        expected.add("refresh_cron")
    assert set(answers) == expected
    assert answers["_commit"] and answers["automation_style"] == style
    assert sorted(answers["etl_tools"]) == tools
    assert answers["ci_provider"] == ci and answers["deployment"] == deployment
    assert answers["integration_style"] == integration

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

    # Dependencies: exactly the chosen tools', pinned from the versions file, each one imported
    # or pinned for a reason the pyproject states.
    pyproject_text = files["pyproject.toml"].read_text()
    requirements = tomllib.loads(pyproject_text)["project"]["dependencies"]
    names = {re.match(r"[a-z0-9-]+", r).group() for r in requirements}
    expected_names = {"dagster", "dagster-duckdb", "duckdb"}.union(
        *(TOOL_PACKAGES[t] for t in tools), DEPLOYMENT_PACKAGES[deployment]
    )
    assert names == expected_names
    for requirement in requirements:
        name = re.match(r"[a-z0-9-]+", requirement).group()
        assert requirement == context.requirement(name)
        module = name.replace("-", "_")
        imported = any(
            re.search(rf"^\s*(import|from) {module}\b", p.read_text(), re.M)
            for n, p in files.items()
            if n.endswith(".py")
        )
        # Or named where it is used: a deployment's configuration loads dagster-postgres, ...
        configured = any(
            name in p.read_text()
            for n, p in files.items()
            if n not in {"pyproject.toml", ".copier-answers.yml", "README.md"}
            and not n.endswith(".py")
        )
        reason = context.pins()["reasons"].get(name)
        assert imported or configured or reason, f"{name} is a dependency nothing uses"
        if reason:
            assert f'"{requirement}",  # {reason}' in pyproject_text
    dev = tomllib.loads(pyproject_text)["dependency-groups"]["dev"]
    assert not names & {re.match(r"[a-z0-9-]+", r).group() for r in dev}

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
