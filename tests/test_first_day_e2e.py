"""A user's first day, on installed projects: the README's "Working on it" steps followed as
written, with the checks it lists after each; one's own dbt project brought in; a project started
without the sample; the lineage diagram redrawn; tables added to dlt and Sling; a component
scaffolded; the pre-commit hooks."""

from __future__ import annotations

import csv
import json
import re
import shlex
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from dagster_ui import background
from helpers import (
    CLEAN_ENV,
    FULL,
    FULL_COMPONENTS,
    NO_DBT_METADATA,
    REPO,
    defaults_only,
    expected_by_country,
    full_components_only,
    query_warehouse,
    run,
)

pytestmark = pytest.mark.e2e


def scaffold_new_source(project: Path) -> Path:
    """`dg scaffold defs` of the project component RawCsvTable, as a platform team's user would."""
    run(
        ["uv", "run", "dg", "scaffold", "defs", "acme_data.components.RawCsvTable",
         "ingest/new_source", "--key", "source_id"],
        project,
    )  # fmt: skip
    folder = project / "src/acme_data/defs/ingest/new_source"
    assert "table: new_source" in (folder / "defs.yaml").read_text()
    return folder


def assert_new_source_in(listed: dict) -> None:
    assert ["raw", "new_source"] in [a["asset_key_parts"] for a in listed["assets"]]
    checks = {c["name"] for c in listed["asset_checks"] if c["asset_key"] == "raw/new_source"}
    assert checks == {"has_rows", "source_id_is_a_key"}


def working_on_it(readme: str) -> tuple[str, str]:
    """The README's "Working on it" section: after its block of checks with its lines joined,
    and as it is."""
    section = readme.split("\n## Working on it\n")[1].split("\n## ")[0]
    return re.sub(r"\n\s*", " ", section.split("```", 2)[2]), section


def readme_says(text: str, pattern: str) -> str:
    found = re.search(pattern, text)
    assert found, f"the README's Working on it no longer says {pattern!r}"
    return found[1]


# The checks the README's Working on it lists (test_the_readmes_steps_end_green reads them there).
README_CHECKS = [
    "uv run dg check defs", "uv run ty check", "uv run pre-commit run --all-files", "uv run pytest"
]  # fmt: skip
# Hooks that fix files: a run in which one changes a file fails, the next passes (the README).
FIXERS = {"lineage", "ruff-format", "trailing-whitespace", "end-of-file-fixer", "mixed-line-ending"}


def follow_the_checks(root: Path, checks: list[str], env: dict, *, slow: bool = True) -> str:
    """The README's checks, as it lists them; a pre-commit run that failed only because a hook
    fixed a file is run again, as it says. What the first pre-commit run said. Without `slow`,
    pytest leaves out the whole-graph runs (`-m "not slow"`): a later step's full run covers
    what they build."""
    said = ""
    run(["git", "add", "-A"], root)  # as a commit would
    for command in checks:
        is_pytest = command.endswith("pytest")
        if is_pytest and not slow:
            command += " -m 'not slow'"
        done = run(shlex.split(command), root, env=env, timeout=900, check=False)
        out = done.stdout + done.stderr
        if "pre-commit run" in command:
            said = out
            if done.returncode:
                failed = set(re.findall(r"^- hook id: (\S+)", out, re.M))
                assert failed and failed <= FIXERS, out[-5000:]
                assert "files were modified by this hook" in out, out[-5000:]
                done = run(shlex.split(command), root, env=env, timeout=900, check=False)
                out = done.stdout + done.stderr
        assert done.returncode == 0, f"{command}\n{out[-5000:]}"
        if is_pytest:
            assert " failed" not in out.splitlines()[-1], out[-5000:]
            # The only skips: the integration tests on the prod warehouse, saying what they need.
            skipped = [line for line in out.splitlines() if line.startswith("SKIPPED")]
            for line in skipped:
                assert "tests/test_integration.py" in line and "prod variables not set" in line
    return said


