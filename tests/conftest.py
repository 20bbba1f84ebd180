from __future__ import annotations

import sys
from pathlib import Path

import pytest

from helpers import (
    COMBINATIONS,
    PYTHONIC_TWIN,
    REPO,
    combination_id,
    installed,
    snapshot_template,
)

# The template's logic is a plain package: import it directly.
sys.path.insert(0, str(REPO / "extensions"))


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as it is in the working tree, committed to a scratch repository."""
    return snapshot_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session", params=COMBINATIONS, ids=combination_id)
def project(request, template, tmp_path_factory) -> dict:
    """A project rendered from the template with BASE_ANSWERS and one of COMBINATIONS (or the
    answers a test's `indirect` parameter gives), installed with `uv sync`; shared by the
    end-to-end modules, whose tests of one project all run on one worker (below)."""
    return installed(request.param, template, tmp_path_factory)


# Modules whose module-scoped fixture renders and installs one project per parameter.
PER_PROJECT = ("tests/test_warehouses_e2e.py",)


# Modules with the longest groups of tests, longest first (measured in docs/performance.md).
LONGEST_FIRST = [
    "tests/test_compose_e2e.py",
    "tests/test_projects_e2e.py",
    "tests/test_first_day_e2e.py",
    "tests/test_landed_files_e2e.py",
    "tests/test_dg_dev_e2e.py",
    "tests/test_update.py",
    "tests/test_render.py",
    "tests/test_warehouses_e2e.py",
]


def pytest_itemcollected(item: pytest.Item) -> None:
    """How the tests are shared out over pytest-xdist's workers (scripts/test.sh runs one per CPU
    with `--dist loadgroup --no-loadscope-reorder`): the tests of one `project` form a group, run
    by one worker whichever module they are in, so that each project is installed once and the
    projects spread over the workers; so do the tests of each parameter in the modules of
    PER_PROJECT; the other tests form one group per module, so its module fixtures (such as the
    render matrix) are built once."""
    module, _, test = item.nodeid.partition("::")
    params = item.callspec.params if hasattr(item, "callspec") else {}
    answers = params.get("project", params.get("twins"))
    if isinstance(answers, dict):  # answers, not another module's string named `project`
        # A components project goes with its pythonic twin, which the style parity compares.
        name = combination_id(answers)
        group = f"project:{combination_id(PYTHONIC_TWIN.get(name, answers))}"
    elif module in PER_PROJECT and "[" in test:
        # No "]" in a group's name: xdist reads the group after the last "@" behind the last "]".
        group = f"{module}:{test[test.index('[') + 1 : -1]}"
    else:
        group = module
    item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The groups go out in the order of collection: the modules of LONGEST_FIRST first, in that
    order, so that no long group is the last to start and keeps one worker busy after the others
    have finished."""
    rank = {module: i for i, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.partition("::")[0], len(rank)))
