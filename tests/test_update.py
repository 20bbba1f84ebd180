"""`copier update` from the previous release recorded in CHANGELOG.md to the working tree, through
the real Copier CLI on real git repositories: user edits survive, the template's changes land,
conflicts are reported by file name, renames ship migrations, answers can change later.

The releases are recreated as tags in a scratch clone (helpers.template_history), so these tests
follow the record: when a release is added they update from it.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

from copier_dagster import conflicts, upgrades
from copier_dagster.context import raw_loaders

import releases
from helpers import (
    BASE_ANSWERS,
    NO_DBT_METADATA,
    REPO,
    commit_all,
    copier_cli,
    copy,
    data_args,
    expected_by_country,
    files_of,
    git,
    query_warehouse,
    run,
    sample_file,
    template_history,
)

PACKAGE = "acme_data"
LOCK_FILES = ("uv.lock",)


@pytest.fixture(scope="session")
def history(tmp_path_factory) -> tuple[Path, str, str]:
    """(template clone, previous release tag, working tree tag)."""
    return template_history(tmp_path_factory.mktemp("history") / "template")


def update(project: Path, *args: str) -> subprocess.CompletedProcess:
    return copier_cli("update", "--trust", "--defaults", *args, cwd=project)


def assert_no_conflicts(project: Path) -> None:
    assert conflicts.find_conflicts(project) == {}
    assert not list(project.rglob("*.rej"))


# --- The user's edits: functions that edit a project, applied to both sides of a comparison ---


def insert_after(path: Path, anchor: str, text: str) -> None:
    """Insert `text` after the first line that starts with `anchor` (which must exist)."""
    lines = path.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith(anchor))
    lines.insert(index + 1, text)
    path.write_text("".join(lines))


NEW_ASSET = '''"""Customers ranked by their orders: what the sales team reads every morning."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from ...settings import OWNERS


@dg.asset(
    deps=[["raw", "orders"]],
    group_name="analytics",
    description="Customers ranked by the number of orders they placed.",
    owners=OWNERS,
    kinds={"sql", "duckdb"},
    code_version="1",
    metadata={"dagster/table_name": "analytics.top_customers"},
    automation_condition=dg.AutomationCondition.eager(),
)
def top_customers(warehouse: DuckDBResource) -> dg.MaterializeResult:
    with warehouse.get_connection() as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS analytics")
        conn.execute(
            "CREATE OR REPLACE TABLE analytics.top_customers AS"
            " SELECT customer_id, COUNT(*) AS orders FROM raw.orders"
            " GROUP BY customer_id ORDER BY orders DESC"
        )
        rows = conn.execute("SELECT COUNT(*) FROM analytics.top_customers").fetchone()[0]
    return dg.MaterializeResult(metadata={"dagster/row_count": rows})
