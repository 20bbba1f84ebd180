"""Benchmark of the template against create-dagster: render, load, tests, run, growth, first green.

Run from the template repository: `uv run python bench/run.py` (about 40 minutes on 2 cores), or
`uv run python bench/run.py --quick` while developing. Writes bench/RESULTS.md and exits 1 when a
target is missed. Each figure is the median of several runs after a warm-up, taken in turns with
its baseline, so both see the same machine load. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = tomllib.loads((ROOT / "extensions/copier_dagster/versions.toml").read_text())
DAGSTER = VERSIONS["packages"]["dagster"].lstrip("=")
PARTITION = "2025-01-01"
FULL_ANSWERS = ["-d", "project_name=Acme Data", "-d", 'etl_tools=["dlt","sling","dbt"]']
PACKAGE = "acme_data"
GROWTH_MODELS = (50, 200, 500)
GROWTH_SOURCES = 20
# The libraries the full project's definitions import, for the load floor.
FLOOR_IMPORTS = ("duckdb", "dagster_duckdb", "dlt", "dagster_dlt", "dagster_sling", "dagster_dbt")
LOAD_FLOOR = "load: dg check defs, bare + the full project's libraries"

TARGETS = {
    "render overhead over the empty template (s)": 0.4,
    "load ratio vs bare": 1.5,
    "pytest -m 'not slow' (s)": 10.0,
    "pytest, all tests (s)": 20.0,
    "run ratio vs bare": 2.5,
    "load time per 100 more dbt models (s)": 1.0,
}


def child_env() -> dict[str, str]:
    """The environment of a user's shell: bytecode caches written, no update checks."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "DAGSTER_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # set on some CI machines; users keep .pyc files
    env["DAGSTER_DG_UPDATE_CHECK_ENABLED"] = "0"
    return env


ENV = child_env()


FAILURES: list[str] = []  # commands allowed to fail (a flaky test run), kept for the report


def sh(argv: list[str], cwd: Path | None = None, check: bool = True) -> float:
    """Run a command to completion; its wall time, or exit with its output when it fails."""
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        output = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)[-3000:]
        message = f"failed ({proc.returncode}) in {cwd}: {' '.join(argv)}\n{output}"
        if check:
            sys.exit(message)
        print(message, flush=True)
        FAILURES.append(f"`{' '.join(Path(a).name for a in argv)}` failed once: {output[-300:]}")
    return elapsed


@dataclass
class Case:
    name: str
    run: Callable[[int], float]  # round number -> seconds


@dataclass
class Figure:
    name: str
    times: list[float]
    baseline: Figure | None = None
    cpu: list[float] = field(default_factory=list)  # CPU seconds of the commands, same runs

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def ratio(self) -> float | None:
        return self.median / self.baseline.median if self.baseline else None


def measure(cases: list[Case], runs: int) -> dict[str, Figure]:
    """One warm-up, then `runs` rounds; in each round every case runs once, in turn."""
    figures = {case.name: Figure(case.name, []) for case in cases}
    for round_ in range(runs + 1):
        seconds = {}
        for case in cases:
            cpu = children_cpu()
            seconds[case.name] = case.run(round_)
            if round_:
                figures[case.name].times.append(seconds[case.name])
                figures[case.name].cpu.append(children_cpu() - cpu)
        label = f"round {round_}" if round_ else "warm-up"
        print(f"  {label}: " + ", ".join(f"{n} {v:.2f}s" for n, v in seconds.items()), flush=True)
    return figures


