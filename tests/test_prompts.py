"""An interactive `copier copy` in a terminal of 80 columns by 24 rows: every question's help
text, every choice label and the validation message of a bad answer show whole on the screen.

Copier asks through questionary and prompt_toolkit, which cut (never wrap) a row at the
terminal's width: a help text's lines, the choices and the one-row validation toolbar. The test
runs the real CLI in a pseudo-terminal (pexpect), renders its output as a terminal would (pyte)
and reads the screen the user sees, not the raw stream of escape codes.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import jinja2
import pexpect
import pyte
import pytest
import yaml

from copier_dagster import context, organization, validators

from helpers import CLEAN_ENV, COPIER, REPO

COLUMNS, ROWS = 80, 24
QMARK = "🎤 "  # Copier's mark before the first line of a question's help
ENTER, CLEAR = "\r", "\x15"  # Ctrl-U deletes the line typed so far (or the default answer)
TIMEOUT = 20  # seconds for one step; the whole session takes a few seconds
ANSWERS = {"project_name": "Acme Data", "package_name": "acme_data"}  # what help texts may use

CONFIG = yaml.safe_load((REPO / "copier.yml").read_text())
QUESTIONS = {name: spec for name, spec in CONFIG.items() if not name.startswith("_")}

# The session, question by question in copier.yml's order: what is typed, and for a bad answer
# the message Copier must show (from the validators themselves); the last keys are the answer.
SESSION: dict[str, list[tuple[str, str | None]]] = {
    "project_name": [
        # The default is the destination folder's name: cleared, the field is empty.
        (CLEAR + ENTER, validators.project_name_error("")),
        ("Acme Data" + ENTER, None),
    ],
    "package_name": [
        (CLEAR + "class" + ENTER, validators.package_name_error("class")),
        (CLEAR + "dagster" + ENTER, validators.package_name_error("dagster")),
        (CLEAR + "9lives" + ENTER, validators.package_name_error("9lives")),
        (CLEAR + "acme_data" + ENTER, None),
    ],
    "description": [(ENTER, None)],
    "author_name": [("Data Team" + ENTER, None)],
    "author_email": [
        ("jane.example.com" + ENTER, validators.email_error("jane.example.com")),
        (CLEAR + "jane@example.com" + ENTER, None),
    ],
    "owners": [
        (CLEAR + "[nobody]" + ENTER, validators.owners_error(["nobody"])),
        (CLEAR + "[]" + ENTER, validators.owners_error([])),
        (CLEAR + "[team:data-eng]" + ENTER, None),
    ],
    "etl_tools": [(ENTER, None)],
    "sample": [(ENTER, None)],
    "warehouse": [(ENTER, None)],
    "integration_style": [(ENTER, None)],
    "automation_style": [(ENTER, None)],
    "partitioning": [(ENTER, None)],
    "partition_start": [
        (CLEAR + "2025-13-01" + ENTER, validators.partition_start_error("2025-13-01")),
        (CLEAR + "2025-01-01" + ENTER, None),
    ],
    "timezone": [
        (CLEAR + "Mars/Olympus" + ENTER, validators.timezone_error("Mars/Olympus")),
        (CLEAR + "UTC" + ENTER, None),
    ],
    "refresh_cron": [
        (CLEAR + "0 2 * *" + ENTER, validators.cron_error("0 2 * *")),
        (CLEAR + "0 2 32 * *" + ENTER, validators.cron_error("0 2 32 * *")),
        (CLEAR + "0 2 * * *" + ENTER, None),
    ],
    "ci_provider": [(ENTER, None)],
    "deployment": [(ENTER, None)],
}


class _Screen(pyte.Screen):
    """pyte's screen, answering the terminal's reports (the cursor position prompt_toolkit asks
    for) to the program, as a terminal does."""

    def __init__(self, reply, columns: int, lines: int) -> None:
        super().__init__(columns, lines)
        self._reply = reply

    def write_process_input(self, data: str) -> None:
        self._reply(data)


class Terminal:
    """A command in a pseudo-terminal, and the screen a terminal of that size shows."""

    def __init__(self, argv: list[str], cwd: Path) -> None:
        env = {**CLEAN_ENV, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS)}
        env |= {"LINES": str(ROWS), "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
        self.child = pexpect.spawn(
            argv[0], argv[1:], cwd=str(cwd), env=env, dimensions=(ROWS, COLUMNS),
            encoding="utf-8", codec_errors="replace",
        )  # fmt: skip
        self.screen = _Screen(self.child.send, COLUMNS, ROWS)
        self.stream = pyte.Stream(self.screen)

    def rows(self) -> list[str]:
        return [row.rstrip() for row in self.screen.display]

    def show(self) -> str:
        """The screen as the user sees it, framed, with row numbers."""
        rule = "    +" + "-" * COLUMNS + "+"
        body = [f"{n:3} |{row}|" for n, row in enumerate(self.screen.display)]
        return "\n".join([rule, *body, rule])

    def wait_for(self, what: str, found, timeout: float = TIMEOUT):
        """Read the program's output until ``found(rows)`` returns something true; return it."""
        deadline = time.monotonic() + timeout
        while not (result := found(self.rows())):
            if time.monotonic() > deadline:
                pytest.fail(f"after {timeout} s, the screen does not show {what}:\n{self.show()}")
            try:
                self.stream.feed(self.child.read_nonblocking(65536, timeout=0.05))
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                if result := found(self.rows()):
                    return result
                pytest.fail(f"copier exited before the screen showed {what}:\n{self.show()}")
        return result

    def exit_status(self, timeout: float = 120) -> int:
        """Read the output until the program ends; its exit status."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.stream.feed(self.child.read_nonblocking(65536, timeout=0.1))
            except pexpect.TIMEOUT:
                if time.monotonic() > deadline:
                    pytest.fail(f"copier still runs after {timeout} s:\n{self.show()}")
            except pexpect.EOF:
                break
        self.child.close()
        return self.child.exitstatus


def rendered_help(question: str, **values) -> list[str]:
    """A question's help as Copier renders it (Jinja, the template's options), line by line."""
    template = jinja2.Environment(**CONFIG["_envops"]).from_string(QUESTIONS[question]["help"])
    return template.render({**ANSWERS, **context.derive(ANSWERS), **values}).splitlines()


def help_block(lines: list[str]):
    """Finds the help on the screen: its first line after the 🎤, the next ones on the rows
    below, each whole. Returns the row after it."""

    def found(rows: list[str]) -> int | None:
        for n, row in enumerate(rows):
            if row == QMARK + lines[0] and rows[n + 1 : n + len(lines)] == lines[1:]:
                return n + len(lines)
        return None

    return found


def missing_choices(question: str, rows: list[str]) -> list[str]:
    """The labels of a choice question not shown whole on a row below its help."""
    labels = list(QUESTIONS[question]["choices"])
    # " » label" (the pointed one) or "   label"; a multiselect adds its box, "● " or "○ ".
    return [
        label
        for label in labels
        if not any(re.fullmatch(r" [» ] ([●○] )?" + re.escape(label), row) for row in rows)
    ]


def test_session_covers_every_question():
    assert list(SESSION) == list(QUESTIONS), "answer new questions in SESSION, in their order"


def test_help_lines_and_choice_labels_fit_80_columns():
    """What the session cannot see: help text shown only for some organizations (the longest
    package prefix). The session below checks the rest on the screen itself."""
    org = {**organization.current(), "package_prefix": "p" * organization.PREFIX_MAX_LENGTH}
    for question, spec in QUESTIONS.items():
        for line in rendered_help(question) + rendered_help(question, org=org):
            # The first line follows the 🎤 (3 columns); copier.yml holds every line to that.
            assert len(line) <= COLUMNS - 3, f"{question}: {line!r} is cut"
        box = len(" » ● ") if spec.get("multiselect") else len(" » ")
        for label in spec.get("choices", ()):
            assert box + len(label) <= COLUMNS, f"{question}: {label!r} is cut"


def test_every_prompt_shows_whole_at_80_columns(template, tmp_path):
    dst = tmp_path / "project"
    argv = [*COPIER, "copy", "--trust", "--vcs-ref", "HEAD", str(template), str(dst)]
    terminal = Terminal(argv, cwd=tmp_path)
    try:
        for question, steps in SESSION.items():
            lines = rendered_help(question)
            below_help = help_block(lines)
            terminal.wait_for(f"the whole help of {question}: {lines}", below_help)
            if "choices" in QUESTIONS[question]:
                terminal.wait_for(
                    f"every choice of {question} whole, below its help",
                    lambda rows, question=question, below_help=below_help: (
                        not missing_choices(question, rows[below_help(rows) :])
                    ),
                )
            for keys, message in steps:
                terminal.child.send(keys)
                if message:
                    expected = validators.COPIER_PREFIX.format(question=question) + message
                    terminal.wait_for(
                        f"the whole validation message {expected!r}",
                        lambda rows, expected=expected: expected in rows,
                    )
        status = terminal.exit_status()
    finally:
        terminal.child.close(force=True)
    assert status == 0, terminal.show()
    recorded = yaml.safe_load((dst / ".copier-answers.yml").read_text())
    assert recorded["package_name"] == "acme_data"
    assert recorded["author_email"] == "jane@example.com"
    assert recorded["owners"] == ["team:data-eng"]
    assert recorded["timezone"] == "UTC"
    assert recorded["refresh_cron"] == "0 2 * * *"