'''


SUMMARY_CHECK = """

@dg.asset_check(asset=order_summary, description="No country in the summary without orders.")
def every_country_has_orders(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.get_connection() as conn:
        empty = conn.execute(
            "SELECT COUNT(*) FROM analytics.order_summary WHERE orders = 0"
        ).fetchone()[0]
    return dg.AssetCheckResult(passed=empty == 0, metadata={"countries_without_orders": empty})
"""


def replace_line(path: Path, old: str, new: str) -> None:
    """Replace the line `old` (which must exist) with `new`."""
    text = path.read_text()
    assert f"{old}\n" in text, (path, old)
    path.write_text(text.replace(f"{old}\n", f"{new}\n", 1))


def user_edits(project: Path) -> None:
    """What a team does to its project between two template releases."""
    src = project / "src" / PACKAGE / "defs"
    # Their own words on an ingest module and on the summary, and a check of their own on it.
    replace_line(
        src / "ingest" / "dlt_pipeline.py",
        '"""dlt: loads the landed customers and orders files into the raw schema."""',
        '"""dlt: loads the landed customers and orders files into the raw schema (team ingest)."""',
    )
    summary = src / "analytics" / "summary.py"
    replace_line(
        summary,
        '"""Orders and revenue per country, one partition per day."""',
        '"""Orders and revenue per country, one partition per day: the finance dashboard."""',
    )
    summary.write_text(summary.read_text() + SUMMARY_CHECK)
    # A new asset file (the project's tests check the template's assets and leave it alone).
    (src / "analytics" / "top_customers.py").write_text(NEW_ASSET)
    # An edited README section.
    insert_after(
        project / "README.md",
        "- Lint: `uv run ruff check`",
        "- Ask #data-eng on Slack before changing a mart: dashboards read them.\n",
    )
    # A changed dependency.
    insert_after(project / "pyproject.toml", '    "pytest==', '    "pytest-timeout>=2",\n')
    # A deleted example file.
    (project / ".env.example").unlink()


def unrelated_edits(project: Path) -> None:
    """Edits away from anything an answer decides."""
    insert_after(
        project / "README.md",
        "- Lint: `uv run ruff check`",
        "- Ask #data-eng on Slack before changing a mart: dashboards read them.\n",
    )
    insert_after(
        project / "src" / PACKAGE / "defs" / "ingest" / "checks.py",
        "from ...table_checks import raw_checks",
        "\n# Our ingest runbook: docs/ingest.md.\n",
    )
    (project / "src" / PACKAGE / "defs" / "analytics" / "top_customers.py").write_text(NEW_ASSET)


def expected_project(history, tag: str, answers: dict, edits, dst: Path) -> dict[str, bytes]:
    """A fresh copy of `tag` with `answers`, with the user's edits made on it by hand."""
    copy(history[0], dst, answers, ref=tag)
    edits(dst)
    return files_of(dst, skip=LOCK_FILES)


def added_since(tag: str) -> dict:
    """Answers the update gives new questions in a project made with release `tag`."""
    return upgrades.answers_added_since(tag.removeprefix("v"))


def diff_files(actual: dict[str, bytes], expected: dict[str, bytes]) -> list[str]:
    return sorted(
        name for name in actual.keys() | expected.keys() if actual.get(name) != expected.get(name)
    )


# --- Releases ----------------------------------------------------------------------------------


def test_releases_are_recorded():
    recorded = releases.read()
    assert recorded[-1].version == "0.1.0"
    assert recorded[-1].commit == "addc2f0182cdbe3eb59045f95ebdc4c4d09b9491"
    for release in recorded:
        if release.commit:  # in this history, an ancestor of the working tree
            git("merge-base", "--is-ancestor", release.commit, "HEAD", cwd=REPO)
    # pyproject.toml has the latest release's version, or the next one's once it is bumped.
    latest = next(r for r in recorded if r.commit)
    version = Version(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"])
    assert Version(latest.version) <= version <= Version(recorded[0].version)
    # A migration for a version past the working tree's would never run.
    config = yaml.safe_load((REPO / "copier.yml").read_text())
    for migration in config.get("_migrations", []):
        if isinstance(migration, dict) and "version" in migration:
            assert Version(migration["version"]) <= Version(recorded[0].version), migration


def test_changelog_format_is_enforced():
    record = "## 0.1.0 (commit " + "a" * 40 + ")\n"
    assert releases.parse_changelog("## Unreleased\n" + record)[0].version == "0.2.0"
    assert releases.parse_changelog(record)[0].commit == "a" * 40
    for bad in (
        "## 0.1.0\n",
        "## 0.1.0 (commit abc)\n",
        "## banana (commit " + "a" * 40 + ")\n",
        record + "## 0.2.0 (commit " + "b" * 40 + ")\n",
        record + "## Unreleased\n",
    ):
        with pytest.raises(ValueError):
            releases.parse_changelog(bad)


# --- Acceptance 1: an edited project takes the update and keeps every edit ----------------------


@pytest.fixture(scope="module")
def edited_update(history, tmp_path_factory) -> dict:
    template, previous, current = history
    project = copy(template, tmp_path_factory.mktemp("edited") / "acme", BASE_ANSWERS, ref=previous)
    commit_all(project, "project from the template")
    user_edits(project)
    commit_all(project, "our changes")
    result = update(project, "--vcs-ref", current)
    return {"dir": project, "result": result, "current": current}


def test_update_keeps_every_edit(edited_update, history, tmp_path):
    project, result = edited_update["dir"], edited_update["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "no conflicts left" in result.stderr
    assert_no_conflicts(project)
    # Exactly the working tree's render with the user's edits made on it: every edit kept, every
    # template change applied, the deleted file not recreated.
    answers = {**BASE_ANSWERS, **added_since(history[1])}
    expected = expected_project(
        history, edited_update["current"], answers, user_edits, tmp_path / "expected"
    )
    assert diff_files(files_of(project, skip=LOCK_FILES), expected) == []
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == edited_update["current"]


def assert_project_works(project: Path, *more: list[str]) -> None:
    """The project installs, loads and passes its fast tests, as its CI would run them, then
    runs the commands `more`."""
    for cmd in (
        ["uv", "sync", "--quiet"],
        # The team added an asset: the README says to redraw the lineage diagram then.
        ["uv", "run", "python", "scripts/lineage.py"],
        ["uv", "run", "dg", "check", "defs"],
        ["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow"],
        *more,
    ):
        out = run(cmd, project, timeout=900)
        if cmd[2:3] == ["pytest"]:
            assert " passed" in out.stdout and "failed" not in out.stdout


@pytest.mark.e2e
def test_updated_project_still_works(edited_update):
    assert edited_update["result"].returncode == 0
    project = edited_update["dir"]
    # What CHANGELOG.md asks after this update: a table of yours shows its columns (the
    # project's test_definitions.py names the asset and the metadata to add).
    asset = project / "src" / PACKAGE / "defs" / "analytics" / "top_customers.py"
    text = asset.read_text()
    asset.write_text(
        text.replace(
            'metadata={"dagster/table_name": "analytics.top_customers"},',
            'metadata={\n        "dagster/table_name": "analytics.top_customers",\n'
            '        "dagster/column_schema": dg.TableSchema(\n'
            '            columns=[dg.TableColumn("customer_id", "text"),'
            ' dg.TableColumn("orders", "bigint")]\n'
            "        ),\n    },",
        )
    )
    assert asset.read_text() != text, "the user's asset changed: follow CHANGELOG.md here too"
    launch = ["uv", "run", "dg", "launch", "--assets", "*", "--partition", "2025-01-01"]
    assert_project_works(project, launch)


# --- Acceptance 2: an unedited project becomes a fresh copy of the new version ----------------


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {
            "automation_style": "schedules",
            "partitioning": "weekly",
            "timezone": "Europe/Paris",
            "author_name": "Data Team",
            "owners": ["team:analytics", "jane@example.com"],
        },
    ],
    ids=["defaults", "custom"],
)
def test_unedited_update_equals_fresh_copy(history, tmp_path, answers):
    template, previous, current = history
    answers = {**BASE_ANSWERS, **answers}
    project = copy(template, tmp_path / "updated", answers, ref=previous)
    commit_all(project, "project from the template")
    result = update(project, "--vcs-ref", current)
    assert result.returncode == 0, result.stderr[-3000:]
    # New questions get the answer that keeps the project as it was (e.g. `sample: true`), not
    # the question's default, which an organization may have changed.
    for question, value in added_since(previous).items():
        assert f"{question!r}: {value!r}" in result.stderr, result.stderr[-3000:]
    fresh = copy(template, tmp_path / "fresh", {**answers, **added_since(previous)}, ref=current)
    assert diff_files(files_of(project, LOCK_FILES), files_of(fresh, LOCK_FILES)) == []


def test_an_answer_refused_now_stops_the_update(history, tmp_path):
    """Copier replaces a recorded answer that its validator now refuses with the question's
    default, silently with --defaults (here: the package renamed to acme_data). The first
    migration stops the update instead, naming the answer and the fix; the project is untouched."""
    template, previous, current = history
    answers = {**BASE_ANSWERS, "package_name": "typing"}  # accepted before this release
    project = copy(template, tmp_path / "updated", answers, ref=previous)
    commit_all(project, "project from the template")
    result = update(project, "--vcs-ref", current)
    assert result.returncode != 0
    assert (
        "copier update stopped: this release refuses package_name: 'typing' (shadows the module "
        "typing: rename); set package_name in .copier-answers.yml to a value it accepts, move "
        "src/typing/ to that name and fix the imports, commit, and update again."
    ) in result.stderr, result.stderr[-3000:]
    assert git("status", "--porcelain", cwd=project) == ""
    assert (project / "src" / "typing" / "definitions.py").is_file()


# --- Acceptance 3: a conflict is reported by file name and the update fails --------------------


def next_version(history, tmp_path: Path, change) -> tuple[Path, str]:
    """A clone of the template history with one more commit, made by `change`, tagged."""
    template, _, current = history
    clone = tmp_path / "template-next"
    git("clone", "-q", str(template), str(clone), cwd=tmp_path)
    change(clone)
    version = Version(current.removeprefix("v"))
    tag = f"v{version.major}.{version.minor}.{version.micro + 1}"
    commit_all(clone, f"change for {tag}")
    git("tag", tag, cwd=clone)
    return clone, tag


def wider_lines(template: Path) -> None:
    path = template / "template" / "pyproject.toml.jinja"
    path.write_text(path.read_text().replace("line-length = 100", "line-length = 110", 1))


@pytest.mark.parametrize("mode", ["inline", "rej"])
def test_conflict_is_reported(history, tmp_path, mode):
    _, _, current = history
    template, tag = next_version(history, tmp_path, wider_lines)
    project = copy(template, tmp_path / "acme", BASE_ANSWERS, ref=current)
    commit_all(project, "project from the template")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("line-length = 100", "line-length = 120"))
    insert_after(project / "README.md", "- Lint:", "- A line nobody else touches.\n")
    commit_all(project, "our line length")

    result = update(project, "--vcs-ref", tag, "--conflict", mode)

    assert result.returncode != 0
    listed = re.findall(r"^  (\S+)  ", result.stderr, re.M)
    assert listed == (["pyproject.toml"] if mode == "inline" else ["pyproject.toml.rej"])
    assert "merge by hand" in result.stderr
    text = pyproject.read_text()
    if mode == "inline":
        assert "<<<<<<< before updating" in text and "line-length = 120" in text
    else:
        assert (
            "line-length = 110" in text
            and "line-length = 120" in (project / "pyproject.toml.rej").read_text()
        )
    assert "- A line nobody else touches." in (project / "README.md").read_text()


def test_conflict_check_on_a_clean_and_a_dirty_tree(tmp_path):
    git("init", "-q", cwd=tmp_path)
    (tmp_path / "ok.py").write_text("x = 1\n# <<<<<<< not at the start of a line\n")
    assert conflicts.find_conflicts(tmp_path) == {}
    conflicted = "<<<<<<< before updating\nx\n=======\ny\n>>>>>>> after updating\n"
    (tmp_path / "a.py").write_text(conflicted)
    (tmp_path / "b.toml.rej").write_text("@@ hunk\n")
    (tmp_path / "ignored").mkdir()
    (tmp_path / ".gitignore").write_text("ignored/\n")
    (tmp_path / "ignored" / "c.py").write_text("<<<<<<< before updating\n")
    found = conflicts.find_conflicts(tmp_path)
    assert list(found) == ["a.py", "b.toml.rej"]
    assert "a.py" in conflicts.report(found) and "b.toml" in found["b.toml.rej"]
    assert conflicts.main(tmp_path) == 1


# --- Acceptance 5: renames and removals ship migrations ----------------------------------------

MARKER = "user edit that must survive the update"


def lost_edits(template: Path, old: str, new: str, answers: dict, workdir: Path) -> list[str]:
    """Rendered paths of `old` that `new` no longer renders: a user's edit to each is followed
    through a real update; returns the paths whose edit is nowhere in the updated project."""
    answers = {**BASE_ANSWERS, **answers}
    old_files = files_of(copy(template, workdir / "old", answers, ref=old))
    new_files = files_of(copy(template, workdir / "new", answers, ref=new))
    gone = sorted(set(old_files) - set(new_files))
    if not gone:
        return []
    project = workdir / "old"
    commit_all(project, "project from the template")
    for name in gone:
        with (project / name).open("a") as f:
            f.write(f"# {MARKER}: {name}\n")
    commit_all(project, "our edits")
    update(project, "--vcs-ref", new)  # exits non-zero if a moved edit became a conflict
    kept = "\n".join(content.decode(errors="replace") for content in files_of(project).values())
    return [name for name in gone if f"{MARKER}: {name}" not in kept]


COMBINATIONS = [
    {},
    {"automation_style": "schedules", "partitioning": "weekly"},
    {"automation_style": "sensors", "partitioning": "none"},
    {"partitioning": "monthly"},
]


@pytest.mark.parametrize("answers", COMBINATIONS, ids=lambda a: "-".join(a.values()) or "defaults")
def test_no_release_drops_an_edited_file(history, tmp_path, answers):
    """Fails when the working tree renames or removes a rendered file without a migration."""
    template, previous, current = history
    assert lost_edits(template, previous, current, answers, tmp_path) == []


MODELS = "template/src/{{ package_name }}/defs/ingest/{% if sample %}checks.py{% endif %}"
RENAMED = "template/src/{{ package_name }}/defs/ingest/{% if sample %}raw_checks.py{% endif %}"
RENAME_MIGRATION = """\
  - version: {tag}
    when: "{{{{ _stage == 'before' }}}}"
    command: >-
      for f in src/*/defs/ingest/checks.py; do
      if [ -f "$f" ]; then git mv "$f" "${{f%/checks.py}}/raw_checks.py"; fi; done
"""


def rename_models(template: Path, migration: bool) -> None:
    git("mv", MODELS, RENAMED, cwd=template)
    if migration:
        config = template / "copier.yml"
        tag = git("describe", "--tags", "--abbrev=0", cwd=template)
        version = Version(tag.removeprefix("v"))
        entry = RENAME_MIGRATION.format(tag=f"v{version.major}.{version.minor}.{version.micro + 1}")
        config.write_text(config.read_text().replace("_migrations:\n", "_migrations:\n" + entry))


def test_rename_without_migration_is_caught(history, tmp_path):
    template, tag = next_version(history, tmp_path, lambda t: rename_models(t, migration=False))
    lost = lost_edits(template, history[2], tag, {}, tmp_path)
    assert lost == [f"src/{PACKAGE}/defs/ingest/checks.py"]


def test_rename_with_migration_keeps_the_edit(history, tmp_path):
    template, tag = next_version(history, tmp_path, lambda t: rename_models(t, migration=True))
    assert lost_edits(template, history[2], tag, {}, tmp_path) == []
    renamed = tmp_path / "old" / "src" / PACKAGE / "defs" / "ingest" / "raw_checks.py"
    assert MARKER in renamed.read_text()
    assert not (renamed.parent / "checks.py").exists()


# --- Acceptance 4: changing an answer later, with --vcs-ref :current: --------------------------


def choice_changes() -> list[tuple[str, object]]:
    """For each choice question of copier.yml: the question and a value other than the default."""
    config = yaml.safe_load((REPO / "copier.yml").read_text())
    changes = []
    for name, question in config.items():
        choices = question.get("choices") if isinstance(question, dict) else None
        if name.startswith("_") or not choices:
            continue
        values = list(choices.values()) if isinstance(choices, dict) else list(choices)
        values = [v["value"] if isinstance(v, dict) else v for v in values]
        if question.get("multiselect"):
            changes.append((name, values))
        else:
            changes.append((name, values[-1]))
    return changes


@pytest.mark.parametrize(("question", "value"), choice_changes(), ids=lambda v: str(v))
def test_changing_an_answer_keeps_unrelated_edits(history, tmp_path, question, value):
    template, _, current = history
    project = copy(template, tmp_path / "acme", BASE_ANSWERS, ref=current)
    defaults = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert defaults[question] != value, "pick a value that changes something"
    commit_all(project, "project from the template")
    unrelated_edits(project)
    commit_all(project, "our changes")

    result = update(project, "--vcs-ref", ":current:", *data_args({question: value}))

    assert result.returncode == 0, result.stderr[-3000:]
    assert_no_conflicts(project)
    answers = {**BASE_ANSWERS, question: value}
    expected = expected_project(history, current, answers, unrelated_edits, tmp_path / "expected")
    assert diff_files(files_of(project, skip=LOCK_FILES), expected) == []


def test_side_effects_run_on_copy_only():
    config = yaml.safe_load((REPO / "copier.yml").read_text())
    for task in config["_tasks"]:
        assert isinstance(task, dict) and task["when"] == "{{ _copier_operation == 'copy' }}", task
    assert {"uv.lock", ".env"} <= set(config["_skip_if_exists"])
    last = config["_migrations"][-1]
    assert "version" not in last and "conflicts.py" in " ".join(last["command"])


def test_user_owned_files_are_kept(history, tmp_path):
    """uv.lock and .env are the project's: an update (even one that renders them) keeps them."""
    _, _, current = history

    def render_lock(template: Path) -> None:
        (template / "template" / "uv.lock").write_text("# from the template\n")
        (template / "template" / ".env").write_text("FROM_TEMPLATE=1\n")

    template, tag = next_version(history, tmp_path, render_lock)
    project = copy(template, tmp_path / "acme", BASE_ANSWERS, ref=current)
    (project / "uv.lock").write_text("# the project's lock\n")
    commit_all(project, "locked")
    (project / ".env").write_text("LOCAL=1\n")  # gitignored: no commit needed
    result = update(project, "--vcs-ref", tag)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (project / "uv.lock").read_text() == "# the project's lock\n"
    assert (project / ".env").read_text() == "LOCAL=1\n"


# --- Acceptance 4, the tools: add Sling, then remove dbt, on an edited project ------------------


@pytest.fixture(scope="module")
def tool_changes(history, tmp_path_factory) -> dict:
    """A defaults project (dlt + dbt) with the team's edits, then Sling added, then dbt removed;
    each step compared with a fresh render of its answers carrying the same edits (that such a
    project runs on the warehouse of the tools before: test_changing_answers_after_runs_...)."""
    template, _, current = history
    work = tmp_path_factory.mktemp("tools")
    project = copy(template, work / "acme", BASE_ANSWERS, ref=current)
    commit_all(project, "project from the template")
    unrelated_edits(project)
    commit_all(project, "our changes")
    steps = {}
    for name, tools in (("add-sling", ["dlt", "sling", "dbt"]), ("drop-dbt", ["dlt", "sling"])):
        result = update(project, "--vcs-ref", ":current:", *data_args({"etl_tools": tools}))
        assert result.returncode == 0, result.stderr[-3000:]
        assert_no_conflicts(project)
        answers = {**BASE_ANSWERS, "etl_tools": tools}
        expected = expected_project(history, current, answers, unrelated_edits, work / name)
        commit_all(project, f"tools: {tools}")
        steps[name] = {
            "diff": diff_files(files_of(project, skip=LOCK_FILES), expected),
            "files": set(files_of(project)),
            "pyproject": (project / "pyproject.toml").read_text(),
        }
    return steps


def test_adding_sling_then_removing_dbt_follows_the_answers(tool_changes):
    ingest, transform = f"src/{PACKAGE}/defs/ingest/", f"src/{PACKAGE}/defs/transform/"
    with_sling, without_dbt = tool_changes["add-sling"], tool_changes["drop-dbt"]
    assert with_sling["diff"] == [] and without_dbt["diff"] == []
    assert ingest + "sling_replication.py" in with_sling["files"]
    assert "dbt/dbt_project.yml" in with_sling["files"]
    assert '"dagster-sling==' in with_sling["pyproject"]
    assert "dbt/dbt_project.yml" not in without_dbt["files"]
    assert transform + "dbt_models.py" not in without_dbt["files"]
    assert transform + "models.py" in without_dbt["files"]
    assert "dbt-core" not in without_dbt["pyproject"]
    assert '"dagster-sling==' in without_dbt["pyproject"]


# --- Acceptance 4, on a project that has run: the next launch works on the same warehouse -------

# Chains of answer changes, each step (answers, partition to launch) on the project the step
# before it launched: together each of dlt, Sling, dbt and the Python loader comes in over another
# tool's tables and goes; dbt's staging views become plain-SQL tables and back; every automation
# style and partitioning (daily, weekly, monthly, none) follows another.
SWITCHES = {
    "dlt-sling-dlt": [  # in the components style; the other chain in the Pythonic one
        ({"integration_style": "components"}, "2025-01-01"),  # dlt + dbt, declarative, daily
        ({"etl_tools": ["sling"], "automation_style": "schedules", "partitioning": "weekly"},
         "2025-01-06"),
        ({"etl_tools": ["dlt", "dbt"], "automation_style": "sensors", "partitioning": "none"},
         None),
    ],
    "python-dlt-python": [
        ({"etl_tools": [], "partitioning": "none"}, None),
        ({"etl_tools": ["dlt"], "automation_style": "schedules", "partitioning": "monthly"},
         "2025-01-01"),
        ({"etl_tools": ["dbt"], "partitioning": "daily"}, "2025-01-02"),
    ],
}  # fmt: skip
# (partition, partitioning) -> the day after the partition's last.
PARTITION_END = {
    ("2025-01-01", "daily"): "2025-01-02",
    ("2025-01-02", "daily"): "2025-01-03",
    ("2025-01-06", "weekly"): "2025-01-13",
    ("2025-01-01", "monthly"): "2025-02-01",
}


COLUMNS = (
    "SELECT column_name FROM information_schema.columns"
    " WHERE table_schema = '{schema}' AND table_name = '{table}' ORDER BY ordinal_position"
)


def assert_warehouse_follows(project: Path, answers: dict, partition: str | None) -> None:
    """The sample's numbers, built by the tools of `answers` alone: no other tool's columns in
    the raw tables, staging views only with dbt, summary rows of this partitioning only."""
    tools = set(answers.get("etl_tools", ["dlt", "dbt"]))
    loaders = raw_loaders(tools)
    for table, loader in loaders.items():
        with sample_file(f"{table}.csv").open() as f:
            columns = f.readline().strip().split(",")
        columns += {"dlt": ["_dlt_load_id"], "sling": ["_sling_loaded_at"]}.get(loader, [])
        rows = query_warehouse(project, COLUMNS.format(schema="raw", table=table))
        assert sorted(r[0] for r in rows) == sorted(columns), (table, loader)
    kinds = query_warehouse(
        project,
        "SELECT DISTINCT table_type FROM information_schema.tables WHERE table_schema = 'staging'",
    )
    assert kinds == [["VIEW" if "dbt" in tools else "BASE TABLE"]]
    marts = query_warehouse(
        project,
        "SELECT country, COUNT(*), COUNT(DISTINCT customer_id), SUM(amount)"
        " FROM marts.fct_orders GROUP BY country",
    )
    assert {row[0]: row[1:] for row in marts} == expected_by_country()
    summary = query_warehouse(project, "SELECT * FROM analytics.order_summary")
    columns = COLUMNS.format(schema="analytics", table="order_summary")
    names = [r[0] for r in query_warehouse(project, columns)]
    partitioning = answers.get("partitioning", "daily")
    if partition:  # rows of this partition only, none of another partitioning's
        assert {row[names.index("period_start")] for row in summary} == {partition}
        expected = expected_by_country(partition, PARTITION_END[partition, partitioning])
    else:
        assert names[0] == "country"
        expected = expected_by_country()
    measures = [names.index(name) for name in ("orders", "customers", "revenue")]
    got = {row[names.index("country")]: [row[i] for i in measures] for row in summary}
    assert got == expected


@pytest.mark.e2e
@pytest.mark.parametrize("chain", SWITCHES)
def test_changing_answers_after_runs_keeps_launch_working(history, tmp_path, chain):
    """Reported: Sling truncating into dlt's table failed on dlt's NOT NULL `_dlt_load_id`."""
    template, _, current = history
    chosen = {}
    for step, (answers, partition) in enumerate(SWITCHES[chain]):
        chosen.update(answers)
        if step == 0:
            project = copy(template, tmp_path / "acme", {**BASE_ANSWERS, **answers}, ref=current)
            ignore_rules = (project / ".gitignore").read_text()
        else:
            result = update(project, "--vcs-ref", ":current:", *data_args(answers))
            assert result.returncode == 0, result.stderr[-3000:]
            assert_no_conflicts(project)
        run(["uv", "sync", "--quiet"], project)
        commit_all(project, f"answers: {answers}")  # with the lock file uv sync wrote
        launch = ["uv", "run", "dg", "launch", "--assets", "*"]
        launch += ["--partition", partition] if partition else []
        run(launch, project, env=NO_DBT_METADATA)
        assert_warehouse_follows(project, chosen, partition)
        # What the tools wrote stays ignored, whichever tools are chosen now.
        assert (project / ".gitignore").read_text() == ignore_rules
        assert git("status", "--porcelain", "--untracked-files=all", cwd=project) == ""
