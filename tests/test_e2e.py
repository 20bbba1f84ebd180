"""End to end: rendered projects installed with `uv sync` as a user would, then their own
toolchain: `dg check defs`, `dg list defs`, their `pytest`, `dg launch`, `dg scaffold`, `dg dev`.
The numbers in the warehouse are checked against the sample data, computed here independently."""

from __future__ import annotations

import base64
import csv
import itertools
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import warnings
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from copier_dagster import validators

from dagster_browser import MISSING, binaries, chromium
from dagster_ui import background, dg_dev
from helpers import (
    ALL_ASSETS,
    BASE_ANSWERS,
    CLEAN_ENV,
    COMPONENTS_TOOL_SUBSETS,
    E2E_TOOL_SUBSETS,
    NO_DBT_METADATA,
    REPO,
    STRACE,
    copier_cli,
    data_args,
    expected_by_country,
    outbound_connects,
    query_warehouse,
    run,
    sample_file,
)

pytestmark = pytest.mark.e2e

FULL = {"etl_tools": ["dlt", "sling", "dbt"]}
FULL_COMPONENTS = {"integration_style": "components", **FULL}
# E2E_TOOL_SUBSETS, and COMPONENTS_TOOL_SUBSETS in the components style (the defaults are dlt and
# dbt, pythonic, declarative, daily), then the other automation styles and partitionings, with
# the loaders left out above.
COMBINATIONS = [
    {},
    *({"etl_tools": tools} for tools in E2E_TOOL_SUBSETS if tools != ["dlt", "dbt"]),
    *({"integration_style": "components", "etl_tools": t} for t in COMPONENTS_TOOL_SUBSETS),
    {"automation_style": "schedules", "partitioning": "weekly", "etl_tools": ["sling"]},
    {"automation_style": "sensors", "partitioning": "monthly", "etl_tools": ["dlt", "sling"]},
    {"automation_style": "schedules", "partitioning": "none", "etl_tools": ["dlt"]},
]
CHECKS = {
    ("raw/customers", "has_rows"),
    ("raw/orders", "has_rows"),
    ("raw/customers", "customer_id_is_a_key"),
    ("raw/orders", "order_id_is_a_key"),
    ("staging/stg_customers", "customer_id_is_unique"),
    ("staging/stg_customers", "customer_id_is_not_null"),
    ("staging/stg_orders", "order_id_is_unique"),
    ("staging/stg_orders", "order_id_is_not_null"),
    ("marts/fct_orders", "every_order_has_a_customer"),
    ("analytics/order_summary", "revenue_matches_fct_orders"),
}


def combination_id(answers: dict) -> str:
    if not answers:
        return "defaults"
    return "-".join(
        "+".join(value) or "no-tools"
        if isinstance(value, list)
        else (key if value else f"no-{key}")
        if isinstance(value, bool)
        else value
        for key, value in answers.items()
    )


FIRST_PARTITION = {"daily": "2025-01-01", "weekly": "2025-01-06", "monthly": "2025-01-01"}


# Projects rendered and installed so far, by combination: tests parametrized with a subset of
# COMBINATIONS make pytest set the fixture up again, and then it reuses the installed project.
INSTALLED: dict[str, dict] = {}


@pytest.fixture(scope="module", params=COMBINATIONS, ids=combination_id)
def project(request, template, tmp_path_factory) -> dict:
    name = combination_id(request.param)
    if name in INSTALLED:
        return INSTALLED[name]
    answers = {**BASE_ANSWERS, **request.param}
    dst = tmp_path_factory.mktemp("e2e") / "acme"
    rendered = copier_cli(
        "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", *data_args(answers),
        str(template), str(dst),
    )  # fmt: skip
    assert rendered.returncode == 0, rendered.stderr
    run(["uv", "sync", "--quiet"], dst)
    partitioning = request.param.get("partitioning", "daily")
    INSTALLED[name] = {
        "dir": dst, "answers": answers, "partition": FIRST_PARTITION.get(partitioning)
    }  # fmt: skip
    return INSTALLED[name]


def test_check_defs(project):
    out = run(["uv", "run", "dg", "check", "defs"], project["dir"])
    assert "All definitions loaded successfully" in out.stdout + out.stderr
    if project["answers"].get("integration_style") == "components":
        out = run(["uv", "run", "dg", "check", "yaml"], project["dir"])
        assert "All component YAML validated successfully" in out.stdout + out.stderr


def test_dependency_modules_are_reserved(project):
    """Every top-level module installed in the project (its dependency tree at the pinned
    versions) is a name package_name refuses: a package of that name would shadow it."""
    script = (
        "import importlib.metadata as m, json; print(json.dumps(list(m.packages_distributions())))"
    )
    installed = json.loads(run([".venv/bin/python", "-c", script], project["dir"]).stdout)
    names = {n for n in installed if re.fullmatch(r"[a-z][a-z0-9_]*", n)} - {"acme_data"}
    assert {"dagster", "yaml", "pydantic"} <= names
    missing = sorted(names - validators.RESERVED_PACKAGE_NAMES)
    assert not missing, f"add to {validators.DEPENDENCY_MODULES_FILE.name}: {missing}"


