"""After `copier update`: list the files left with conflicts, and fail while any remain.

Copier merges the template's changes into the project but does not say where it could not: it
leaves conflict markers in the file (``--conflict inline``, the default) or a ``.rej`` file beside
it (``--conflict rej``). copier.yml runs this script as a migration after every update, in the
project's root. Standalone on purpose (standard library only): Copier runs it with its own Python.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# The labels Copier gives `git merge-file`.
MARKERS = ("<<<<<<< before updating", ">>>>>>> after updating")


def _git_paths(root: Path, *args: str) -> list[str]:
    out = subprocess.run(
        ["git", *args, "-z"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    return [p for p in out.split("\0") if p]


def _has_markers(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.startswith(MARKERS) for line in text.splitlines())


def find_conflicts(root: Path) -> dict[str, str]:
    """Path -> what is wrong with it, for every file that still needs a hand merge."""
    conflicts: dict[str, str] = {}
    for path in _git_paths(root, "ls-files", "--cached", "--others", "--exclude-standard"):
        file = root / path
        if path.endswith(".rej") and file.is_file():
            conflicts[path] = f"rejected changes: merge them into {path[:-4]}, then delete it"
        elif file.is_file() and _has_markers(file):
            conflicts[path] = "conflict markers"
    for path in _git_paths(root, "diff", "--name-only", "--relative", "--diff-filter=U"):
        conflicts.setdefault(path, "unmerged in the git index")
    return dict(sorted(conflicts.items()))


def report(conflicts: dict[str, str]) -> str:
    width = max(len(p) for p in conflicts)
    lines = [
        f"copier update left {len(conflicts)} file(s) to merge by hand:",
        *(f"  {path:<{width}}  {why}" for path, why in conflicts.items()),
        "In each, keep the right lines between '<<<<<<< before updating' and "
        "'>>>>>>> after updating' and delete the markers (or merge the .rej file and delete "
        "it); then check `git diff`, run the tests and commit.",
    ]
    return "\n".join(lines)


def main(root: Path | None = None) -> int:
    conflicts = find_conflicts(root or Path.cwd())
    if conflicts:
        print(report(conflicts), file=sys.stderr)
        return 1
    print("copier update: no conflicts left.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
