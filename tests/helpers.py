"""Helpers shared by the template's tests: a clean snapshot of the template, rendering, running."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COPIER = [sys.executable, "-m", "copier"]

# Answers that identify the defaults project in every test.
BASE_ANSWERS = {"project_name": "Acme Data"}

# Variables that would make a rendered project's tools reach outside the test.
CLEAN_ENV = {
    key: value
    for key, value in os.environ.items()
    if not key.startswith(("VIRTUAL_ENV", "PYTEST_", "UV_PROJECT", "DAGSTER_HOME"))
}


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def snapshot_template(dst: Path) -> Path:
    """Commit the working tree (tracked and untracked, not ignored files) to a fresh repository.

    Tests render from it with ``vcs_ref="HEAD"``, so they see uncommitted edits and still get a
    real ``_commit``, as a user rendering a release would.
    """
    files = git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=REPO)
    for name in filter(None, files.split("\0")):
        src = REPO / name
        if src.is_file():
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / name)
    git("init", "-q", "-b", "main", cwd=dst)
    git("add", "-A", cwd=dst)
    git("commit", "-q", "-m", "snapshot", cwd=dst)
    return dst


def copier_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*COPIER, *args], cwd=cwd, capture_output=True, text=True, env=CLEAN_ENV, timeout=300
    )


def data_args(answers: dict) -> list[str]:
    """`-d key=value` arguments; lists as YAML flow sequences (JSON), as Copier parses them."""
    args = []
    for key, value in answers.items():
        args += ["-d", f"{key}={value if isinstance(value, str) else json.dumps(value)}"]
    return args