# Dagster's verdict on each owner and cron string, through its public API: AssetSpec(owners=...),
# ScheduleDefinition(cron_schedule=...) and AutomationCondition.on_cron(...).
DAGSTER_VERDICTS = """
import json, sys, warnings
import dagster as dg

warnings.simplefilter("ignore")


def accepts(make):
    try:
        make()
    except Exception:
        return False
    return True


corpus = json.load(sys.stdin)
print(json.dumps({
    "owners": [accepts(lambda: dg.AssetSpec("a", owners=[o])) for o in corpus["owners"]],
    "crons": [
        accepts(lambda: dg.ScheduleDefinition(name="s", cron_schedule=c, job_name="j"))
        and accepts(lambda: dg.AutomationCondition.on_cron(c))
        for c in corpus["crons"]
    ],
}))
"""


def cron_corpus(rng: random.Random) -> tuple[list[str], list[str]]:
    """Cron strings of the form the question states (numbers in range, a-b with a < b, steps
    after * or a-b), February 30 and 31 and steps of 0 often; then others Dagster may accept."""
    ranges = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))

    def part(index: int) -> str:
        low, high = ranges[index]
        if index == 2 and rng.random() < 0.3:
            return rng.choice(["30", "31", "30-31/2", "31,31", "*/30"])
        if index == 3 and rng.random() < 0.4:
            return rng.choice(["2", "2,2", "2-3/2", "1-12/12"])
        a, b = sorted(rng.sample(range(low, high + 1), 2))
        step = rng.choice([0, 1, 2, 5, 7, 15, high + 1])
        return rng.choice(["*", str(a), f"{a}-{b}", f"*/{step}", f"{a}-{b}/{step}"])

    stated = [
        " ".join(",".join(part(i) for _ in range(rng.choice([1, 1, 2]))) for i in range(5))
        for _ in range(1500)
    ]
    stated = [c for c in stated if len(c) <= validators.CRON_MAX]  # the longest it takes
    others = ["@daily", "0 2 * * MON", "0 2 * jan *", "0 2 L * *", "0 2 ? * *", "0 2 * * 1#2"]
    tokens = ["5-2", "0/5", "1-1", "60", "32", "13", "8", "H", "MON-FRI", "L", "*/0", "-1", ""]
    for _ in range(500):
        fields = [rng.choice(["*", "0", "1"]) for _ in range(rng.choice([4, 5, 5, 5, 6]))]
        fields[rng.randrange(len(fields))] = rng.choice(tokens)
        others.append(" ".join(fields))
    return stated, others


def owner_corpus(rng: random.Random) -> tuple[list[str], list[str]]:
    """Emails of random characters (Dagster's pattern is picky about domains and their last
    part) and teams: those the question states, then teams of any text."""

    def text(alphabet: str, most: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, most)))

    emails = [
        text("ab.Z9_%+-'!", 8) + rng.choice(["@", "@@", ""]) + text("ab-.9_", 8)
        + rng.choice([".", ".", "", "-"]) + text("abcZ|9-", 9)
        for _ in range(1500)
    ]  # fmt: skip
    teams = ["team:" + rng.choice("aZ9") + text("aZ9-_.", 12) for _ in range(200)]
    any_text = ["team:" + text("a .-/:@é\t", 6) for _ in range(100)]
    return emails + teams, any_text


