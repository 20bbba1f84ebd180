"""Bad answers, through the real Copier CLI: non-zero exit, a message naming the question and
the rule, and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from helpers import BASE_ANSWERS, REPO, copier_cli, data_args

TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()

BAD_ANSWERS = [
    ({"package_name": "class"}, "package_name", "Python keyword"),
    ({"package_name": "my-pkg"}, "package_name", "start with a-z"),
    ({"package_name": "dagster"}, "package_name", "shadows an imported module"),
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
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert question in last_line and rule in last_line, result.stderr[-2000:]
    assert not dst.exists()


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
