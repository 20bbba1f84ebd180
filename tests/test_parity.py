"""Parity of the two integration styles: for the end-to-end projects with a tool
(helpers.COMBINATIONS: every ingest and transform variant, every automation style; without a
tool both styles render the same code), the project rendered with `integration_style=pythonic` and
the one rendered with `components` load the same assets and asset checks with the same specs
(deps, group, owners, kinds, tags, metadata keys, automation, freshness, description, code
version; check name, asset, blocking, description).

Both projects are the end-to-end ones (tests/conftest.py's `project`, which groups each
components project with its pythonic twin on one worker, helpers.PYTHONIC_TWIN). Both get the
same user additions to the dbt project (a seed and a snapshot) for the time of the dump, since a
translator that only handles models passes on the template's own dbt files alone. Each dumps its
specs with its own Python, as JSON.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import COMBINATIONS, PYTHONIC_TWIN, combination_id, installed, run

pytestmark = pytest.mark.e2e

# A user's dbt additions beyond models: a seed and a snapshot (dbt 1.9+ YAML form: `relation`
# instead of a `{% snapshot %}` SQL block, which dbt 1.11 still reads as the legacy form).
USER_DBT_FILES = {
    "dbt/seeds/country_codes.csv": "country_code,country_name\nDE,Germany\nFR,France\n",
    "dbt/snapshots/customers_snapshot.yml": """\
snapshots:
  - name: customers_snapshot
    description: Customers as they were, one row per version.
    relation: ref('stg_customers')
    config:
      schema: snapshots
      unique_key: customer_id
      strategy: check
      check_cols: all
""",
}

# Metadata that Dagster adds to whatever a defs.yaml component builds (the code reference to the
# defs.yaml and the component object; dagster/components/core/defs_module.py): what declares an
# asset, not what it is.
STYLE_METADATA = {"dagster/code_references", "dagster/component_origin"}

# Run by the project's Python in the project: the specs of the loaded definitions, as JSON.
DUMP_SPECS = """
import contextlib, hashlib, json, sys

import dagster as dg

with contextlib.redirect_stdout(sys.stderr):  # dbt parse and friends: stdout is the dump's
    from acme_data.definitions import defs

    d = defs()
    specs = d.resolve_all_asset_specs()
    graph = d.resolve_asset_graph()

STYLE_METADATA = set(json.loads(sys.argv[1]))


def condition(c):
    if c is None:
        return None
    digest = hashlib.sha256(dg.serialize_value(c).encode()).hexdigest()[:12]
    return f"{c.get_label() or type(c).__name__} (serialized sha256 {digest})"


assets = {
    spec.key.to_user_string(): {
        "deps": sorted(dep.asset_key.to_user_string() for dep in spec.deps),
        "group_name": spec.group_name,
        "owners": sorted(spec.owners),
        "kinds": sorted(spec.kinds),
        "tags": dict(sorted(spec.tags.items())),
        "metadata_keys": sorted(set(spec.metadata) - STYLE_METADATA),
        "automation_condition": condition(spec.automation_condition),
        "freshness_policy": spec.freshness_policy
        and dg.serialize_value(spec.freshness_policy),
        "has_description": bool(spec.description),
        "code_version": spec.code_version,
    }
    for spec in specs
}
checks = {}
for key in graph.asset_check_keys:
    spec = graph.get_check_spec(key)
    checks[f"{key.asset_key.to_user_string()}:{key.name}"] = {
        "name": spec.name,
        "asset_key": spec.asset_key.to_user_string(),
        "blocking": spec.blocking,
        "has_description": bool(spec.description),
    }
print(json.dumps({"assets": assets, "checks": checks}, sort_keys=True))
"""


def dump(project: Path, tmp_path: Path) -> dict:
    """The specs of the project's definitions with the user's dbt additions, which are taken out
    again after, dbt's target folder put back as it was: the project's other tests expect its own
    assets only."""
    dbt, saved = project / "dbt", tmp_path / "target"
    if dbt.is_dir():
        if (dbt / "target").is_dir():
            shutil.copytree(dbt / "target", saved, symlinks=True)
        for name, text in USER_DBT_FILES.items():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            (project / name).write_text(text)
    try:
        python = str(project / ".venv/bin/python")
        out = run([python, "-c", DUMP_SPECS, json.dumps(sorted(STYLE_METADATA))], project).stdout
    finally:
        if dbt.is_dir():
            for name in USER_DBT_FILES:
                (project / name).unlink()
            shutil.rmtree(dbt / "target", ignore_errors=True)
            if saved.is_dir():
                shutil.copytree(saved, dbt / "target", symlinks=True)
    return json.loads(out)


COMPONENTS = [answers for answers in COMBINATIONS if combination_id(answers) in PYTHONIC_TWIN]


@pytest.fixture(scope="module", params=COMPONENTS, ids=combination_id)
def twins(request, template, tmp_path_factory) -> dict[str, dict]:
    """The specs dumped by a components project and by its pythonic twin."""
    pythonic = PYTHONIC_TWIN[combination_id(request.param)]
    return {
        style: dump(
            installed(answers, template, tmp_path_factory)["dir"],
            tmp_path_factory.mktemp(f"parity-{style}"),
        )
        for style, answers in (("pythonic", pythonic), ("components", request.param))
    }


def differences(kind: str, pythonic: dict, components: dict) -> list[str]:
    """One line per key only in one style, and per field that differs between the styles."""
    lines = []
    for key in sorted(pythonic.keys() - components.keys()):
        lines.append(f"{kind} {key}: only in pythonic")
    for key in sorted(components.keys() - pythonic.keys()):
        lines.append(f"{kind} {key}: only in components")
    for key in sorted(pythonic.keys() & components.keys()):
        for field, left in pythonic[key].items():
            right = components[key].get(field)
            if left == right:
                continue
            if isinstance(left, list) and isinstance(right, list):
                only = {
                    "pythonic": sorted(set(left) - set(right)),
                    "components": sorted(set(right) - set(left)),
                }
                shown = ", ".join(
                    f"only in {style} {items}" for style, items in only.items() if items
                )
            else:
                shown = f"pythonic {left!r} vs components {right!r}"
            lines.append(f"{kind} {key}: {field}: {shown}")
    return lines


def test_same_asset_specs_in_both_styles(twins):
    found = differences("asset", twins["pythonic"]["assets"], twins["components"]["assets"])
    if found:
        pytest.fail("the styles' asset specs differ:\n" + "\n".join(found), pytrace=False)


def test_same_check_specs_in_both_styles(twins):
    found = differences("check", twins["pythonic"]["checks"], twins["components"]["checks"])
    if found:
        pytest.fail("the styles' check specs differ:\n" + "\n".join(found), pytrace=False)