def give_a_docstring(scaffolded: Path, docstring: str) -> None:
    """The README's step after `dg scaffold defs dagster.asset`: a docstring as the first line of
    the stub's body (`...`, which stays)."""
    stub = scaffolded.read_text()
    assert stub.rstrip().endswith(": ..."), stub
    scaffolded.write_text(stub.rstrip().removesuffix(" ...") + f"\n    {docstring}\n    ...\n")


COUNTRY_REVENUE_SQL = """select country, count(*) as orders, sum(amount) as revenue
from {{ ref('fct_orders') }}
group by country
"""
# Ordinary dbt tests, without a description or meta: their checks are described in words.
COUNTRY_REVENUE_YML = """models:
  - name: country_revenue
    description: Completed orders and revenue per country.
    columns:
      - name: country
        data_type: text
        data_tests: [unique, not_null]
      - name: orders
        data_type: bigint
      - name: revenue
        data_type: decimal(38, 2)
"""
SHIPMENTS = "shipment_id,shipped_on,weight,carrier\n1,2025-01-02,1.5,post\n2,2025-01-03,20,rail\n"


@defaults_only
def test_the_readmes_steps_end_green(project, tmp_path):
    """The README's "Working on it" steps followed as written, their commands taken from it: an
    asset scaffolded by dg and given a docstring, a schedule and a sensor targeting the README's
    example selection, a landed file made a raw table by RawCsvTable, a dbt model with ordinary
    tests (no description, no meta). After each, the README's checks (`dg check defs`, `ty
    check`, `pre-commit run --all-files`, `pytest`; its whole-graph tests after the last step,
    which builds what every step added) pass: a pre-commit hook
    redraws the lineage diagram, the stub type-checks, the example target selects the scaffolded
    asset, the dbt tests' checks are described."""
    root = project["dir"]
    readme_path = root / "README.md"
    readme = readme_path.read_text()
    text, section = working_on_it(readme)
    checks = [
        line.split("#")[0].strip()
        for line in section.split("```bash\n")[1].split("```")[0].splitlines()
    ]
    assert checks == README_CHECKS
    env = {**CLEAN_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit")}
    defs = root / "src/acme_data/defs"
    landed = root / "data/landing" / readme_says(text, r"put `(\w+\.csv)` in the landing folder")
    models = root / readme_says(text, r"\(e\.g\. `(dbt/models/\w+/)`\)")
    added = [defs / "my_schedule.py", defs / "my_sensor.py", defs / "analytics/my_asset.py"]
    added += [landed, models / "country_revenue.sql", models / "country_revenue.yml"]
    try:
        # An asset, scaffolded, with a docstring: its stub type-checks.
        scaffold = r"`(uv run dg scaffold defs {} [^`]+)`"
        run(shlex.split(readme_says(text, scaffold.format(r"dagster\.asset"))), root)
        docstring = readme_says(text, r'e\.g\. `("""[^`]+""")` as its first line')
        give_a_docstring(added[2], docstring)
        said = follow_the_checks(root, checks, env, slow=False)
        assert "redraw the lineage" in said
        assert "my_asset" in readme_path.read_text().split("```mermaid")[1]

        # A schedule and a sensor, their targets the README's example.
        target = readme_says(text, r"e\.g\. `(target=dg\.AssetSelection[^`]+)`")
        for kind in ("schedule", "sensor"):
            run(shlex.split(readme_says(text, scaffold.format(rf"dagster\.{kind}"))), root)
        for path, scaffolded in [(added[0], 'target="*"'), (added[1], "target=None")]:
            code = path.read_text()
            assert scaffolded in code, code
            path.write_text(code.replace(scaffolded, target))
        follow_the_checks(root, checks, env, slow=False)
        selected = run([".venv/bin/python", "-c", SELECTED_BY_MY_SCHEDULE], root).stdout.split()
        assert "my_asset" in selected, selected

        # A raw source: the landed file, RawCsvTable's defs.yaml, its columns given their types.
        landed.write_text(SHIPMENTS)
        run(shlex.split(readme_says(text, scaffold.format(r"\S+\.RawCsvTable"))), root)
        typed = readme_says(text, r'e\.g\. `(columns: "[^"]+")`')
        source = defs / "ingest" / landed.stem / "defs.yaml"
        source.write_text(re.sub(r"columns: .*", typed, source.read_text()))
        follow_the_checks(root, checks, env, slow=False)

        # A dbt model with ordinary tests.
        added[4].write_text(COUNTRY_REVENUE_SQL)
        added[5].write_text(COUNTRY_REVENUE_YML)
        follow_the_checks(root, checks, env)
        listed = json.loads(run(["uv", "run", "dg", "list", "defs", "--json"], root).stdout)
        described = {
            c["name"]: c["description"]
            for c in listed["asset_checks"]
            if c["asset_key"] == "marts/country_revenue"
        }
        assert described == {
            "unique_country_revenue_country": "`country` of `country_revenue` is unique.",
            "not_null_country_revenue_country": "`country` of `country_revenue` is never null.",
        }
        diagram = readme_path.read_text().split("```mermaid")[1]
        for name in ("my_asset", f"raw/{landed.stem}", "marts/country_revenue"):
            assert name in diagram, diagram
    finally:
        for path in added:
            path.unlink(missing_ok=True)
        shutil.rmtree(defs / "ingest" / landed.stem, ignore_errors=True)
        readme_path.write_text(readme)
        run(["git", "add", "-A"], root)


# The assets the schedule the README's steps add runs.
SELECTED_BY_MY_SCHEDULE = """
import warnings
warnings.simplefilter("ignore")
from acme_data.definitions import defs

definitions = defs()
job = definitions.resolve_job_def(definitions.resolve_schedule_def("my_schedule").job_name)
print(*sorted(key.to_user_string() for key in job.asset_layer.selected_asset_keys))
"""


SHOP_DBT = REPO / "tests" / "data" / "shop_dbt"
# Some of its ordinary dbt tests, and the words that describe their checks.
SHOP_CHECKS = [
    ("main_staging/shop_orders",
     "relationships_shop_orders_customer_id__customer_id__ref_shop_customers_",
     "`customer_id` of `shop_orders` is a `customer_id` of `shop_customers`."),
    ("main_staging/shop_orders",
     "accepted_values_shop_orders_status__completed__cancelled__returned",
     "`status` of `shop_orders` is one of 'completed', 'cancelled', 'returned'."),
    ("main_staging/shop_customers", "not_null_shop_customers_country_code",
     "`country_code` of `shop_customers` is never null."),
    ("main_finance/revenue_by_region", "unique_revenue_by_region_region",
     "`region` of `revenue_by_region` is unique."),
]  # fmt: skip


@pytest.mark.parametrize(
    "project", [{}, FULL_COMPONENTS], indirect=True, ids=["defaults", "components-dlt+sling+dbt"]
)
def test_your_own_dbt_project_replaces_the_sample(project, tmp_path):
    """The README's steps to bring one's own dbt project (tests/data/shop_dbt: a seed, marts in
    two schemas, a snapshot, dbt's default generate_schema_name, ordinary dbt tests without
    description or meta), followed as written: the project's test names the asset still on a
    sample model and the file to delete; the steps delete only the sample's files, then the
    README's checks pass without a test file edited; the asset keys are the relations dbt
    writes, seeds and snapshots carry the project's group, owners and automation, the tests'
    checks are described, and a launch builds those relations."""
    root = project["dir"]
    readme = (root / "README.md").read_text()
    saved = {name: tmp_path / "saved" / name for name in ("dbt", "tests", "src/acme_data/defs")}
    for name, copy in saved.items():
        shutil.copytree(root / name, copy, symlinks=True)
    warehouse = root / "data" / "warehouse.duckdb"
    if warehouse.exists():
        shutil.copy2(warehouse, tmp_path / "saved" / warehouse.name)
    env = {**CLEAN_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit")}
    try:
        # 1. The models, macros, seeds and snapshots replaced; dbt_project.yml with our profile.
        named = re.search(r"with `(profile: \w+)`", readme)
        assert named, "the README's dbt section says which profile your dbt_project.yml names"
        profile = named[1]
        for folder in ("models", "macros"):
            shutil.rmtree(root / "dbt" / folder)
        for folder in ("models", "macros", "seeds", "snapshots"):
            shutil.copytree(SHOP_DBT / folder, root / "dbt" / folder)
        ours = (SHOP_DBT / "dbt_project.yml").read_text()
        (root / "dbt/dbt_project.yml").write_text(re.sub(r"profile: \w+", profile, ours))
        # The project's test names what still depends on a sample model, and the fix.
        failed = run(
            ["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_definitions.py",
             "-k", "lineage_is_one_joined_graph"],
            root, check=False,
        )  # fmt: skip
        assert failed.returncode == 1, failed.stdout
        summary = "src/acme_data/defs/analytics/summary.py"
        assert (
            "analytics/order_summary depends on marts/fct_orders, which nothing builds: point its"
            f" deps at your asset, or delete {summary} and its tests"
        ) in failed.stdout, failed.stdout
        # 3. The sample's summary and the sample's own tests deleted, as the README lists them;
        # the tests of the conventions stay.
        step = " ".join(
            readme.split("\n3. Delete the sample's summary")[1].split("\n4. ")[0].split()
        )
        deleted = re.findall(r"`((?:src|tests)/[\w/]+\.py)`", step)
        assert deleted[0] == summary and "tests/test_sample.py" in deleted, step
        for path in deleted:
            (root / path).unlink()
        kept = sorted(p.name for p in (root / "tests").glob("*.py"))
        assert "test_definitions.py" in kept and "test_lineage.py" in kept, kept
        # 4. The README's checks, every test file as it was rendered.
        follow_the_checks(root, README_CHECKS, env)
        for path in (root / "tests").glob("*.py"):
            assert path.read_text() == (saved["tests"] / path.name).read_text(), path
        # Every dbt asset is keyed by its relation; its tests' checks are described in words.
        listed = json.loads(run(["uv", "run", "dg", "list", "defs", "--json"], root).stdout)
        assets = {asset["asset_key"]: asset for asset in listed["assets"]}
        dbt_assets = {key: asset for key, asset in assets.items() if "dbt" in asset["kinds"]}
        assert set(dbt_assets) == {
            "main_staging/shop_customers", "main_staging/shop_orders",
            "main_reference/country_regions", "main_history/customer_countries",
            "main_finance/revenue_by_region", "main_reporting/region_share",
        }  # fmt: skip
        assert set(assets) - set(dbt_assets) == {"raw/customers", "raw/orders"}
        assert assets["main_staging/shop_orders"]["dependency_keys"] == ["raw/orders"]
        assert (
            "main_reference/country_regions"
            in (assets["main_finance/revenue_by_region"]["dependency_keys"])
        )
        for key, asset in dbt_assets.items():
            assert asset["group_name"] == "transform", key
            assert asset["owners"] == assets["raw/orders"]["owners"] != [], key
            assert asset["automation_condition"]["label"] == "eager", key
        described = {(c["asset_key"], c["name"]): c["description"] for c in listed["asset_checks"]}
        for key, check, description in SHOP_CHECKS:
            assert described[(key, check)] == description, described
        # The relations exist where the keys say, with the numbers of the landed files.
        warehouse.unlink(missing_ok=True)
        run(["uv", "run", "dg", "launch", "--assets", "*"], root, env=NO_DBT_METADATA)
        relations = query_warehouse(
            root,
            "SELECT table_schema || '/' || table_name FROM information_schema.tables"
            " WHERE table_schema LIKE 'main_%'",
        )
        assert {row[0] for row in relations} == set(dbt_assets)
        with (SHOP_DBT / "seeds/country_regions.csv").open() as f:
            region = {row["country_code"]: row["region"] for row in csv.DictReader(f)}
        expected: dict[str, list] = {}
        for country, (orders, _, revenue) in expected_by_country().items():
            totals = expected.setdefault(region[country], [0, Decimal(0)])
            totals[0] += orders
            totals[1] += Decimal(revenue)
        built = query_warehouse(
            root, "SELECT region, orders, revenue FROM main_finance.revenue_by_region"
        )
        assert {row[0]: [row[1], Decimal(row[2])] for row in built} == expected
    finally:
        for name, copy in saved.items():
            shutil.rmtree(root / name)
            shutil.copytree(copy, root / name, symlinks=True)
        warehouse.unlink(missing_ok=True)
        if (tmp_path / "saved" / warehouse.name).exists():
            shutil.copy2(tmp_path / "saved" / warehouse.name, warehouse)
        (root / "README.md").write_text(readme)
        run(["git", "add", "-A"], root)


# Started without the sample: defaults otherwise. Not in COMBINATIONS, whose tests check the
# sample's numbers; this project gets the one test below.
NO_SAMPLE = {"sample": False}


@pytest.mark.parametrize("project", [NO_SAMPLE], indirect=True, ids=["no-sample"])
def test_a_project_without_the_sample_is_a_working_skeleton(project, tmp_path):
    """No sample data, asset or test of sample numbers; lint, `dg check defs` and the tests of
    the conventions pass on the empty graph; then the README's "Working on it" steps (an asset
    scaffolded by dg, a landed file made a raw table by RawCsvTable, the lineage redrawn) give a
    graph of exactly those assets, which passes `dg check defs` and the same tests."""
    root = project["dir"]
    package = root / "src/acme_data"
    assert [p.name for p in (root / "data/landing").iterdir()] == ["README.md"]
    assert not list((root / "dbt/models").rglob("*.*"))
    sample = ["defs/analytics/summary.py", "defs/ingest/checks.py", "defs/ingest/dlt_pipeline.py"]
    assert [name for name in sample if (package / name).exists()] == []
    assert not (root / "tests/sample_data.py").exists()
    assert not (root / "tests/test_pipeline.py").exists()
    # The project's own tools, without `uv run`'s check of the environment before each.
    ruff, dg, python = (str(root / ".venv/bin" / name) for name in ("ruff", "dg", "python"))
    for command in ([ruff, "check"], [ruff, "format", "--check"], [dg, "check", "defs"]):
        run(command, root)
    pytest_cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    empty = run(pytest_cmd, root).stdout
    # The conventions' tests, on the empty graph: all run, none skipped.
    assert re.fullmatch(r"\d+ passed in .*", empty.splitlines()[-1]), empty

    run([dg, "scaffold", "defs", "dagster.asset", "analytics/my_asset.py"], root)
    give_a_docstring(package / "defs/analytics/my_asset.py", '"""What my asset holds."""')
    (root / "data/landing/shipments.csv").write_text("shipment_id,carrier\n1,post\n2,rail\n")
    run(
        [dg, "scaffold", "defs", "acme_data.components.RawCsvTable",
         "ingest/shipments", "--key", "shipment_id"],
        root,
    )  # fmt: skip
    run([python, "scripts/lineage.py"], root)
    readme = (root / "README.md").read_text()
    diagram = readme.split("```mermaid\n")[1].split("```")[0]
    nodes = set(re.findall(r'\["([^"<]+)', diagram))
    assert nodes == {"my_asset", "raw/shipments"}, diagram
    # `dg check defs` beside the tests (neither writes what the other reads: the manifest of the
    # dbt project is fresh), which now run over these assets: owners, code, the table's columns.
    log = tmp_path / "check-defs.log"
    with background([dg, "check", "defs"], root, CLEAN_ENV, log) as check:
        grown = run(pytest_cmd, root).stdout
        check.wait(timeout=600)
    checked = log.read_text()
    assert check.returncode == 0 and "All definitions loaded successfully" in checked, checked
    assert re.fullmatch(r"\d+ passed in .*", grown.splitlines()[-1]), grown


TOP_CUSTOMERS_SQL = "select customer_id, revenue from {{ ref('dim_customers') }} limit 10\n"
TOP_CUSTOMERS_YML = """models:
  - name: top_customers
    description: Ten customers and their revenue.
    columns:
      - name: customer_id
        data_type: integer
      - name: revenue
        data_type: decimal(38, 2)
"""


TOP_CUSTOMERS = """import dagster as dg


@dg.asset(key=["analytics", "top_customers"], deps=[["marts", "dim_customers"]], kinds={"sql"})
def top_customers() -> None: ...
"""


@defaults_only
def test_readme_lineage_goes_stale_and_is_redrawn(project):
    """The e2e combinations' own pytest shows the rendered diagram is the drawn one; here, an
    asset added makes it stale: the project's test fails naming the command, which redraws it."""
    readme = project["dir"] / "README.md"
    rendered = readme.read_text()
    new_asset = project["dir"] / "src/acme_data/defs/analytics/top_customers.py"
    new_asset.write_text(TOP_CUSTOMERS)
    try:
        stale = run(
            ["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_lineage.py"],
            project["dir"], check=False,
        )  # fmt: skip
        assert stale.returncode == 1, stale.stdout[-3000:]
        assert "is stale: run `uv run python scripts/lineage.py`" in stale.stdout, stale.stdout
        run(["uv", "run", "python", "scripts/lineage.py"], project["dir"])
        redrawn = readme.read_text()
        # The new asset in a box of its own (it has no group) with its arrow; the rest as it was.
        expected = rendered.replace(
            "  subgraph ingest\n",
            "  subgraph default\n"
            '    analytics_top_customers["analytics/top_customers<br>sql"]\n'
            "  end\n"
            "  subgraph ingest\n",
        ).replace(
            "  marts_fct_orders --> analytics_order_summary\n",
            "  marts_dim_customers --> analytics_top_customers\n"
            "  marts_fct_orders --> analytics_order_summary\n",
        )
        assert expected != rendered
        assert redrawn == expected
    finally:
        new_asset.unlink(missing_ok=True)
        readme.write_text(rendered)


@full_components_only
def test_project_component_scaffolds_a_new_source(project):
    listed = run(["uv", "run", "dg", "list", "components", "--json"], project["dir"]).stdout
    keys = {item["key"] for item in json.loads(listed)["items"]}
    own = {
        "acme_data.components.dbt_models.DbtModels",
        "acme_data.components.raw_csv_table.RawCsvTable",
        "acme_data.components.dlt_loads.DltLoads",
        "acme_data.components.sling_loads.SlingLoads",
    }
    # The project's own classes, and the stock components its defs.yaml files use.
    assert (
        own
        | {
            "dagster_sling.SlingReplicationCollectionComponent",
            "dagster_dbt.DbtProjectComponent",
        }
        <= keys
    )
    assert {key for key in keys if key.startswith("acme_data.")} == own
    new_source = scaffold_new_source(project["dir"])
    try:
        out = run(["uv", "run", "dg", "check", "defs"], project["dir"])
        assert "All definitions loaded successfully" in out.stdout + out.stderr
        listed = json.loads(
            run(["uv", "run", "dg", "list", "defs", "--json"], project["dir"]).stdout
        )
        assert_new_source_in(listed)
    finally:
        shutil.rmtree(new_source)


# A table each for dlt and Sling: its landed file and its contract (columns with their types, key).
NEW_TABLES = {
    "shipments": ("shipment_id,order_id,shipped_on\n1,1,2025-01-02\n2,2,2025-01-03\n",
                  "shipment_id integer, order_id integer, shipped_on date", "shipment_id"),
    "returns": ("return_id,order_id,reason\n1,3,damaged\n",
                "return_id integer, order_id integer, reason text", "return_id"),
}  # fmt: skip
SLING_STREAM = """  file://data/landing/returns.csv:
    object: raw.returns
    columns:
      "*": string
"""


@pytest.mark.parametrize(
    "project",
    [FULL, FULL_COMPONENTS],
    indirect=True,
    ids=["dlt+sling+dbt", "components-dlt+sling+dbt"],
)
def test_a_table_added_to_dlt_and_sling_as_the_readme_says(project):
    """The README's steps: `shipments` added to dlt's TABLES, `returns` to Sling's replication,
    their files landed. Until their contracts are in LANDED, `dg check defs` fails naming it and
    its file; then both load, with the raw tables' checks, and the project's tests pass."""
    root = project["dir"]
    readme = " ".join((root / "README.md").read_text().split())
    assert readme.count("its landed file's columns and key to `LANDED` in `ingest/checks.py`") == 2
    ingest = root / "src/acme_data/defs/ingest"
    components = project["answers"].get("integration_style") == "components"
    dlt_tables = ingest / ("dlt_pipeline/loads.py" if components else "dlt_pipeline.py")
    sling = ingest / (
        "sling_replication/replication.yaml" if components else "sling_replication.py"
    )
    checks = ingest / "checks.py"
    kept = {path: path.read_text() for path in (dlt_tables, sling, checks, root / "README.md")}
    try:
        for table, (text, _, _) in NEW_TABLES.items():
            (root / "data/landing" / f"{table}.csv").write_text(text)
        dlt_tables.write_text(
            kept[dlt_tables].replace('TABLES = ["orders"]', 'TABLES = ["orders", "shipments"]')
        )
        sling.write_text(
            kept[sling] + SLING_STREAM
            if components
            else kept[sling].replace('TABLES = ["customers"]', 'TABLES = ["customers", "returns"]')
        )
        assert kept[dlt_tables] != dlt_tables.read_text() and kept[sling] != sling.read_text()
        failed = run(["uv", "run", "dg", "check", "defs"], root, check=False)
        said = " ".join((failed.stdout + failed.stderr).split())
        assert failed.returncode != 0
        assert f": add its file's columns and key to LANDED in {checks}" in said, said[-3000:]
        contracts = "".join(
            f'    "{table}": {{"columns": "{columns}", "key": "{key}"}},\n'
            for table, (_, columns, key) in NEW_TABLES.items()
        )
        checks.write_text(kept[checks].replace("LANDED = {\n", "LANDED = {\n" + contracts))
        listed = json.loads(run(["uv", "run", "dg", "list", "defs", "--json"], root).stdout)
        for table, (_, _, key) in NEW_TABLES.items():
            on_table = [
                c["name"] for c in listed["asset_checks"] if c["asset_key"] == f"raw/{table}"
            ]
            assert sorted(on_table) == ["has_rows", f"{key}_is_a_key"], table
        launched = run(
            ["uv", "run", "dg", "launch", "--assets", "key:raw/shipments or key:raw/returns"], root
        )
        assert "RUN_SUCCESS" in launched.stdout + launched.stderr
        for table, (text, _, _) in NEW_TABLES.items():
            rows = query_warehouse(root, f"SELECT COUNT(*) FROM raw.{table}")
            assert rows == [[len(text.splitlines()) - 1]], table
        run(["uv", "run", "python", "scripts/lineage.py"], root)  # as the README says
        run(["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow"], root)
    finally:
        for path, text in kept.items():
            path.write_text(text)
        for table in NEW_TABLES:
            (root / "data/landing" / f"{table}.csv").unlink(missing_ok=True)


@defaults_only
def test_pre_commit_passes_and_catches(project, tmp_path):
    """The rendered pre-commit hooks pass on the fresh project and change nothing, with the
    project's own tools and no hook repository to clone; on bad files they fix what they can
    (whitespace, end of file) and fail on what they cannot (a type error)."""
    env = {**CLEAN_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit")}
    cwd = project["dir"]

    def pre_commit(*args: str) -> subprocess.CompletedProcess:
        return run(["uv", "run", "pre-commit", "run", *args], cwd, env=env, check=False)

    run(["git", "add", "-A"], cwd)
    clean = pre_commit("--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "ty check" in clean.stdout and "ruff check" in clean.stdout
    run(["git", "diff", "--exit-code"], cwd)

    notes, bad = cwd / "notes.txt", cwd / "src/acme_data/scratch.py"
    notes.write_text("trailing spaces   \nno newline at the end")
    bad.write_text('COUNT: int = "three"\n')
    try:
        caught = pre_commit("--files", "notes.txt", "src/acme_data/scratch.py")
        fixed = notes.read_text()
    finally:
        notes.unlink()
        bad.unlink()
    out = caught.stdout + caught.stderr
    assert caught.returncode == 1, out
    assert fixed == "trailing spaces\nno newline at the end\n"
    assert "invalid-assignment" in out and "scratch.py" in out, out
