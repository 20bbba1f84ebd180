"""The documentation: README.md stays a short user guide, and the MkDocs site builds strictly."""

import re
import sys

import yaml

from helpers import REPO, run

PAGES = ["questions", "updating", "forking", "maintaining", "performance", "results", "changelog"]


def test_docs_site_builds_strictly(tmp_path):
    site = tmp_path / "site"
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", REPO / "mkdocs.yml"]
    result = run([*command, "-d", site], tmp_path, env={"NO_MKDOCS_2_WARNING": "1"}, timeout=120)
    assert "WARNING" not in result.stderr, result.stderr
    assert (site / "index.html").is_file()
    for page in PAGES:
        assert (site / page / "index.html").is_file(), page
    # The included files are in the site, not links out of it.
    assert "## Unreleased" in (REPO / "CHANGELOG.md").read_text()
    assert "Unreleased" in (site / "changelog" / "index.html").read_text()
    assert "Benchmark results" in (site / "results" / "index.html").read_text()
    # Moved text arrived: a fact from each page.
    assert "TEMPLATE_UPDATE_TOKEN" in (site / "questions" / "index.html").read_text()
    assert "conflict rej" in (site / "updating" / "index.html").read_text()
    assert "package_prefix" in (site / "forking" / "index.html").read_text()
    assert "test_compose_e2e.py" in (site / "maintaining" / "index.html").read_text()
    assert "Where the time goes" in (site / "performance" / "index.html").read_text()


def test_readme_is_short_and_keeps_the_two_commands():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 160
    lines = [line.split("#")[0].strip() for line in readme.splitlines()]
    assert "bash scripts/demo.sh" in lines
    assert "bash scripts/test.sh" in lines
    for page in ["questions", "updating", "forking", "maintaining", "performance"]:
        assert f"docs/{page}.md" in readme, page
        assert (REPO / "docs" / f"{page}.md").is_file(), page
    # Every link and picture of the README into the docs has its target (the site's own are
    # checked by the strict build).
    targets = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert "docs/images/questions-to-tree.svg" in targets
    for target in targets:
        assert (REPO / target).is_file(), target


# A backquoted path in docs/maintaining.md whose first part is an entry at the repository's root
# (`extensions/...`, `tests/test_render.py`, `copier.yml`), up to a space outside `{{ }}` (a
# command's arguments) or `::` (a test's name).
# The repository's own top-level entries (tracked by git: not .venv, nor .tools, which .ci/run
# fills): a backquoted text starting with one of them is a path.
ROOT_ENTRIES = {path.split("/")[0] for path in run(["git", "ls-files"], REPO).stdout.splitlines()}
BACKQUOTED = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"(?:\{\{[^}]*\}\}|[^\s{:])+")


def cited_paths(text: str) -> list[str]:
    paths = (PATH.match(span) for span in BACKQUOTED.findall(text))
    return [p.group() for p in paths if p and p.group().split("/")[0] in ROOT_ENTRIES]


def missing_paths(text: str) -> list[str]:
    """The cited paths that exist neither in the repository nor, for a rendered project's own
    (`scripts/lineage.py`), under template/ (as rendered: maybe with `.jinja`)."""
    return [
        path
        for path in cited_paths(text)
        if not any((REPO / root / path).exists() for root in ("", "template"))
        and not (REPO / "template" / f"{path}.jinja").exists()
    ]


def test_paths_cited_in_maintaining_exist():
    text = (REPO / "docs" / "maintaining.md").read_text()
    assert len(cited_paths(text)) > 50
    assert missing_paths(text) == []
    # A wrong path is caught.
    assert missing_paths("`extensions/copier_dagster/choice.py` and `tests/test_rendering.py`") == [
        "extensions/copier_dagster/choice.py",
        "tests/test_rendering.py",
    ]


def test_every_question_has_a_row_in_the_tables_of_questions():
    """README.md and docs/questions.md each list the questions in a table: a new question gets
    its row in both (docs/maintaining.md, "Recipe: add a question")."""
    config = yaml.safe_load((REPO / "copier.yml").read_text())
    questions = [name for name in config if not name.startswith("_")]
    for page in ("README.md", "docs/questions.md"):
        text = (REPO / page).read_text()
        first_cells = " ".join(re.findall(r"^\| ([^|]+) \|", text, re.M))
        assert [q for q in questions if f"`{q}`" not in first_cells] == [], page
