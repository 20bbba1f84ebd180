"""Every end-to-end project (tests/conftest.py's `project`: the defaults, the ETL tool subsets
in both styles, the other automation styles and partitionings) installed with `uv sync` as a
user would, then its own toolchain: `dg check defs`, `dg list defs`, its `pytest`, and `dg
launch` of the whole graph offline, with the numbers in the warehouse checked against the sample
data, computed here independently; the validators against Dagster's own rules; a failing asset."""

from __future__ import annotations

import json
import os
import random
import re
import shutil

import pytest

from copier_dagster import validators

from helpers import (
    ALL_ASSETS,
    BASE_ANSWERS,
    CHECKS,
    COMBINATIONS,
    FULL,
    FULL_COMPONENTS,
    NO_DBT_METADATA,
    STRACE,
    combination_id,
    defaults_only,
    expected_by_country,
    outbound_connects,
    query_warehouse,
    run,
)

pytestmark = pytest.mark.e2e


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


@defaults_only
def test_owners_and_cron_follow_dagsters_rule(project):
    """The validators' verdicts on owners and cron strings equal Dagster's own, on a few
    thousand random ones of the form the questions state; and whatever they accept beyond that
    form, Dagster accepts too (they refuse some Dagster takes: cron names, macros, any text
    after team:). Fails when a Dagster upgrade changes its rule."""
    rng = random.Random(13)
    stated_crons, other_crons = cron_corpus(rng)
    stated_owners, other_owners = owner_corpus(rng)
    corpus = {"crons": stated_crons + other_crons, "owners": stated_owners + other_owners}
    result = run(
        [".venv/bin/python", "-c", DAGSTER_VERDICTS], project["dir"], input=json.dumps(corpus)
    )
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


# The defaults' own tests run in tests/test_first_day_e2e.py, after each of the README's steps,
# with dbt's run metadata on (test_pipeline.py checks it there; test_dg_dev_e2e.py, in the UI of
# both styles); here without it (helpers.NO_DBT_METADATA).
OWN_TESTS = [answers for answers in COMBINATIONS if answers]
# Their whole-graph tests (marked `slow`: the whole pipeline, dbt's checks on bad rows) build what
# the launch test below builds in every project, with the same numbers: here they run in the full
# projects of both styles, the other projects run the rest.
WHOLE_GRAPH = [{**BASE_ANSWERS, **FULL}, {**BASE_ANSWERS, **FULL_COMPONENTS}]


@pytest.mark.parametrize(
    "project", OWN_TESTS, indirect=True, ids=[combination_id(c) for c in OWN_TESTS]
)
def test_project_tests_pass(project):
    cmd = ["uv", "run", "pytest", "-q", "-p", "no:cacheprovider"]
    if project["answers"] not in WHOLE_GRAPH:
        cmd += ["-m", "not slow"]
    out = run(cmd, project["dir"], env=NO_DBT_METADATA).stdout
    summary = out.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary, out
    # The only skips: the integration tests on the prod warehouse, saying what they need.
    skipped = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 3, out
    for line in skipped:
        assert "tests/test_integration.py" in line and "prod variables not set" in line, line


# dagster-dbt runs `dbt --version` once per run (DbtCliResource), and dbt's `--version` asks PyPI
# for the latest dbt-core and adapter versions: no setting of dbt-core 1.11 or dagster-dbt 0.29
# turns it off (the rendered README says so). One of two exceptions to "no connection attempt".
DBT_VERSION_CHECK = re.compile(r'"([^"]*/)?dbt", "--version"')
# The Sling binary's update check (cmd/sling/sling_update.go, checkUpdate: a goroutine that GETs
# api.github.com's releases when the clock's second is a multiple of 4, so one run in four): the
# lookup of api.github.com, offline. No setting of Sling 1.4 turns it off (the README says so).
SLING_UPDATE_CHECK = re.compile(r'"([^"]*/)?sling(-[a-z]+-[a-z0-9]+)?", "run", .*')


def test_launch_materializes_the_sample_numbers(project, tmp_path):
    """The whole graph on one partition, with the network cut (`unshare -n`) where the machine
    allows it: nothing is downloaded at run time (dbt packages, DuckDB extensions, telemetry).
    Under strace, where it is installed, every connect() is recorded (the cut network makes it
    fail at once): none may go anywhere but to a Unix socket or loopback, not even a DNS lookup,
    except those of dbt's and Sling's version checks."""
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
        dbt_checks = [a for a in attempts if DBT_VERSION_CHECK.fullmatch(a[0])]
        sling_checks = [
            a for a in attempts if SLING_UPDATE_CHECK.fullmatch(a[0]) and "htons(53)" in a[1]
        ]
        unexpected = [a for a in attempts if a not in dbt_checks + sling_checks]
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


@defaults_only
def test_check_defs_in_prod(project, tmp_path):
    """prod on DuckDB loads from its own variable (placeholder path: nothing opens it)."""
    env = {"ACME_DATA_ENV": "prod", "ACME_DATA_DUCKDB_PROD_DATABASE": str(tmp_path / "prod.duckdb")}
    out = run(["uv", "run", "dg", "check", "defs"], project["dir"], env=env)
    assert "All definitions loaded successfully" in out.stdout + out.stderr
    # dbt parsed with the prod target, into a folder of its own.
    manifest = json.loads((project["dir"] / "dbt/target/prod/manifest.json").read_text())
    assert manifest["metadata"]["adapter_type"] == "duckdb"


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
        launched = run(
            ["uv", "run", "dg", "launch", "--assets", "*", "--partition", "2025-01-01"],
            project["dir"], check=False,
        )  # fmt: skip
    finally:
        broken.unlink()
    log = launched.stdout + launched.stderr
    assert launched.returncode != 0
    assert "Conflicting lock" not in log, log[-5000:]
    failed = set(re.findall(r" - (\w+) - STEP_FAILURE", log))
    # The steps after it wrote their assets (once, `dg launch` logged the summary's
    # materialization and its check, but not its STEP_SUCCESS, before the run's failure).
    materialized = set(re.findall(r" - (\w+) - ASSET_MATERIALIZATION", log))
    assert failed == {"broken"}, log[-5000:]
    assert {"dlt_landing", "dbt_models", "analytics__order_summary"} <= materialized, log[-8000:]
