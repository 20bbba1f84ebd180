from __future__ import annotations

import sys
from pathlib import Path

import pytest

from helpers import REPO, snapshot_template

# The template's logic is a plain package: import it directly.
sys.path.insert(0, str(REPO / "extensions"))


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as it is in the working tree, committed to a scratch repository."""
    return snapshot_template(tmp_path_factory.mktemp("template"))