@pytest.mark.parametrize("project", [{}], indirect=True, ids=["defaults"])
def test_owners_and_cron_follow_dagsters_rule(project):
    """The validators' verdicts on owners and cron strings equal Dagster's own, on a few
    thousand random ones of the form the questions state; and whatever they accept beyond that
    form, Dagster accepts too (they refuse some Dagster takes: cron names, macros, any text
    after team:). Fails when a Dagster upgrade changes its rule."""
    rng = random.Random(13)
    stated_crons, other_crons = cron_corpus(rng)
    stated_owners, other_owners = owner_corpus(rng)
    corpus = {"crons": stated_crons + other_crons, "owners": stated_owners + other_owners}
    result = subprocess.run(
        [".venv/bin/python", "-c", DAGSTER_VERDICTS], cwd=project["dir"], env=CLEAN_ENV,
        input=json.dumps(corpus), capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    dagster = json.loads(result.stdout)
    ours = {
        "crons": [validators.cron_error(c) == "" for c in corpus["crons"]],
        "owners": [validators.owners_error([o]) == "" for o in corpus["owners"]],
    }
    for kind, stated in (("crons", stated_crons), ("owners", stated_owners)):
        pairs = list(zip(corpus[kind], ours[kind], dagster[kind], strict=True))
        assert not [v for v, mine, theirs in pairs if mine and not theirs], kind
        differ = [v for v, mine, theirs in pairs[: len(stated)] if mine != theirs]
        assert not differ, f"{kind}: {differ[:10]}"
        # Both verdicts occur, so the comparison tells something.
        assert {(mine, theirs) for _, mine, theirs in pairs} >= {(True, True), (False, False)}
    refused = {validators.cron_error(c) for c in stated_crons} - {""}
    assert {"never runs: no February 30 or 31", "minute: step must be >= 1"} <= refused


# The components projects other than the full one are listed by their own pytest
# (test_definitions.py): `dg list defs` once, for the full one, keeps the suite's time down.
LISTED = [c for c in COMBINATIONS if c.get("integration_style") != "components"] + [FULL_COMPONENTS]


@pytest.mark.parametrize("project", LISTED, indirect=True, ids=[combination_id(c) for c in LISTED])
def test_list_defs(project):
    listed = json.loads(run(["uv", "run", "dg", "list", "defs", "--json"], project["dir"]).stdout)
    assert sorted(a["asset_key_parts"] for a in listed["assets"]) == sorted(ALL_ASSETS)
    checks = {(c["asset_key"], c["name"]) for c in listed["asset_checks"]}
    assert checks == CHECKS
    style = project["answers"].get("automation_style", "declarative")
    sensors = {s["name"] for s in listed["sensors"]}
    schedules = {s["name"] for s in listed["schedules"]}
    if style == "declarative":
        assert sensors == {"automation_sensor"} and not schedules
    elif style == "schedules":
        assert not sensors
        assert "refresh_schedule" in schedules
        assert ("order_summary_job_schedule" in schedules) is bool(project["partition"])
    else:
        assert {"landing_sensor", "report_failed_run"} <= sensors and not schedules


def test_project_tests_pass(project):
    out = run(["uv", "run", "pytest", "-q", "-p", "no:cacheprovider"], project["dir"]).stdout
    summary = out.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary, out
    # The only skips: the integration tests on the prod warehouse, saying what they need.
    skipped = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 3, out
    for line in skipped:
        assert "tests/test_integration.py" in line and "prod variables not set" in line, line


# dagster-dbt runs `dbt --version` once per run (DbtCliResource), and dbt's `--version` asks PyPI
# for the latest dbt-core and adapter versions: no setting of dbt-core 1.11 or dagster-dbt 0.29
# turns it off (the rendered README says so). The one exception to "no connection attempt".
DBT_VERSION_CHECK = re.compile(r'"([^"]*/)?dbt", "--version"')


def test_launch_materializes_the_sample_numbers(project, tmp_path):
    """The whole graph on one partition, with the network cut (`unshare -n`) where the machine
    allows it: nothing is downloaded at run time (dbt packages, DuckDB extensions, telemetry).
    Under strace, where it is installed, every connect() is recorded (the cut network makes it
    fail at once): none may go anywhere but to a Unix socket or loopback, not even a DNS lookup,
    except those of dbt's version check."""
    # A fresh warehouse: other tests of the same project may have filled it (a backfill).
    (project["dir"] / "data" / "warehouse.duckdb").unlink(missing_ok=True)
    cmd = [".venv/bin/dg", "launch", "--assets", "*"]
    if project["partition"]:
        cmd += ["--partition", project["partition"]]
    log = tmp_path / "connect.strace"
    if shutil.which("strace"):
        cmd = [*STRACE, "-o", str(log), *cmd]
    elif os.environ.get("CI"):
        pytest.fail("CI must count the launch's connection attempts: it needs strace")
    if os.geteuid() == 0 and shutil.which("unshare"):
        cmd = ["unshare", "-n", *cmd]
    elif os.environ.get("CI"):
        pytest.fail("CI must run the launch offline: it needs root and unshare (unshare -n)")
    run(cmd, project["dir"], env=NO_DBT_METADATA)
    if log.exists():
        attempts = outbound_connects(log.read_text())
        # Not explained yet: in one of two suite runs, threads strace could not tie to their
        # program (`?`) made four DNS lookups in the components Sling-only project, which runs
        # no dbt. Reported as a warning in projects that run Sling until it is (issue 21).
        sling = "dagster-sling" in (project["dir"] / "pyproject.toml").read_text()
        unexplained = [a for a in attempts if sling and a[0] == "?"]
        if unexplained:
            warnings.warn(f"unexplained connection attempts: {unexplained}", stacklevel=1)
        dbt_checks = [a for a in attempts if DBT_VERSION_CHECK.fullmatch(a[0])]
        unexpected = [a for a in attempts if a not in dbt_checks and a not in unexplained]
        assert not unexpected, "connection attempts:\n" + "\n".join(map(str, unexpected))
        # When dbt or dagster-dbt drop the check, this fails: remove DBT_VERSION_CHECK and the
        # rendered README's note on it.
        assert bool(dbt_checks) is (project["dir"] / "dbt").is_dir(), attempts

    marts = query_warehouse(
        project["dir"],
        "SELECT country, COUNT(*), COUNT(DISTINCT customer_id), SUM(amount)"
        " FROM marts.fct_orders GROUP BY country",
    )
    assert {row[0]: row[1:] for row in marts} == expected_by_country()

    summary = query_warehouse(
        project["dir"], "SELECT country, orders, customers, revenue FROM analytics.order_summary"
    )
    if project["partition"]:
        end = {"daily": "2025-01-02", "weekly": "2025-01-13", "monthly": "2025-02-01"}
        partitioning = project["answers"].get("partitioning", "daily")
        expected = expected_by_country(project["partition"], end[partitioning])
    else:
        expected = expected_by_country()
    assert {row[0]: row[1:] for row in summary} == expected


# The tests below need one project each: the defaults, or every tool at once (in each style).
defaults_only = pytest.mark.parametrize("project", [{}], indirect=True, ids=["defaults"])
full_components_only = pytest.mark.parametrize(
    "project", [FULL_COMPONENTS], indirect=True, ids=["components-dlt+sling+dbt"]
)


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


@defaults_only
def test_check_defs_in_prod(project, tmp_path):
    """prod on DuckDB loads from its own variable (placeholder path: nothing opens it)."""
    env = {
        **CLEAN_ENV,
        "ACME_DATA_ENV": "prod",
        "ACME_DATA_DUCKDB_PROD_DATABASE": str(tmp_path / "prod.duckdb"),
    }
    out = subprocess.run(
        ["uv", "run", "dg", "check", "defs"], cwd=project["dir"], env=env, capture_output=True,
        text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert "All definitions loaded successfully" in out.stdout + out.stderr
    # dbt parsed with the prod target, into a folder of its own.
    manifest = json.loads((project["dir"] / "dbt/target/prod/manifest.json").read_text())
    assert manifest["metadata"]["adapter_type"] == "duckdb"


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


def follow_the_checks(root: Path, checks: list[str], env: dict) -> str:
    """The README's checks, as it lists them; a pre-commit run that failed only because a hook
    fixed a file is run again, as it says. What the first pre-commit run said."""
    said = ""
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)  # as a commit would
    for command in checks:
        done = subprocess.run(
            shlex.split(command), cwd=root, env=env, capture_output=True, text=True, timeout=900
        )
        out = done.stdout + done.stderr
        if "pre-commit run" in command:
            said = out
            if done.returncode:
                failed = set(re.findall(r"^- hook id: (\S+)", out, re.M))
                assert failed and failed <= FIXERS, out[-5000:]
                assert "files were modified by this hook" in out, out[-5000:]
                done = subprocess.run(
                    shlex.split(command), cwd=root, env=env, capture_output=True, text=True,
                    timeout=900,
                )  # fmt: skip
                out = done.stdout + done.stderr
        assert done.returncode == 0, f"{command}\n{out[-5000:]}"
        if command.endswith("pytest"):
            assert " failed" not in out.splitlines()[-1], out[-5000:]
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
    check`, `pre-commit run --all-files`, `pytest`) pass: a pre-commit hook redraws the lineage
    diagram, the stub type-checks, the example target selects the scaffolded asset, the dbt
    tests' checks are described."""
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
        said = follow_the_checks(root, checks, env)
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
        follow_the_checks(root, checks, env)
        selected = subprocess.run(
            [".venv/bin/python", "-c", SELECTED_BY_MY_SCHEDULE], cwd=root, env=CLEAN_ENV,
            capture_output=True, text=True, timeout=600, check=True,
        ).stdout.split()  # fmt: skip
        assert "my_asset" in selected, selected

        # A raw source: the landed file, RawCsvTable's defs.yaml, its columns given their types.
        landed.write_text(SHIPMENTS)
        run(shlex.split(readme_says(text, scaffold.format(r"\S+\.RawCsvTable"))), root)
        typed = readme_says(text, r'e\.g\. `(columns: "[^"]+")`')
        source = defs / "ingest" / landed.stem / "defs.yaml"
        source.write_text(re.sub(r"columns: .*", typed, source.read_text()))
        follow_the_checks(root, checks, env)

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
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)


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
        failed = subprocess.run(
            ["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_definitions.py",
             "-k", "lineage_is_one_joined_graph"],
            cwd=root, env=CLEAN_ENV, capture_output=True, text=True, timeout=600,
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
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)