def children_cpu() -> float:
    """CPU seconds used so far by finished child processes: steadier than wall time on a
    machine shared with other work."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cmd(argv: list[str], cwd: Path, check: bool = True) -> Callable[[int], float]:
    return lambda _round: sh(argv, cwd, check)


@dataclass
class Bench:
    work: Path
    runs: int
    figures: list[Figure] = field(default_factory=list)
    checks: list[tuple[str, float, float]] = field(default_factory=list)  # name, value, limit
    notes: list[str] = field(default_factory=list)
    commit: str = ""

    # -- setup ----------------------------------------------------------------------------
    @property
    def copier(self) -> str:
        return str(Path(sys.executable).with_name("copier"))

    @property
    def create_dagster(self) -> str:
        return str(self.work / "tools/bin/create-dagster")

    def setup(self) -> None:
        print("setup", flush=True)
        # A clone of the committed HEAD: edits made while the benchmark runs change nothing.
        status = ["git", "status", "--porcelain"]
        if subprocess.run(status, cwd=ROOT, capture_output=True, text=True).stdout.strip():
            print("  warning: uncommitted changes are not measured", flush=True)
        self.template = self.work / "template"
        sh(["git", "clone", "-q", str(ROOT), str(self.template)])
        self.commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=self.template,
            capture_output=True,
            text=True,
        ).stdout.strip()
        sh(["uv", "venv", "-q", str(self.work / "tools")])
        sh(
            [
                "uv",
                "pip",
                "install",
                "-q",
                "--python",
                str(self.work / "tools"),
                f"create-dagster=={DAGSTER}",
            ]
        )
        self.make_empty_template()
        self.full = self.render_full(self.work / "full")
        sh(["uv", "sync", "-q"], self.full)
        self.bare = self.work / "bare"
        sh([self.create_dagster, "project", "--no-uv-sync", str(self.bare)])
        sh(["uv", "sync", "-q"], self.bare)
        sh(
            [str(self.bare / ".venv/bin/dg"), "scaffold", "defs", "dagster.asset", "assets.py"],
            self.bare,
        )
        (self.bare / "src/bare/defs/assets.py").write_text(
            "import dagster as dg\n\n\n@dg.asset\ndef assets() -> int:\n    return 1\n"
        )
        self.make_floor()

    def make_floor(self) -> None:
        """The bare project with the full project's libraries installed and imported: what any
        project using dlt, Sling and dbt with Dagster pays before the template adds anything."""
        self.floor = self.work / "floor"
        shutil.copytree(self.bare, self.floor, ignore=shutil.ignore_patterns(".venv"))
        sh(["uv", "sync", "-q"], self.floor)
        requirements = self.work / "full-requirements.txt"
        export = ["uv", "export", "-q", "--frozen", "--no-hashes", "--no-emit-project"]
        requirements.write_text(
            subprocess.run(
                export, cwd=self.full, env=ENV, capture_output=True, text=True, check=True
            ).stdout
        )
        venv = str(self.floor / ".venv")
        sh(["uv", "pip", "install", "-q", "--python", venv, "-r", str(requirements)], self.floor)
        assets = self.floor / "src/bare/defs/assets.py"
        assets.write_text(f"import {', '.join(FLOOR_IMPORTS)}  # noqa: F401\n{assets.read_text()}")

    def copy(self, dest: Path, answers: list[str]) -> Path:
        """`copier copy` of the template's HEAD with `answers` (-d arguments) into `dest`."""
        copy = [self.copier, "copy", "--trust", "--defaults", "--quiet", "--vcs-ref", "HEAD"]
        sh([*copy, *answers, str(self.template), str(dest)])
        return dest

    def render_full(self, dest: Path) -> Path:
        return self.copy(dest, FULL_ANSWERS)

    def make_empty_template(self) -> None:
        self.empty = self.work / "empty-template"
        self.empty.mkdir()
        (self.empty / "copier.yml").write_text("name:\n  type: str\n  default: x\n")
        (self.empty / "README.md.jinja").write_text("# {{ name }}\n")
        git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
        for argv in (["init", "-q"], ["add", "."], ["commit", "-qm", "empty"], ["tag", "v0.1.0"]):
            sh([*git, *argv], self.empty)

    def dg(self, project: Path, *args: str) -> Callable[[int], float]:
        return cmd([str(project / ".venv/bin/dg"), *args], project)

    # -- sections -------------------------------------------------------------------------
    def render(self) -> None:
        print("render", flush=True)
        out = self.work / "renders"

        def fresh(name: str, argv: Callable[[Path], list[str]]) -> Callable[[int], float]:
            def run(round_: int) -> float:
                dest = out / f"{name}-{round_}"
                shutil.rmtree(dest, ignore_errors=True)
                return sh(argv(dest))

            return run

        copier = [self.copier, "copy", "--trust", "--defaults", "--quiet", "--vcs-ref", "HEAD"]
        figs = measure(
            [
                Case(
                    "render: copier copy, full answers",
                    fresh("full", lambda d: [*copier, *FULL_ANSWERS, str(self.template), str(d)]),
                ),
                Case(
                    "render: copier copy, empty template",
                    fresh("empty", lambda d: [*copier, str(self.empty), str(d)]),
                ),
                Case(
                    "render: create-dagster project",
                    fresh("cd", lambda d: [self.create_dagster, "project", "--no-uv-sync", str(d)]),
                ),
            ],
            self.runs,
        )
        full, empty, cd = figs.values()
        full.baseline = empty
        cd_ratio = Figure(
            "render: copier copy, full answers (vs create-dagster)", full.times, cd, full.cpu
        )
        self.figures += [full, empty, cd_ratio, cd]
        self.checks.append(
            ("render overhead over the empty template (s)", full.median - empty.median, 0.4)
        )

    def load(self) -> None:
        print("load", flush=True)
        full, bare, floor = measure(
            [
                Case("load: dg check defs, dlt+Sling+dbt", self.dg(self.full, "check", "defs")),
                Case(
                    "load: dg check defs, bare create-dagster", self.dg(self.bare, "check", "defs")
                ),
                Case(LOAD_FLOOR, self.dg(self.floor, "check", "defs")),
            ],
            self.runs,
        ).values()
        full.baseline = floor.baseline = bare
        self.figures += [full, bare, floor]
        self.checks.append(("load ratio vs bare", full.ratio, 1.5))
        cpu_full, cpu_bare, cpu_floor = (statistics.median(f.cpu) for f in (full, bare, floor))
        wall_share = (floor.median - bare.median) / (full.median - bare.median)
        cpu_share = (cpu_floor - cpu_bare) / (cpu_full - cpu_bare)
        self.notes.append(
            f"Load: the bare project with the same libraries installed and imported ({LOAD_FLOOR})"
            f" already takes {floor.ratio:.2f}x the bare load ({cpu_floor / cpu_bare:.2f}x in"
            f" CPU): the libraries are {wall_share:.0%} of what the full project adds over bare"
            f" ({cpu_share:.0%} in CPU): dg imports every installed component library,"
            " dagster-dbt imports dbt-core, dlt its own stack; the rest is the template's code and"
            " the library calls building its definitions."
        )
        self.load_breakdown()

    def load_breakdown(self) -> None:
        """Where the full project's load goes: imports of each library, then the definitions."""
        script = (
            "import time\n"
            "t = [time.perf_counter()]\n"
            "steps = ['dagster', 'dagster_duckdb', 'dlt', 'dagster_dlt', 'dagster_sling',"
            " 'dagster_dbt']\n"
            "for name in steps:\n"
            "    __import__(name); t.append(time.perf_counter())\n"
            f"import {PACKAGE}.definitions as d\n"
            "d.defs(); t.append(time.perf_counter())\n"
            "names = ['import ' + s for s in steps]\n"
            "names.append('build the definitions (template modules and library calls)')\n"
            "print(';'.join(f'{n}={b - a:.3f}' for n, a, b in zip(names, t, t[1:])))\n"
        )
        python = str(self.full / ".venv/bin/python")
        samples: dict[str, list[float]] = {}
        for round_ in range(self.runs + 1):
            out = subprocess.run(
                [python, "-c", script],
                cwd=self.full,
                env=ENV,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            if round_:
                for item in out.strip().splitlines()[-1].split(";"):
                    name, value = item.split("=")
                    samples.setdefault(name, []).append(float(value))
        total = sum(statistics.median(v) for v in samples.values())
        for name, values in samples.items():
            self.figures.append(Figure(f"load breakdown (in-process): {name}", values))
        self.notes.append(
            "In-process load of the full project, median of each step: "
            + ", ".join(
                f"{n} {statistics.median(v):.2f} s ({statistics.median(v) / total:.0%})"
                for n, v in samples.items()
            )
            + f"; total {total:.2f} s."
        )

    def tests(self) -> None:
        print("tests", flush=True)
        pytest = str(self.full / ".venv/bin/pytest")
        fast, full = measure(
            [
                Case(
                    "tests: pytest -m 'not slow'",
                    cmd([pytest, "-q", "-m", "not slow"], self.full, check=False),
                ),
                Case("tests: pytest, all tests", cmd([pytest, "-q"], self.full, check=False)),
            ],
            self.runs,
        ).values()
        self.figures += [fast, full]
        self.checks += [
            ("pytest -m 'not slow' (s)", fast.median, 10.0),
            ("pytest, all tests (s)", full.median, 20.0),
        ]

    def run_(self) -> None:
        print("run", flush=True)
        full, bare = measure(
            [
                Case(
                    "run: dg launch one partition, whole graph",
                    self.dg(self.full, "launch", "--assets", "*", "--partition", PARTITION),
                ),
                Case(
                    "run: dg launch one asset, bare",
                    self.dg(self.bare, "launch", "--assets", "assets"),
                ),
            ],
            self.runs,
        ).values()
        full.baseline = bare
        self.figures += [full, bare]
        self.checks.append(("run ratio vs bare", full.ratio, 2.5))
        self.notes.append(
            f"`dbt build` inside the last whole-graph run: {dbt_build_seconds(self.full):.1f} s"
            " by dbt's own clock (its process start and imports not included)."
        )

    def growth(self) -> None:
        print("growth", flush=True)
        models = self.full / "dbt/models/generated"
        loads: dict[int, Figure] = {}
        base = None
        for n in (0, *GROWTH_MODELS):
            write_models(models, n)
            # The first load after a change parses the dbt project: timed on its own.
            parse = sh([str(self.full / ".venv/bin/dg"), "check", "defs"], self.full)
            load, run = measure(
                [
                    Case(f"growth: load, {n} more dbt models", self.dg(self.full, "check", "defs")),
                    Case(
                        f"growth: run, {n} more dbt models",
                        self.dg(self.full, "launch", "--assets", "*", "--partition", PARTITION),
                    ),
                ],
                self.runs,
            ).values()
            base = base or (load, run)
            if n:
                load.baseline, run.baseline = base
            loads[n] = load
            self.figures += [load, run]
            self.notes.append(
                f"{n} more dbt models: first load after the change (with `dbt parse`)"
                f" {parse:.1f} s;"
                f" dbt build inside the run {dbt_build_seconds(self.full):.1f} s."
            )
        shutil.rmtree(models)
        per_100 = (loads[GROWTH_MODELS[-1]].median - loads[0].median) / GROWTH_MODELS[-1] * 100
        self.checks.append(("load time per 100 more dbt models (s)", per_100, 1.0))
        # Quadratic shows as a per-model cost rising with size: compare the last segment's with
        # the first's, in CPU time (the differences are small; wall time is too noisy for them).
        cpu = {n: statistics.median(f.cpu) for n, f in loads.items()}
        small, medium, large = GROWTH_MODELS
        first = (cpu[medium] - cpu[small]) / (medium - small)
        last = (cpu[large] - cpu[medium]) / (large - medium)
        self.notes.append(
            f"Load CPU per 100 models: {first * 100:.2f} s from {small} to {medium},"
            f" {last * 100:.2f} s from {medium} to {large} (linear when about equal)."
        )
        self.checks.append(
            (
                "load cost per model, last segment / first (not quadratic)",
                last / first if first > 0 else 0.0,
                2.0,
            )
        )
        self.sources()

    def sources(self) -> None:
        pipeline = self.full / f"src/{PACKAGE}/defs/ingest/dlt_pipeline.py"
        landing = self.full / "data/landing"
        original = pipeline.read_text()
        names = [f"source_{i:02d}" for i in range(GROWTH_SOURCES - 2)]
        for name in names:
            rows = "\n".join(f"{i},{name}-{i}" for i in range(100))
            (landing / f"{name}.csv").write_text(f"id,value\n{rows}\n")
        tables = re.search(r"^TABLES = (\[.*\])$", original, re.M)
        pipeline.write_text(
            original.replace(
                tables.group(0),
                f"TABLES = {tables.group(1)[:-1]}, {', '.join(map(repr, names))}]".replace(
                    "'", '"'
                ),
            )
        )
        try:
            sh([str(self.full / ".venv/bin/dg"), "check", "defs"], self.full)
            load, run = measure(
                [
                    Case(
                        f"growth: load, {GROWTH_SOURCES} sources",
                        self.dg(self.full, "check", "defs"),
                    ),
                    Case(
                        f"growth: run, {GROWTH_SOURCES} sources",
                        self.dg(self.full, "launch", "--assets", "*", "--partition", PARTITION),
                    ),
                ],
                self.runs,
            ).values()
            load.baseline = next(
                f for f in self.figures if f.name == "growth: load, 0 more dbt models"
            )
            run.baseline = next(
                f for f in self.figures if f.name == "growth: run, 0 more dbt models"
            )
            self.figures += [load, run]
        finally:
            pipeline.write_text(original)
            for name in names:
                (landing / f"{name}.csv").unlink()

    def first_green(self) -> None:
        print("first green", flush=True)

        def run(round_: int) -> float:
            dest = self.work / f"green-{round_}"
            shutil.rmtree(dest, ignore_errors=True)
            start = time.perf_counter()
            self.copy(dest, ["-d", "project_name=Acme Data"])
            sh(["uv", "sync", "-q"], dest)
            sh([str(dest / ".venv/bin/dg"), "check", "defs"], dest)
            sh([str(dest / ".venv/bin/pytest"), "-q", "-m", "not slow"], dest)
            elapsed = time.perf_counter() - start
            shutil.rmtree(dest)
            return elapsed

        self.figures += measure(
            [
                Case(
                    "first green: copy, uv sync, dg check defs, pytest -m 'not slow' (defaults)",
                    run,
                )
            ],
            self.runs,
        ).values()


def write_models(folder: Path, n: int) -> None:
    """`n` staging-style views over the existing staging models."""
    shutil.rmtree(folder, ignore_errors=True)
    if not n:
        return
    folder.mkdir(parents=True)
    for i in range(n):
        upstream = ("stg_orders", "stg_customers")[i % 2]
        (folder / f"gen_{i:04d}.sql").write_text(
            f"select *, {i} as generation from {{{{ ref('{upstream}') }}}}\n"
        )


def dbt_build_seconds(project: Path) -> float:
    import json

    # dagster-dbt gives each run a target folder of its own: the newest is the last run's.
    newest = max(
        (project / "dbt/target").glob("*/run_results.json"), key=lambda p: p.stat().st_mtime
    )
    return float(json.loads(newest.read_text())["elapsed_time"])


def machine() -> str:
    mem = next(
        line
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    kib = int(mem.split()[1])
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return (
        f"nproc {nproc} ({os.cpu_count()} CPUs),"
        f" {kib / 1024 / 1024:.1f} GiB memory, {platform.processor() or platform.machine()},"
        f" Python {platform.python_version()}, {platform.system()} {platform.release()},"
        f" {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )


def report(bench: Bench, args: argparse.Namespace, seconds: float) -> tuple[str, bool]:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{' '.join(['uv run python bench/run.py', *sys.argv[1:]])}`"
        f" ({bench.runs} runs per figure after a warm-up; {seconds / 60:.0f} min in all).",
        f"Template commit {bench.commit}. Machine: {machine()}.",
        "",
        "| figure | median (s) | min | max | baseline | ratio | CPU (s) | CPU ratio |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for f in bench.figures:
        base = f.baseline
        cpu = statistics.median(f.cpu) if f.cpu else None
        base_cpu = statistics.median(base.cpu) if base and base.cpu else None
        lines.append(
            f"| {f.name} | {f.median:.2f} | {min(f.times):.2f} | {max(f.times):.2f} | "
            f"{base.name.split(': ', 1)[-1] if base else ''} | "
            f"{f'{f.ratio:.2f}x' if base else ''} | {f'{cpu:.2f}' if cpu else ''} | "
            f"{f'{cpu / base_cpu:.2f}x' if cpu and base_cpu else ''} |"
        )
    lines += ["", "| target | measured | limit | |", "| --- | ---: | ---: | --- |"]
    ok = True
    for name, value, limit in bench.checks:
        hit = value <= limit
        ok &= hit
        lines.append(f"| {name} | {value:.2f} | {limit:g} | {'met' if hit else 'MISSED'} |")
    if bench.notes or FAILURES:
        lines += ["", *[f"- {note}" for note in bench.notes]]
        lines += [f"- {failure.replace(chr(10), ' ')}" for failure in FAILURES]
    return "\n".join(lines) + "\n", ok


SECTIONS = ("render", "load", "tests", "run", "growth", "first_green")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 runs per figure, for development")
    parser.add_argument("--runs", type=int, help="runs per figure (default 5, 2 with --quick)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument("--output", type=Path, default=ROOT / "bench/RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    runs = args.runs or (2 if args.quick else 5)
    work = Path(tempfile.mkdtemp(prefix="copier-dagster-bench-"))
    bench = Bench(work, runs)
    start = time.perf_counter()
    try:
        bench.setup()
        for section in args.only or SECTIONS:
            try:
                getattr(bench, "run_" if section == "run" else section)()
            except SystemExit as error:  # a failed command: report it, measure the rest
                print(error, flush=True)
                bench.checks.append((f"{section}: completed", 1.0, 0.0))
                bench.notes.append(f"{section} failed: {str(error).splitlines()[0]}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work folder kept: {work}")
    text, ok = report(bench, args, time.perf_counter() - start)
    args.output.write_text(text)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
