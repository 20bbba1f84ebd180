"""Before `copier update`: answer new questions the way the project already behaves.

A question added in a release gets, in projects made before that release, the answer that keeps
what they render unchanged (not the question's default, which is for new projects). Example:
projects made before 0.2.0 load and transform with plain Python; `etl_tools` defaulting to
dlt + dbt would replace their files, and the user's edits to them, on update.

copier.yml runs this script as a `before` migration on every update, in the project's root, with
Copier's own Python (so: standard library, plus PyYAML which Copier depends on).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

# release -> answers that keep a project made before it rendering as it did.
ANSWERS_FOR_OLDER_PROJECTS: dict[str, dict[str, object]] = {
    "0.2.0": {"etl_tools": [], "warehouse": "duckdb", "integration_style": "pythonic"},
    # Projects made before 0.3.0 have the sample data and assets.
    "0.3.0": {"sample": True},
}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("+")[0].split(".")[:3])


def answers_added_since(version: str) -> dict[str, object]:
    """The answers a project made with template `version` gets before updating."""
    added: dict[str, object] = {}
    for release, answers in sorted(
        ANSWERS_FOR_OLDER_PROJECTS.items(), key=lambda r: _version(r[0])
    ):
        if _version(version) < _version(release):
            added.update(answers)
    return added


COPIER_FILE = Path(__file__).resolve().parents[2] / "copier.yml"


def refused_answers(recorded: dict[str, object]) -> dict[str, str]:
    """The project's answers that this release's validators refuse: question -> message.

    Copier re-validates the recorded answers on update and silently replaces a refused one with
    the question's default (a renamed package, other owners). The validators are the filters
    that copier.yml's ``validator:`` expressions name.
    """
    import yaml

    from copier_dagster import validators

    refused = {}
    for question, spec in yaml.safe_load(COPIER_FILE.read_text()).items():
        if question.startswith("_") or question not in recorded:
            continue
        found = re.fullmatch(r"\{\{ (\w+) \| (\w+) \}\}", str(spec.get("validator", "")))
        if not found:
            continue
        message = getattr(validators, found.group(2))(recorded[question])
        if message:
            refused[question] = message
    return refused


def main(root: Path, from_version: str, answers_file: str = ".copier-answers.yml") -> int:
    import yaml

    path = root / answers_file
    recorded = yaml.safe_load(path.read_text()) or {}
    refused = refused_answers(recorded)
    for question, message in refused.items():
        fix = f"set {question} in {answers_file} to a value it accepts"
        if question == "package_name":
            fix += f", move src/{recorded[question]}/ to that name and fix the imports"
        print(
            f"copier update stopped: this release refuses {question}: {recorded[question]!r} "
            f"({message}); {fix}, commit, and update again.",
            file=sys.stderr,
        )
    if refused:
        return 1
    missing = {k: v for k, v in answers_added_since(from_version).items() if k not in recorded}
    if missing:
        with path.open("a") as f:
            f.write(yaml.safe_dump(missing, default_flow_style=False, sort_keys=True))
        print(f"Kept this project's behaviour for new questions: {missing}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main(Path.cwd(), os.environ["VERSION_PEP440_FROM"]))
