"""Any answers: renders of answers drawn by Hypothesis (project names of 1 character to the
package-name limit, with digits, letters of any script and punctuation; every choice of every
choice question) are ruff check and ruff format clean and their Markdown is well formed. A few
drawn answer sets are also installed and pass `ty check` and `pre-commit run --all-files`.

The examples are drawn from a fixed seed (profile ``ci``); ``HYPOTHESIS_PROFILE=thorough`` draws
many more, from a new seed each run (docs/maintaining.md). A failure prints the smallest answers
that reproduce it, as the `copier copy` command that renders them.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st

from copier_dagster import choices, quoting, validators

from helpers import REPO, RUFF, copy, data_args, render, run

settings.register_profile(
    "ci", max_examples=30, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Letters of any script, digits, punctuation and spaces: what a project name may hold.
NAME_CHARACTERS = st.characters(categories=["L", "N", "P", "Zs"]).filter(str.isprintable)
PROJECT_NAMES = st.text(NAME_CHARACTERS, min_size=1, max_size=validators.PACKAGE_NAME_MAX).filter(
    lambda name: not validators.project_name_error(name)
)
PACKAGE_NAMES = st.from_regex(
    rf"\A[a-z][a-z0-9_]{{0,{validators.PACKAGE_NAME_MAX - 1}}}\Z", fullmatch=True
).filter(lambda name: not validators.package_name_error(name))


@st.composite
def answers(draw) -> dict:
    """A project name, sometimes a package name (else the one derived from the project name),
    and an answer to every choice question."""
    drawn = {"project_name": draw(PROJECT_NAMES)}
    if draw(st.booleans()):
        drawn["package_name"] = draw(PACKAGE_NAMES)
    tools = draw(st.sets(st.sampled_from(choices.ETL_TOOLS)))
    drawn["etl_tools"] = [tool for tool in choices.ETL_TOOLS if tool in tools]
    for question, values in choices.QUESTIONS.items():
        if question != "etl_tools":
            drawn[question] = draw(st.sampled_from(values))
    drawn["sample"] = draw(st.booleans())
    return drawn


# The names issue 22 names, and one whose package name is at the limit.
NAMED = ["X", "P1", "Ünïcode Data", "Customer Analytics Platform Pip1"]
assert len(quoting.to_package_name(NAMED[3], prefix="")) == validators.PACKAGE_NAME_MAX


def copy_command(drawn: dict) -> str:
    """The `copier copy` command that renders ``drawn``, to paste into a shell."""
    args = ["copier", "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", *data_args(drawn)]
    return shlex.join([*args, str(REPO), "demo"])


# A fence: up to three spaces, then three or more backticks or tildes (CommonMark).
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def markdown_problems(text: str) -> list[str]:
    """Where the code fences of a Markdown text are not well formed: a fence that never
    closes, or a fence mark that is not at the start of its own line (it neither opens nor
    closes: what follows is read as code, or the code as text)."""
    problems = []
    opened: tuple[str, int] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        fence = FENCE.match(line)
        if opened is None:
            if fence:
                opened = (fence.group(1), number)
            elif "```" in line or "~~~" in line:
                problems.append(f"line {number}: a fence mark not at the start of its line")
        else:
            mark, start = opened
            if fence and fence.group(1)[0] == mark[0] and len(fence.group(1)) >= len(mark):
                if fence.group(2).strip():
                    problems.append(f"line {number}: text after the closing fence")
                opened = None
            elif mark in line:
                problems.append(
                    f"line {number}: the code block of line {start} ends with {mark} inside "
                    "a line, which does not close it"
                )
    if opened:
        problems.append(f"line {opened[1]}: a code block that never closes")
    return problems


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("```bash\nuv sync\n```\n", None),
        ("~~~\ncode\n~~~\n\n````md\n```\n````\n", None),
        ("```bash\nuv run pytest  # the tests```\n\nText\n", "does not close it"),
        ("```bash\nuv sync\n", "never closes"),
        ("Run it: ```uv sync```\n", "not at the start of its line"),
    ],
)
def test_markdown_checker(text, problem):
    found = markdown_problems(text)
    assert (found == []) if problem is None else any(problem in p for p in found), found


def check_render(project: Path, command: str) -> None:
    """ruff check and ruff format --check clean, every Markdown file well formed."""
    for args in (["check", "--output-format", "concise"], ["format", "--check"]):
        result = run([*RUFF, *args, "--no-cache", "."], project, check=False)
        assert result.returncode == 0, f"{command}\nruff {args[0]}:\n{result.stdout[-3000:]}"
    for path in sorted(project.rglob("*.md")):
        problems = markdown_problems(path.read_text())
        assert not problems, f"{command}\n{path.relative_to(project)}:\n" + "\n".join(problems)


@settings(PROFILE)
@given(drawn=answers())
@example(drawn={"project_name": NAMED[0]})
@example(drawn={"project_name": NAMED[1]})
@example(drawn={"project_name": NAMED[2], "etl_tools": ["dlt", "sling", "dbt"]})
@example(drawn={"project_name": NAMED[3], "integration_style": "components", "sample": False})
def test_any_answers_render_clean(copie_session, template, drawn):
    command = copy_command(drawn)
    note(command)
    project = render(copie_session, template, **drawn).project_dir
    try:
        check_render(project, command)
    finally:
        shutil.rmtree(project)


# --- Installed: the project's own toolchain on a few drawn answer sets ----------------------


@pytest.mark.e2e
@settings(PROFILE, max_examples=2, phases=[Phase.generate])
@given(drawn=answers())
def test_drawn_answers_pass_their_own_toolchain(template, tmp_path_factory, drawn):
    """`uv sync`, `ty check` and `pre-commit run --all-files` (its hooks run the project's own
    tools, as tests/test_first_day_e2e.py::test_pre_commit_passes_and_catches does) on two drawn
    answer sets; no shrinking (each example installs a project)."""
    command = copy_command(drawn)
    note(command)
    dst = tmp_path_factory.mktemp("drawn") / "project"
    run(["uv", "sync", "--quiet"], copy(template, dst, drawn))
    run(["uv", "run", "ty", "check"], dst)
    run(["git", "add", "-A"], dst)
    env = {"PRE_COMMIT_HOME": str(dst.parent / "pre-commit")}
    hooks = run(["uv", "run", "pre-commit", "run", "--all-files"], dst, env=env, check=False)
    assert hooks.returncode == 0, f"{command}\n{hooks.stdout[-3000:]}{hooks.stderr[-2000:]}"
    shutil.rmtree(dst)
