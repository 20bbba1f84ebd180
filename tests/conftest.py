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


# Modules whose module-scoped fixture renders and installs one project per parameter.
PER_PROJECT = ("tests/test_e2e.py", "tests/test_parity.py", "tests/test_warehouses_e2e.py")


# Modules with the longest groups of tests, longest first (measured in docs/performance.md).
LONGEST_FIRST = [
    "tests/test_compose_e2e.py",
    "tests/test_e2e.py",
    "tests/test_update.py",
    "tests/test_render.py",
    "tests/test_warehouses_e2e.py",
]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """How the tests are shared out over pytest-xdist's workers (scripts/test.sh runs one per CPU
    with `--dist loadgroup --no-loadscope-reorder`): a module's tests form one group, run by one
    worker, so its module fixtures are built once; in the modules of PER_PROJECT, the tests of
    each parameter (one rendered, installed project) do, so the projects spread over the workers
    and each is still installed once. The groups go out in the order of collection: the modules
    of LONGEST_FIRST first, in that order, so that no long group is the last to start and keeps
    one worker busy after the others have finished."""
    rank = {module: i for i, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.partition("::")[0], len(rank)))
    for item in items:
        module, _, test = item.nodeid.partition("::")
        per_project = module in PER_PROJECT and "[" in test
        # No "]" in a group's name: xdist reads the group after the last "@" behind the last "]".
        group = f"{module}:{test[test.index('[') + 1 : -1]}" if per_project else module
        item.add_marker(pytest.mark.xdist_group(group))
