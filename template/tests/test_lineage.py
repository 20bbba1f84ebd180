"""README.md's lineage diagram is the one scripts/lineage.py draws from the definitions."""

import runpy
from pathlib import Path

LINEAGE = runpy.run_path(str(Path(__file__).parents[1] / "scripts" / "lineage.py"))


def test_readme_shows_the_lineage(defs):
    readme = LINEAGE["README"].read_text()
    assert LINEAGE["redraw"](readme, LINEAGE["diagram"](defs)) == readme, LINEAGE["STALE"]
