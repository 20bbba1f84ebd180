from __future__ import annotations

import json
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Groups for pytest-xdist (`--dist loadgroup`, as scripts/test.sh runs the suite): a
    module's tests share a worker, so its module-scoped fixtures are built once; tests of a
    rendered-and-installed `project` fixture are grouped per project instead, so the projects
    spread over the workers and each is still installed once."""
    for item in items:
        group = item.module.__name__
        callspec = getattr(item, "callspec", None)
        for name in ("project", "cloud_project"):  # test_e2e, test_warehouses_e2e
            if callspec is not None and name in callspec.params:
                group += json.dumps(callspec.params[name], sort_keys=True)
        item.add_marker(pytest.mark.xdist_group(group))
