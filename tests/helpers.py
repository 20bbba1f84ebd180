"""Helpers shared by the template's tests: a clean snapshot of the template, rendering, running."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
COPIER = [sys.executable, "-m", "copier"]
RUFF = [sys.executable, "-m", "ruff"]

# Every asset of the example pipeline, in every combination of answers.
ALL_ASSETS = [
    ["raw", "customers"], ["raw", "orders"], ["staging", "stg_customers"],
    ["staging", "stg_orders"], ["marts", "fct_orders"], ["marts", "dim_customers"],
    ["analytics", "order_summary"],
]  # fmt: skip

# Answers that identify the defaults project in every test.
BASE_ANSWERS = {"project_name": "Acme Data"}
# The end-to-end projects (tests/conftest.py's `project` fixture). Together they run every
# variant of the ingest and transform files (the render matrix renders every tool set): each
# loader alone loading both tables (plain Python, dlt, Sling), dlt and Sling sharing them, each
# followed by dbt or by the plain-SQL models; and every automation style and partitioning. Those
# with a tool run in the components style too, with the same other answers: the style parity
# compares the two (tests/test_parity.py; without a tool both styles render the same code).
FULL = {"etl_tools": ["dlt", "sling", "dbt"]}
FULL_COMPONENTS = {"integration_style": "components", **FULL}
SLING_WEEKLY = {"automation_style": "schedules", "partitioning": "weekly", "etl_tools": ["sling"]}
DBT_MONTHLY = {"automation_style": "sensors", "partitioning": "monthly", "etl_tools": ["dbt"]}
COMBINATIONS = [
    {},  # dlt and dbt, declarative, daily
    {"etl_tools": []},
    FULL,
    SLING_WEEKLY,
    DBT_MONTHLY,
    {"automation_style": "schedules", "partitioning": "none", "etl_tools": ["dlt"]},
    *(
        {"integration_style": "components", **answers}
        for answers in ({"etl_tools": ["dlt", "dbt"]}, FULL, SLING_WEEKLY, DBT_MONTHLY)
    ),
]
FIRST_PARTITION = {"daily": "2025-01-01", "weekly": "2025-01-06", "monthly": "2025-01-01"}


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


# The pythonic twin of each components project, for the style parity (tests/test_parity.py):
# the same tools, every other answer the same.
PYTHONIC_TWIN = {
    combination_id(answers): {k: v for k, v in answers.items() if k != "integration_style"}
    for answers in COMBINATIONS
    if answers.get("integration_style") == "components"
}
PYTHONIC_TWIN["components-dlt+dbt"] = {}  # dlt and dbt are the defaults'


# Tests that need one project each: the defaults, or every tool at once in the components style.
defaults_only = pytest.mark.parametrize("project", [{}], indirect=True, ids=["defaults"])
full_components_only = pytest.mark.parametrize(
    "project", [FULL_COMPONENTS], indirect=True, ids=["components-dlt+sling+dbt"]
)
# The asset checks of the sample pipeline, in every combination of answers.
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

# Some machines (this CI image among them) set PYTHONDONTWRITEBYTECODE: every `dg` command, run
# worker and pytest of a rendered project would then recompile all of Dagster (3.5 s each).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

# Variables that would make a rendered project's tools reach outside the test.
CLEAN_ENV = {
    key: value
    for key, value in os.environ.items()
    if not key.startswith(("VIRTUAL_ENV", "PYTEST_", "UV_PROJECT", "DAGSTER_HOME"))
}
# For launches that check tables, not dbt's run metadata (row counts, column schemas and lineage:
# about 5 s of CPU a run). The metadata stays on in the projects' own tests (test_pipeline.py
# checks it) and where test_dg_dev_e2e.py checks what the UI shows.
NO_DBT_METADATA = {"ACME_DATA_DBT_RUN_METADATA": "false"}


def run(
    cmd: list[str],
    cwd: Path | None = None,
    *,
    env: dict | None = None,
    timeout: float = 600,
    check: bool = True,
    input: str | None = None,
    base: dict = CLEAN_ENV,
    user: int | None = None,
    group: int | None = None,
) -> subprocess.CompletedProcess:
    """The one way the tests run a command: in `cwd`, with `env` over `base` (CLEAN_ENV, or an
    image's exact environment; a value of None unsets a variable), as `user` and `group` if
    given (ids: the PostgreSQL server as its system user), text output captured. With
    `check` (the default) it must succeed, or the message ends with what it wrote. A command
    still running after `timeout` is killed with every process it started (a hung Sling and its
    DuckDB CLI would keep the warehouse file locked for the tests after it)."""
    cmd = [str(part) for part in cmd]
    with subprocess.Popen(
        cmd, cwd=cwd, stdin=subprocess.PIPE if input else None,
        env={k: v for k, v in {**base, **(env or {})}.items() if v is not None},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        user=user, group=group,
    ) as process:  # fmt: skip
        try:
            out, err = process.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate()
            raise AssertionError(
                f"{' '.join(cmd)}: killed after {timeout} s\n{out[-3000:]}\n{err[-5000:]}"
            ) from None
    assert not check or process.returncode == 0, f"{' '.join(cmd)}\n{out[-3000:]}\n{err[-5000:]}"
    return subprocess.CompletedProcess(cmd, process.returncode, out, err)


# Projects rendered and installed so far in this process, by combination: pytest sets the
# `project` fixture up again when its parameter changes, and then it reuses the installed project.
INSTALLED: dict[str, dict] = {}


def installed(answers: dict, template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The project of `answers` (over BASE_ANSWERS), rendered and installed once per worker."""
    name = combination_id(answers)
    if name not in INSTALLED:
        dst = tmp_path_factory.mktemp("e2e") / "acme"
        run(["uv", "sync", "--quiet"], copy(template, dst, {**BASE_ANSWERS, **answers}))
        partition = FIRST_PARTITION.get(answers.get("partitioning", "daily"))
        INSTALLED[name] = {
            "dir": dst,
            "answers": {**BASE_ANSWERS, **answers},
            "partition": partition,
        }
    return INSTALLED[name]


# strace of every process a command starts, stopped only at connect() (seccomp filter: the
# command runs at nearly full speed) and execve() (which command made each attempt).
STRACE = [
    "strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=connect,execve,clone,clone3,vfork",
    "-e", "signal=none", "-s", "300",
]  # fmt: skip
LOOPBACK = re.compile(r'inet_addr\("127\.|inet_pton\(AF_INET6, "(::1|::ffff:127\.)')
# The end of a clone/clone3/vfork call, in one line or resumed: the new thread's or process's id.
CLONED = re.compile(r"(<\.\.\. )?(clone3?|vfork)\b.*= (\d+)$")


def outbound_connects(log: str) -> list[tuple[str, str]]:
    """(command, call) of each connect() in an STRACE log to an address that is neither a Unix
    socket nor loopback: a DNS lookup, or a connection out. The command is the argv its process
    ran: a thread's or a forked child's is its parent's (`?` if none is in the log)."""
    parents = {}
    for line in log.splitlines():
        pid, _, call = line.partition(" ")
        if cloned := CLONED.match(call.strip()):
            parents[cloned.group(3)] = pid
    commands: dict[str, str] = {}
    attempts = []
    for line in log.splitlines():
        pid, _, call = line.partition(" ")
        call = call.strip()
        if call.startswith("execve("):
            argv = re.search(r"\[(.*?)\]", call)
            commands[pid] = argv.group(1) if argv else call
        elif call.startswith("connect(") and "AF_UNIX" not in call and not LOOPBACK.search(call):
            seen = {pid}  # up the clones to the process that ran a program
            while pid not in commands and parents.get(pid) not in (None, *seen):
                pid = parents[pid]
                seen.add(pid)
            attempts.append((commands.get(pid, "?"), call))
    return attempts


def query_warehouse(project: Path, sql: str, read_only: bool = True) -> list[list]:
    """Run SQL on the project's DuckDB file with the project's own Python and duckdb."""
    script = (
        "import duckdb, json, sys\n"
        f"conn = duckdb.connect('data/warehouse.duckdb', read_only={read_only})\n"
        "print(json.dumps(conn.execute(sys.argv[1]).fetchall(), default=str))\n"
    )
    out = run([str(project / ".venv/bin/python"), "-c", script, sql], project).stdout
    return json.loads(out)


def sample_file(name: str) -> Path:
    """A sample landed file as the template holds it (rendered only with the sample)."""
    return REPO / "template" / "data" / "landing" / name


def landed(table: str) -> list[list[str]]:
    """The sample file of a raw table, header first."""
    with sample_file(f"{table}.csv").open(newline="") as f:
        return list(csv.reader(f))


def expected_by_country(start: str = "", end: str = "~") -> dict[str, list]:
    """Completed orders, distinct customers and revenue per country from the sample CSV files."""
    with sample_file("customers.csv").open() as f:
        country = {
            r["customer_id"].strip(): r["country"].strip().upper() for r in csv.DictReader(f)
        }
    totals: dict[str, list] = defaultdict(lambda: [0, set(), Decimal(0)])
    with sample_file("orders.csv").open() as f:
        for r in csv.DictReader(f):
            if r["status"].strip().lower() == "completed" and start <= r["order_date"] < end:
                row = totals[country[r["customer_id"]]]
                row[0] += 1
                row[1].add(r["customer_id"])
                row[2] += Decimal(r["amount"])
    return {c: [n, len(customers), str(revenue)] for c, (n, customers, revenue) in totals.items()}


def git(*args: str, cwd: Path) -> str:
    return run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args], cwd
    ).stdout.strip()


