"""Bad answers, through the real Copier CLI: non-zero exit, a message naming the question and
the rule, and nothing written."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import yaml
from copier import run_copy

from copier_dagster import validators

from helpers import BASE_ANSWERS, REPO, RUFF, copier_cli, data_args, run

TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()

BAD_ANSWERS = [
    ({"package_name": "class"}, "package_name", "Python keyword"),
    ({"package_name": "my-pkg"}, "package_name", "start with a-z"),
    ({"package_name": "dagster"}, "package_name", "shadows the module dagster"),
    ({"package_name": "typing"}, "package_name", "shadows the module typing"),
    ({"package_name": "yaml"}, "package_name", "shadows the module yaml"),
    ({"project_name": "Acme " * 60}, "project_name", "at most 80 characters"),
    ({"package_name": "a" * 33}, "package_name", "at most 32 characters"),
    ({"author_name": "Jane\nDoe"}, "author_name", "must be one printable line"),
    ({"description": "Two\nlines"}, "description", "must be one printable line"),
    ({"refresh_cron": "0 2 * * *\n"}, "refresh_cron", "must be one printable line"),
    ({"owners": '["jane@acme.solutions"]'}, "owners", "each must be team:<name>"),
    ({"refresh_cron": "*/0 * * * *"}, "refresh_cron", "step must be >= 1"),
    ({"refresh_cron": "0 2 30 2 *"}, "refresh_cron", "never runs: no February 30"),
    ({"package_name": "9lives"}, "package_name", "start with a-z"),
    ({"project_name": ""}, "project_name", "must not be empty"),
    ({"author_email": "not-an-email"}, "author_email", "must be name@example.com"),
    ({"partition_start": "2024-13-01"}, "partition_start", "not a date"),
    ({"partition_start": TOMORROW}, "partition_start", "must not be after"),
    ({"timezone": "Mars/Base"}, "timezone", "not an IANA zone"),
    ({"refresh_cron": "every day"}, "refresh_cron", "give five fields"),
    ({"owners": "[nobody]"}, "owners", "each must be team:<name>"),
    ({"automation_style": "cron"}, "automation_style", "Invalid choice"),
    ({"integration_style": "yaml"}, "integration_style", "Invalid choice"),
    ({"partitioning": "hourly"}, "partitioning", "Invalid choice"),
    ({"ci_provider": "jenkins"}, "ci_provider", "Invalid choice"),
    ({"deployment": "swarm"}, "deployment", "Invalid choice"),
    ({"warehouse": "oracle"}, "warehouse", "Invalid choice"),
]


@pytest.mark.parametrize(("answers", "question", "rule"), BAD_ANSWERS, ids=lambda v: str(v))
def test_bad_answer_is_refused(template, tmp_path, answers, question, rule):
    dst = tmp_path / "project"
    result = copier_cli(
        "copy", "--trust", "--defaults", "--vcs-ref", "HEAD",
        *data_args({**BASE_ANSWERS, **answers}), str(template), str(dst),
    )  # fmt: skip
    assert result.returncode == 1
    # One line (Copier's UserMessageError), no traceback: the question and the rule.
    lines = [line for line in result.stderr.splitlines() if "DirtyLocalWarning" not in line]
    message = [line for line in lines if line.strip() and line.strip() != "warn("]
    assert len(message) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert question in message[0] and rule in message[0], result.stderr[-2000:]
    assert not dst.exists()


@pytest.mark.parametrize(
    ("folder", "project_name", "package_name"),
    [("my_project", "my_project", "my_project"), ("123", "123", "project_123"),
     ("Ünïcode Data", "Ünïcode Data", "unicode_data"), ("class", "class", "class_etl")],
)  # fmt: skip
def test_defaults_name_the_project_after_its_folder(template, tmp_path, folder, project_name,
                                                    package_name):  # fmt: skip
    """`copier copy --trust --defaults <template> my_project`, as the README offers it: the
    project is named after its folder (as create-dagster names it), the package after that."""
    result = copier_cli(
        "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", "--skip-tasks", str(template),
        folder, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    answers = yaml.safe_load((tmp_path / folder / ".copier-answers.yml").read_text())
    assert (answers["project_name"], answers["package_name"]) == (project_name, package_name)
    assert (tmp_path / folder / "src" / package_name / "definitions.py").is_file()


def test_defaults_without_a_usable_folder_name_stop_with_one_line(template, tmp_path):
    result = copier_cli(
        "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", str(template), " ", cwd=tmp_path
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    last_line = result.stderr.strip().splitlines()[-1]
    assert "project_name" in last_line and "-d project_name=" in last_line, last_line
    assert not (tmp_path / " ").exists()


# The longest answers the questions accept, on combinations that together render every file.
LONGEST = {
    "project_name": "Ü" * validators.PROJECT_NAME_MAX,
    "package_name": "customer_analytics_platform_pip1",
    "description": "d" * 300,
    "author_name": "A" * 100,
    "author_email": "j" * 60 + "@example.com",
    "owners": ["team:" + "t" * 59, "o" * 52 + "@example.com", "team:" + "u" * 59],
    "timezone": max(sorted(zoneinfo.available_timezones()), key=len),
    "refresh_cron": "0,15,30,45 1,3,5,7,9,11,13,15,17,19,21,23 1-31 * *",
}
LONGEST_COMBINATIONS = [
    (["dlt", "sling", "dbt"], "declarative", "pythonic", "duckdb", "daily", "github", "none"),
    (["dlt", "sling", "dbt"], "schedules", "components", "postgres", "weekly", "gitlab",
     "docker-compose"),
    ([], "sensors", "pythonic", "snowflake", "monthly", "none", "kubernetes"),
    ([], "declarative", "components", "bigquery", "none", "github", "dagster-plus"),
    (["dbt"], "schedules", "pythonic", "bigquery", "daily", "github", "none"),
    (["dlt"], "sensors", "components", "postgres", "none", "github", "none"),
    (["sling"], "declarative", "components", "snowflake", "weekly", "github", "none"),
]  # fmt: skip


def test_longest_answers_render_ruff_clean_code(template, tmp_path):
    """Every length limit of the questions is where rendered code still fits ruff's 100 columns:
    the longest accepted answers render code `ruff check` and `ruff format --check` pass."""
    assert len(LONGEST["package_name"]) == validators.PACKAGE_NAME_MAX
    assert len(LONGEST["refresh_cron"]) == validators.CRON_MAX
    assert all(len(owner) == validators.OWNER_MAX for owner in LONGEST["owners"])
    for i, (tools, style, integration, warehouse, partitioning, ci, deployment) in enumerate(
        LONGEST_COMBINATIONS
    ):
        answers = {
            **LONGEST, "etl_tools": tools, "automation_style": style,
            "integration_style": integration, "warehouse": warehouse,
            "partitioning": partitioning, "ci_provider": ci, "deployment": deployment,
        }  # fmt: skip
        run_copy(
            str(template),
            str(tmp_path / f"p{i}"),
            data=answers,
            defaults=True,
            unsafe=True,
            vcs_ref="HEAD",
            quiet=True,
        )  # fmt: skip  (raises if a validator refuses an answer)
    for args in (["check", "--output-format", "concise"], ["format", "--check"]):
        run([*RUFF, *args, "--no-cache", "."], tmp_path)
    package = tmp_path / "p0" / "src" / LONGEST["package_name"]
    assert (package / "definitions.py").is_file()


def test_every_question_has_help():
    questions = {
        name: spec
        for name, spec in yaml.safe_load((REPO / "copier.yml").read_text()).items()
        if not name.startswith("_")
    }
    assert set(questions) >= {
        "project_name", "package_name", "description", "author_name", "author_email", "owners",
        "automation_style", "partitioning", "partition_start", "timezone", "refresh_cron",
    }  # fmt: skip
    for name, spec in questions.items():
        assert len(spec.get("help", "")) > 15, f"{name} needs a help text a newcomer understands"


def test_untrusted_template_writes_nothing(template, tmp_path):
    dst = tmp_path / "project"
    result = copier_cli("copy", "--defaults", *data_args(BASE_ANSWERS), str(template), str(dst))
    assert result.returncode == 4
    assert "--trust" in result.stderr
    assert not dst.exists()
