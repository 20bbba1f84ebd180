"""The scheduled template-update job, for real: its script (`scripts/template-update.sh`, which
the GitHub and GitLab jobs run before opening the pull/merge request) against a scratch template
with two releases. Copier comes from PyPI through `uvx`, as in CI."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import BASE_ANSWERS, CLEAN_ENV, copier_cli, data_args, git

pytestmark = pytest.mark.skipif(not shutil.which("uvx"), reason="needs uvx (uv)")

BOT = {
    "GIT_AUTHOR_NAME": "template-update",
    "GIT_AUTHOR_EMAIL": "bot@example.com",
    "GIT_COMMITTER_NAME": "template-update",
    "GIT_COMMITTER_EMAIL": "bot@example.com",
}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def update_job(project: Path, out: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(
        ["bash", "scripts/template-update.sh", str(out)],
        cwd=project,
        env={**CLEAN_ENV, **BOT},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_update_job_opens_a_branch_with_the_release_and_its_conflicts(template, tmp_path):
    # A scratch clone of the template with its first release.
    upstream = tmp_path / "template"
    subprocess.run(["git", "clone", "-q", str(template), str(upstream)], check=True)
    git("tag", "v0.1.0", cwd=upstream)

    # A project made from v0.1.0, committed, then edited by its team.
    project = tmp_path / "project"
    copied = copier_cli(
        "copy", "--trust", "--defaults", "--vcs-ref", "v0.1.0",
        *data_args({**BASE_ANSWERS, "ci_provider": "github"}), str(upstream), str(project),
    )  # fmt: skip
    assert copied.returncode == 0, copied.stderr
    git("add", "-A", cwd=project)  # the copy's task ran `git init`
    git("commit", "-qm", "Project from the template", cwd=project)
    git("branch", "-M", "main", cwd=project)
    edit(project / "pyproject.toml", "line-length = 100", "line-length = 120")
    git("commit", "-qam", "Longer lines", cwd=project)

    # Up to date: the job says so and writes nothing.
    out = tmp_path / "out"
    quiet = update_job(project, out)
    assert "Up to date" in quiet.stdout
    assert not out.exists()
    assert git("branch", "--show-current", cwd=project) == "main"

    # Release v0.2.0: a README addition (merges cleanly) and the line the team also changed.
    edit(upstream / "template/pyproject.toml.jinja", "line-length = 100", "line-length = 110")
    edit(
        upstream / "template/README.md.jinja",
        "## Working on it\n",
        "## Working on it\n\n- New in v0.2.0: run `uv run dg list defs` after each change.\n",
    )
    git("commit", "-qam", "Release 0.2.0", cwd=upstream)
    git("tag", "v0.2.0", cwd=upstream)

    update_job(project, out)

    branch = (out / "branch").read_text().strip()
    assert branch == "template-update/v0.2.0"
    assert git("branch", "--show-current", cwd=project) == branch
    assert git("status", "--porcelain", cwd=project) == ""
    assert (out / "title.txt").read_text().strip() == (
        "Update from the project template: v0.1.0 -> v0.2.0"
    )
    body = (out / "body.md").read_text()
    assert "Files with conflicts" in body
    assert body.strip().splitlines()[-1] == "- `pyproject.toml`"

    # The commit holds exactly the release: the answers, the README line, the conflict.
    changed = git("diff", "--name-only", "main", "HEAD", cwd=project).splitlines()
    assert sorted(changed) == [".copier-answers.yml", "README.md", "pyproject.toml"]
    assert "_commit: v0.2.0" in (project / ".copier-answers.yml").read_text()
    assert "New in v0.2.0" in (project / "README.md").read_text()
    pyproject = (project / "pyproject.toml").read_text()
    assert "<<<<<<<" in pyproject and ">>>>>>>" in pyproject
    assert "line-length = 120" in pyproject and "line-length = 110" in pyproject

    # A second run finds nothing new.
    shutil.rmtree(out)
    git("checkout", "-q", "main", cwd=project)
    git("merge", "-q", "--no-edit", branch, cwd=project)
    assert "Up to date" in update_job(project, out).stdout
    assert not os.path.exists(out)
