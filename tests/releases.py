"""The template's releases, as recorded in CHANGELOG.md.

Tags do not travel with every clone, so each release is also written down with its commit, on its
heading line: ``## 0.1.0 (commit <40 hex digits>)``. An ``## Unreleased`` heading above them
collects what the next release will bring. The tests recreate the tags from this record in a
scratch clone and update projects from the previous release to the working tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

CHANGELOG = Path(__file__).resolve().parents[1] / "CHANGELOG.md"

_RELEASE = re.compile(r"^## (?P<version>\S+) \(commit (?P<commit>[0-9a-f]{40})\)$")
_UNRELEASED = "## Unreleased"


@dataclass(frozen=True)
class Release:
    version: str
    commit: str | None  # None: the working tree, not released yet

    @property
    def tag(self) -> str:
        return f"v{self.version}"


def parse_changelog(text: str) -> list[Release]:
    """Every release, newest first; an Unreleased section first, as the next minor version."""
    releases: list[Release] = []
    unreleased = False
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("## "):
            continue
        if line.strip() == _UNRELEASED:
            if releases or unreleased:
                raise ValueError(f"CHANGELOG.md:{number}: '## Unreleased' must come first")
            unreleased = True
            continue
        match = _RELEASE.match(line.strip())
        if not match:
            raise ValueError(
                f"CHANGELOG.md:{number}: a release heading reads "
                f"'## <version> (commit <40 hex digits>)', not {line!r}"
            )
        try:
            version = Version(match["version"])
        except InvalidVersion:
            raise ValueError(f"CHANGELOG.md:{number}: {match['version']} is not PEP 440") from None
        if str(version) != match["version"]:
            raise ValueError(f"CHANGELOG.md:{number}: write {match['version']} as {version}")
        if releases and releases[-1].commit and Version(releases[-1].version) <= version:
            raise ValueError(f"CHANGELOG.md:{number}: releases must be listed newest first")
        releases.append(Release(match["version"], match["commit"]))
    if not releases:
        raise ValueError("CHANGELOG.md records no release")
    if unreleased:
        latest = Version(releases[0].version)
        releases.insert(0, Release(f"{latest.major}.{latest.minor + 1}.0", None))
    return releases


def read(path: Path = CHANGELOG) -> list[Release]:
    return parse_changelog(path.read_text())


def upgrade_path(releases: list[Release]) -> tuple[Release, Release]:
    """(previous release, the working tree's version): what update tests go through.

    The working tree is the Unreleased version when there is one, else the latest release.
    """
    if len(releases) < 2:
        raise ValueError("an upgrade path needs a previous release and a newer version")
    return releases[1], releases[0]