def snapshot_template(dst: Path) -> Path:
    """Commit the working tree (tracked and untracked, not ignored files) to a fresh repository.

    Tests render from it with ``vcs_ref="HEAD"``, so they see uncommitted edits and still get a
    real ``_commit``, as a user rendering a release would.
    """
    files = git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=REPO)
    for name in filter(None, files.split("\0")):
        src = REPO / name
        if src.is_file():
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / name)
    git("init", "-q", "-b", "main", cwd=dst)
    git("add", "-A", cwd=dst)
    git("commit", "-q", "-m", "snapshot", cwd=dst)
    return dst


def copier_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*COPIER, *args], cwd=cwd, capture_output=True, text=True, env=CLEAN_ENV, timeout=300
    )


def data_args(answers: dict) -> list[str]:
    """`-d key=value` arguments; lists as YAML flow sequences (JSON), as Copier parses them."""
    args = []
    for key, value in answers.items():
        text = value if isinstance(value, str) else json.dumps(value)
        args += ["-d", f"{key}={text}"]
    return args


# --- Releases: the template's history, for update tests ---------------------------------------


def template_history(dst: Path) -> tuple[Path, str, str]:
    """A scratch clone of this repository with every release recorded in CHANGELOG.md tagged,
    and the working tree committed on top, tagged as the version it will be released as.

    Returns (clone, tag of the previous release, tag of the working tree). Tags are created here
    only, never in the repository under test.
    """
    import releases

    recorded = releases.read(REPO / "CHANGELOG.md")
    previous, current = releases.upgrade_path(recorded)
    git("clone", "-q", "--no-tags", str(REPO), str(dst), cwd=dst.parent)
    for release in recorded:
        if release.commit and release != current:
            try:
                git("tag", release.tag, release.commit, cwd=dst)
            except subprocess.CalledProcessError as error:
                raise AssertionError(
                    f"CHANGELOG.md records {release.tag} at {release.commit}, which this clone "
                    f"lacks (a shallow clone? fetch the whole history): {error.stderr}"
                ) from None
    for name in filter(None, git("ls-files", "-z", cwd=dst).split("\0")):
        (dst / name).unlink(missing_ok=True)
    files = git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=REPO)
    for name in filter(None, files.split("\0")):
        if (REPO / name).is_file():
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dst / name)
    git("add", "-A", cwd=dst)
    git("commit", "-q", "--allow-empty", "-m", f"working tree as {current.tag}", cwd=dst)
    git("tag", current.tag, cwd=dst)
    return dst, previous.tag, current.tag


def commit_all(project: Path, message: str) -> None:
    git("add", "-A", cwd=project)
    git("commit", "-q", "--allow-empty", "-m", message, cwd=project)


def copy(template: Path, dst: Path, answers: dict, ref: str = "HEAD") -> Path:
    """`copier copy` through its command line, as a user would: any version of the template (its
    own extensions run in Copier's process). For installed projects and updates."""
    result = copier_cli(
        "copy", "--trust", "--defaults", "--vcs-ref", ref, *data_args(answers),
        str(template), str(dst),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return dst


def render(copie, template: Path, **answers):
    """The working tree rendered in this process by Copier's API (pytest-copie's `copie` or
    `copie_session`), with BASE_ANSWERS: quick, for checks of the files alone."""
    result = copie.copy(extra_answers={**BASE_ANSWERS, **answers}, template_dir=template)
    assert result.exit_code == 0, result.exception
    return result


def files_of(project: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file of a project (not .git), path -> content."""
    return {
        str(p.relative_to(project)): p.read_bytes()
        for p in sorted(project.rglob("*"))
        if p.is_file()
        and ".git" not in p.relative_to(project).parts
        and str(p.relative_to(project)) not in skip
    }
