"""The documentation: README.md stays a short user guide, and the MkDocs site builds strictly."""

import re
import sys

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