# Started without the sample: defaults otherwise. Not in COMBINATIONS, whose tests check the
# sample's numbers; this project gets the one test below.
NO_SAMPLE = {"sample": False}


@pytest.mark.parametrize("project", [NO_SAMPLE], indirect=True, ids=["no-sample"])
def test_a_project_without_the_sample_is_a_working_skeleton(project):
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
    check = subprocess.Popen(
        [dg, "check", "defs"], cwd=root, env=CLEAN_ENV, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    grown = run(pytest_cmd, root).stdout
    checked = check.communicate(timeout=600)[0]
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
        stale = subprocess.run(
            ["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_lineage.py"],
            cwd=project["dir"], env=CLEAN_ENV, capture_output=True, text=True, timeout=600,
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


BROKEN_ASSET = '''"""A user's asset whose SQL fails halfway through its connection."""

import dagster as dg

from ...warehouse import Warehouse


@dg.asset(deps=[["raw", "orders"]])
def broken(warehouse: Warehouse) -> None:
    with warehouse.get_connection() as conn:
        conn.execute("SELECT * FROM raw.no_such_table")
'''


@defaults_only
def test_a_failing_asset_leaves_the_warehouse_to_the_other_steps(project):
    """Its connection is closed when it raises, so dbt, which runs after it in the same run and
    opens the DuckDB file from a process of its own, is not locked out (before 0.3.0 it was, in
    about one run of three: `Conflicting lock is held`; the rendered test_assets.py checks the
    closing itself, deterministically)."""
    broken = project["dir"] / "src/acme_data/defs/analytics/broken.py"
    broken.write_text(BROKEN_ASSET)
    try:
        launched = subprocess.run(
            ["uv", "run", "dg", "launch", "--assets", "*", "--partition", "2025-01-01"],
            cwd=project["dir"], env=CLEAN_ENV, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    finally:
        broken.unlink()
    log = launched.stdout + launched.stderr
    assert launched.returncode != 0
    assert "Conflicting lock" not in log, log[-5000:]
    failed = set(re.findall(r" - (\w+) - STEP_FAILURE", log))
    succeeded = set(re.findall(r" - (\w+) - STEP_SUCCESS", log))
    assert failed == {"broken"}, log[-5000:]
    assert {"dlt_landing", "dbt_models", "analytics__order_summary"} <= succeeded, log[-8000:]


RUNS = '''"""Every asset run in-process once per set of landed files ({name: base64 of its bytes})
of the JSON on stdin, after a run on the landed files as they are unless earlier tests left the
tables built; with `raw_only`, the raw tables' loaders alone, then again on the good files. The
rows of every table after each run (dlt's and Sling's bookkeeping left out) and the runs'
failures go to the JSON file argv[1]. The good files are put back."""

import base64
import json
import os
import sys

import duckdb

from acme_data import settings
from acme_data.definitions import defs

definitions = defs()
job = definitions.resolve_implicit_global_asset_job_def()
RAW = [key for key in definitions.resolve_all_asset_keys() if key.path[0] == "raw"]


def tables() -> dict[str, list]:
    with duckdb.connect(str(settings.DUCKDB_DATABASE)) as conn:
        columns = conn.execute(
            "SELECT table_schema || '.' || table_name, string_agg(column_name, ', ')"
            " FROM information_schema.columns"
            " WHERE table_schema IN ('raw', 'staging', 'marts', 'analytics')"
            " AND NOT regexp_matches(column_name, '^_(dlt|sling)_')"
            " AND NOT starts_with(table_name, '_dlt_')"
            " GROUP BY ALL"
        ).fetchall()
        return {t: conn.execute(f"SELECT {c} FROM {t} ORDER BY ALL").fetchall() for t, c in columns}


def launch(partition: str | None, raw_only: bool = False) -> dict:
    os.chdir(settings.PROJECT_ROOT)  # Sling reads `file://data/landing/`: dbt may leave it
    if raw_only:
        result = job.execute_in_process(asset_selection=RAW, raise_on_error=False)
    else:
        result = job.execute_in_process(partition_key=partition, raise_on_error=False)
    failures = [e.step_failure_data.error.message for e in result.get_step_failure_events()]
    return {"success": result.success, "failures": failures, "tables": tables()}


partition, runs = json.loads(sys.stdin.read())
built = "analytics.order_summary" in tables()
outcomes = [{"success": True, "tables": tables()} if built else launch(partition)]
for run in runs:
    good = {name: (settings.LANDING_DIR / name).read_bytes() for name in run["files"]}
    try:
        for name, content in run["files"].items():
            (settings.LANDING_DIR / name).write_bytes(base64.b64decode(content))
        outcomes.append(launch(partition, run.get("raw_only", False)))
    finally:
        for name, content in good.items():
            (settings.LANDING_DIR / name).write_bytes(content)
    if run.get("raw_only"):
        assert launch(partition, raw_only=True)["success"]
with open(sys.argv[1], "w") as f:
    json.dump(outcomes, f, default=str)
'''


def launch_runs(project: dict, runs: list[dict], tmp_path: Path) -> list[dict]:
    """RUNS in the project's own Python: the outcome of the run on the good files, then of each
    run (`files`: {name: bytes}, `raw_only`)."""
    outcomes = tmp_path / "outcomes.json"
    payload = [
        {**run, "files": {n: base64.b64encode(b).decode() for n, b in run["files"].items()}}
        for run in runs
    ]
    ran = subprocess.run(
        [".venv/bin/python", "-c", RUNS, str(outcomes)], cwd=project["dir"],
        env={**CLEAN_ENV, "ACME_DATA_DBT_RUN_METADATA": "false"},  # quicker dbt runs
        input=json.dumps([project["partition"], payload]), capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    return json.loads(outcomes.read_text())


def bad_file(table: str, problem: str) -> tuple[str, bytes, str]:
    """A sample file broken one way: its name, its bytes, and what the error says (its line, and
    the column and the value where it has them)."""
    rows = landed(table)
    header, date = rows[0], next(i for i, name in enumerate(rows[0]) if name.endswith("_date"))
    text = next(i for i, name in enumerate(header) if name in ("name", "status"))
    encoding = "utf-8"
    if problem == "missing column":
        rows, said = [row[:-1] for row in rows], f"line 1: no column {header[-1]}"
    elif problem == "extra column":
        rows = [[*row, "note" if i == 0 else "x"] for i, row in enumerate(rows)]
        said = "line 1: column 'note' is not declared"
    elif problem == "empty file":
        rows, said = [], "line 1: the file is empty"
    elif problem == "bad date":
        rows[2][date] = "2025-02-30"
        said = f"line 3, column {header[date]}: '2025-02-30' is not of type date"
    elif problem == "repeated key":
        rows[3][0] = rows[1][0]
        said = f"line 4, column {header[0]}: the key '{rows[1][0]}' is repeated"
    elif problem == "not UTF-8":
        rows[2][text], encoding = "d\u00e9j\u00e0 vu", "latin-1"
        said = "line 3: the file is not UTF-8"
    else:  # no number: the amount of orders, with an invisible character, shown escaped
        rows[2][-1] = "12\u200b"
        said = f"line 3, column {header[-1]}: '12\\u200b' is not of type decimal"
    content = "".join(",".join(row) + "\n" for row in rows).encode(encoding)
    return f"{table}.csv", content, said


PROBLEMS = [
    "missing column", "extra column", "empty file", "bad date", "repeated key", "no number",
    "not UTF-8",
]  # fmt: skip


# Runs on bad files: every problem on the plain Python loader (raw_csv_asset, RawCsvTable's) with
# plain SQL, which runs quickly; one run on two bad files, orders by dlt and customers by Sling,
# in each style. The rendered project's tests try every problem on check_file.
@pytest.mark.parametrize(
    ("project", "bad_runs"),
    [
        ({"etl_tools": []}, [{"orders": problem} for problem in PROBLEMS]),
        (FULL, [{"orders": "extra column", "customers": "empty file"}]),
        (FULL_COMPONENTS, [{"orders": "not UTF-8", "customers": "repeated key"}]),
    ],
    indirect=["project"],
    ids=["no-tools", "dlt+sling+dbt", "components-dlt+sling+dbt"],
)
def test_a_bad_landed_file_stops_the_run_and_changes_no_table(project, bad_runs, tmp_path):
    """A landed file missing a column, with one too many, empty, with a value not of its column's
    type, a repeated key, or not UTF-8: the run fails naming the file, the line, the column and
    the value, and every table (raw, staging, marts, the summary's partition) holds the rows it
    held before."""
    bad = [[bad_file(table, problem) for table, problem in run.items()] for run in bad_runs]
    runs = [{"files": {name: content for name, content, _ in run}} for run in bad]
    good, *outcomes = launch_runs(project, runs, tmp_path)
    assert good["success"] and good["tables"]["analytics.order_summary"], good
    for broken, problems, outcome in zip(bad, bad_runs, outcomes, strict=True):
        assert not outcome["success"], f"{problems}: the run succeeded"
        assert outcome["tables"] == good["tables"], outcome["failures"]
        for name, _, said in broken:
            [message] = [m for m in outcome["failures"] if f"landing/{name}" in m]
            assert f"landing/{name}, {said}" in message, message
            assert message.rstrip().endswith("The tables are unchanged: fix the file."), message


# The sample files as spreadsheets write them: a byte-order mark, CRLF line ends, quoted values
# holding commas, quotes and a line break (LF, as spreadsheets write one inside a cell), empty
# values quoted or not, spaces kept, one blank line at the end. Every loader loads the same rows.
REAL_WORLD = {
    "customers.csv": (
        "\ufeffcustomer_id,name,country,signup_date\r\n"
        '1,"Lovelace, Ada ""the first""\nline two",DE,2024-11-01\r\n'
        '2,,"",2024-11-02\r\n'
        "3, Alan Turing ,US,2024-11-03\r\n"
        "\r\n"
    ),
    "orders.csv": (
        "\ufefforder_id,customer_id,order_date,status,amount\r\n"
        '1001,1,2025-01-01,"completed, ""late""",234.88\r\n'
        "1002,3,2025-01-01,,97.92\r\n"
        "\r\n"
    ),
}
REAL_WORLD_ROWS = {
    "raw.customers": [
        ["1", 'Lovelace, Ada "the first"\nline two', "DE", "2024-11-01"],
        ["2", None, None, "2024-11-02"],
        ["3", " Alan Turing ", "US", "2024-11-03"],
    ],
    "raw.orders": [
        ["1001", "1", "2025-01-01", 'completed, "late"', "234.88"],
        ["1002", "3", "2025-01-01", None, "97.92"],
    ],
}


@pytest.mark.parametrize(
    "project",
    [{"etl_tools": []}, FULL, FULL_COMPONENTS],
    indirect=True,
    ids=["no-tools", "dlt+sling+dbt", "components-dlt+sling+dbt"],
)
def test_real_world_files_load_the_same_rows_in_every_loader(project, tmp_path):
    """The plain Python loader (both tables), dlt (orders) and Sling (customers), in each style,
    load the files spreadsheets write with the same rows: the values as written, NULL where
    empty; then the good files again."""
    files = {name: text.encode() for name, text in REAL_WORLD.items()}
    _, outcome = launch_runs(project, [{"files": files, "raw_only": True}], tmp_path)
    assert outcome["success"], outcome["failures"]
    for table, rows in REAL_WORLD_ROWS.items():
        assert outcome["tables"][table] == rows, table


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
        failed = subprocess.run(
            ["uv", "run", "dg", "check", "defs"], cwd=root, env=CLEAN_ENV, capture_output=True,
            text=True, timeout=600,
        )  # fmt: skip
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
        return subprocess.run(
            ["uv", "run", "pre-commit", "run", *args], cwd=cwd, env=env, capture_output=True,
            text=True, timeout=300,
        )  # fmt: skip

    subprocess.run(["git", "add", "-A"], cwd=cwd, check=True)
    clean = pre_commit("--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "ty check" in clean.stdout and "ruff check" in clean.stdout
    assert subprocess.run(["git", "diff", "--exit-code"], cwd=cwd).returncode == 0

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


def graph_nodes(text: str) -> dict[str, str]:
    """The asset graph's nodes in the text of its page: asset name -> its checks' line."""
    return dict(re.findall(r"^(\w+)\nLatest event\n(?:.*\n)?Asset checks\n(.+)$", text, re.M))


@defaults_only
def test_ui_in_a_browser(project, tmp_path):
    """`dg dev` in headless Chromium, once the first day is materialized: the asset graph with
    every asset and its checks, the daily summary's page, its partitions (the first day's revenue)
    and its check. The screenshots are kept (dagster_browser.SCREENSHOTS; the template's CI
    uploads them)."""
    if not binaries():
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    # One instance for `dg dev` and `dg launch` (without DAGSTER_HOME, each has a temporary one).
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(project["dir"] / "dagster.yaml", home)
    env = {**CLEAN_ENV, "DAGSTER_HOME": str(home)}
    # The launch tests above left the upstream tables in the warehouse; run alone, build them too.
    built = (project["dir"] / "data" / "warehouse.duckdb").exists()
    launch = [".venv/bin/dg", "launch", "--partition", "2025-01-01"]
    launch += ["--assets", "analytics/order_summary" if built else "*"]

    # Each asset's node, with its checks: "<passed> / <count> Passed", or a dash for none.
    checks = {key[-1]: sum(a == "/".join(key) for a, _ in CHECKS) for key in ALL_ASSETS}
    shown = {name: f" / {n} Passed" if n else "\N{EN DASH}" for name, n in checks.items()}
    shown["order_summary"] = "1 / 1 Passed"  # the launch ran it, and its check

    def graph_shows_every_asset(text: str) -> bool:
        nodes = graph_nodes(text)
        return all(nodes.get(name, "").endswith(line) for name, line in shown.items())

    partitions = (datetime.now(UTC).date() - date(2025, 1, 1)).days  # up to yesterday, UTC
    summary = "/assets/analytics/order_summary"
    day = expected_by_country("2025-01-01", "2025-01-02").values()
    revenue = str(sum(Decimal(r) for _, _, r in day))  # in the materialization's metadata

    # The instance's storage is created first, then `dg launch` runs while `dg dev` starts.
    instance = "import dagster; dagster.DagsterInstance.get()"
    subprocess.run([".venv/bin/python", "-c", instance], cwd=project["dir"], env=env, check=True)
    log = tmp_path / "launch.log"
    with (
        background(launch, project["dir"], env, log) as launched,
        dg_dev(project["dir"], env, tmp_path / "dg-dev.log") as ui,
        chromium(ui.base_url) as page,
    ):
        assert launched.wait(timeout=600) == 0, log.read_text()[-5000:]

        page.open("/asset-groups", "Global asset lineage")
        page.show_whole_graph()
        page.wait_until(graph_shows_every_asset, f"the assets and their checks {shown}")
        page.screenshot("asset-graph")

        page.open(summary, "Latest materialization", "2025-01-01", "Latest check results")
        page.screenshot("order-summary")
        page.open(
            f"{summary}?view=partitions&partition=2025-01-01", f"{partitions} Partitions",
            "Materialized (1)", f"Missing ({partitions - 1})", "Failed (0)",
            "2025-01-01\nMaterialized", revenue,
        )  # fmt: skip
        page.screenshot("order-summary-partitions")
        page.open(f"{summary}?view=checks", "revenue_matches_fct_orders", "Passed")
        page.screenshot("order-summary-checks")


GIT_URL = "https://github.com/acme/acme-data"
GROUPS = {"raw": "ingest", "staging": "transform", "marts": "transform", "analytics": "analytics"}


def landed(table: str) -> list[list[str]]:
    """The sample file of a raw table, header first."""
    with sample_file(f"{table}.csv").open(newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize(
    "project",
    [{}, FULL_COMPONENTS],
    indirect=True,
    ids=["defaults", "components-dlt+sling+dbt"],
)
def test_dg_dev_shows_every_asset_documented(project, tmp_path):
    """What the Dagster UI shows, read through `dg dev`'s GraphQL API: every asset with its
    description, owners, kinds, group, table, columns and a link to its code in the git repository,
    every check described; dbt's tables with row counts and column lineage after a run, and
    without them after a run with the project's one setting turned off."""
    home = tmp_path / "dagster_home"  # one instance for the runs and dg dev
    home.mkdir()
    shutil.copy(project["dir"] / "dagster.yaml", home)
    env = {**CLEAN_ENV, "DAGSTER_HOME": str(home)}
    (project["dir"] / "data" / "warehouse.duckdb").unlink(missing_ok=True)
    launch = [".venv/bin/dg", "launch", "--assets"]
    run([*launch, "*", "--partition", "2025-01-01"], project["dir"], env=env)
    run([*launch, "marts/fct_orders"], project["dir"], env={**env, **NO_DBT_METADATA})
    git = {"ACME_DATA_GIT_URL": GIT_URL, "ACME_DATA_GIT_BRANCH": "release"}
    with dg_dev(project["dir"], {**env, **git}, tmp_path / "dg-dev.log") as ui:
        assets = ui.asset_nodes()
    assert sorted(assets) == sorted("/".join(key) for key in ALL_ASSETS)
    checks = set()
    for name, asset in assets.items():
        assert asset["description"], name
        assert asset["owners"] == [{"team": "data-eng"}], name
        assert asset["groupName"] == GROUPS[name.split("/")[0]], name
        assert "duckdb" in asset["kinds"] and len(asset["kinds"]) >= 2, name
        metadata = asset["metadata"]
        assert metadata["dagster/table_name"]["text"].endswith(name.replace("/", ".")), name
        columns = metadata["dagster/column_schema"]["schema"]["columns"]
        assert columns and all(column["name"] and column["type"] for column in columns), name
        if name.startswith("raw/"):
            # The columns of the landed file, with the types their text parses as.
            header = landed(name.removeprefix("raw/"))[0]
            assert [column["name"] for column in columns] == header, name
            assert {c["type"] for c in columns} <= {"integer", "text", "date", "decimal"}, name
        references = metadata["dagster/code_references"]["codeReferences"]
        assert references and {r["__typename"] for r in references} == {"UrlCodeReference"}
        for reference in references:
            path = reference["url"].removeprefix(f"{GIT_URL}/tree/release/").split("#L")[0]
            assert (project["dir"] / path).is_file(), reference
        for check in asset["assetChecksOrError"]["checks"]:
            assert check["description"], (name, check["name"])
            checks.add((name, check["name"]))
    assert checks == CHECKS

    completed = sum(orders for orders, _, _ in expected_by_country().values())
    rows = {"marts/fct_orders": completed, "marts/dim_customers": len(landed("customers")) - 1}
    # fct_orders, newest first: built again with the setting off, and in the whole graph.
    off, on = assets["marts/fct_orders"]["materializations"]
    assert off and not {"dagster/row_count", "dagster/column_lineage"} & set(off)
    built = {"marts/fct_orders": on}
    built |= {
        n: assets[n]["materializations"][0] for n in ("marts/dim_customers", "staging/stg_orders")
    }
    for name, metadata in built.items():
        assert metadata["dagster/column_schema"]["schema"]["columns"], name
        assert metadata["dagster/column_lineage"]["lineage"], name
        if name in rows:  # tables: dagster-dbt counts no rows of views (staging)
            assert metadata["dagster/row_count"]["intValue"] == rows[name], name


@full_components_only
def test_backfill_from_dg_dev(project, tmp_path):
    """Backfills of the summary from `dg dev`: one of a day, then one of five days, which is ONE
    run (the asset's single-run backfill policy) and writes each day's rows as the runs of one
    day each did (the launch's day and the first backfill's), with the sample's numbers."""
    warehouse = project["dir"] / "data" / "warehouse.duckdb"
    # The test above left the first day and its upstream tables; run alone, build them.
    if not warehouse.exists():
        launch = [".venv/bin/dg", "launch", "--assets", "*", "--partition", "2025-01-01"]
        run(launch, project["dir"], env=NO_DBT_METADATA)
    summary_sql = (
        "SELECT CAST(period_start AS VARCHAR), country, orders, customers, revenue"
        " FROM analytics.order_summary ORDER BY 1, 2"
    )
    days = ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05"]
    log = tmp_path / "dg-dev.log"
    with dg_dev(project["dir"], CLEAN_ENV, log) as ui:
        one_day = ui.backfill([["analytics", "order_summary"]], days[1:2])
        status, runs = ui.wait_for_backfill(one_day, 600, runs_expected=1)
        assert [r["status"] for r in runs] == ["SUCCESS"], log.read_text()[-5000:]
        single_runs = query_warehouse(project["dir"], summary_sql)
        assert {row[0] for row in single_runs} == set(days[:2]), single_runs
        # The backfill must write these rows again, not find them.
        query_warehouse(project["dir"], "DELETE FROM analytics.order_summary", read_only=False)
        backfill = ui.backfill([["analytics", "order_summary"]], days)
        # Until the backfill is finished (the daemon's next tick): every run it starts counts.
        status, runs = ui.wait_for_backfill(backfill, 600)
    assert status == "COMPLETED_SUCCESS", log.read_text()[-5000:]
    assert len(runs) == 1 and runs[0]["status"] == "SUCCESS", runs
    tags = {tag["key"]: tag["value"] for tag in runs[0]["tags"]}
    assert tags["dagster/asset_partition_range_start"] == days[0], tags
    assert tags["dagster/asset_partition_range_end"] == days[-1], tags
    summary = query_warehouse(project["dir"], summary_sql)
    assert [row for row in summary if row[0] in days[:2]] == single_runs
    for day, next_day in itertools.pairwise([*days, "2025-01-06"]):
        rows = {row[1]: row[2:] for row in summary if row[0] == day}
        assert rows == expected_by_country(day, next_day), day
