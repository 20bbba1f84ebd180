"""The scheduled template-update jobs, for real: the GitHub workflow's and the GitLab pipeline's
scripts run as each CI would run them (their `run:`/`script:` text, the job's variables, a fresh
checkout per job, the artifact handed from the first job to the second), against a scratch
template with two releases and a bare repository on disk as the project's remote. Copier comes
from PyPI through `uvx`, as in CI. Only the pull/merge request API call is not GitHub's or
GitLab's: GitLab's goes to a stub server on 127.0.0.1, GitHub's `gh` step is not run (it needs
github.com)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from helpers import BASE_ANSWERS, CLEAN_ENV, commit_all, copy, git, run

pytestmark = pytest.mark.skipif(not shutil.which("uvx"), reason="needs uvx (uv)")

GITHUB_WORKFLOW = "template/.github/workflows/template-update.yml.jinja"
# The machine's variables, without those of a CI this suite may itself run in.
NOT_CI = {
    key: None
    for key in CLEAN_ENV
    if key.startswith(("GITHUB_", "RUNNER_", "CI_", "GITLAB_", "GIT_", "ACTIONS_"))
    or key in {"CI", "GH_TOKEN"}
}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def release(upstream: Path, tag: str, *edits: tuple[str, str, str]) -> None:
    for name, old, new in edits:
        edit(upstream / name, old, new)
    git("commit", "-qam", f"Release {tag}", cwd=upstream)
    git("tag", tag, cwd=upstream)


def new_project(template: Path, tmp_path: Path, ci_provider: str) -> tuple[Path, Path]:
    """A scratch clone of the template tagged v0.1.0, and a project made from it and committed."""
    upstream = tmp_path / "template"
    run(["git", "clone", "-q", template, upstream])
    git("tag", "v0.1.0", cwd=upstream)
    project = tmp_path / "project"
    copy(upstream, project, {**BASE_ANSWERS, "ci_provider": ci_provider}, ref="v0.1.0")
    commit_all(project, "Project from the template")  # the copy's task ran `git init`
    git("branch", "-M", "main", cwd=project)
    return upstream, project


def checkout(remote: Path, dst: Path, depth: int = 0) -> Path:
    """A CI job's fresh checkout of the remote's main branch (shallow when depth > 0)."""
    shallow = ["--depth", str(depth)] if depth else []
    run(["git", "clone", "-q", *shallow, "--branch", "main", remote.as_uri(), dst])
    return dst


def push_url_to(remote: Path, url: str) -> dict[str, str]:
    """Git config (as variables) sending a push to `url`, token included, to the bare remote on
    disk; any other https URL fails at once. So a push with another token or elsewhere fails."""
    return {
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": f"url.{remote.as_uri()}.insteadOf",
        "GIT_CONFIG_VALUE_0": url,
        "GIT_CONFIG_KEY_1": "url.file:///nonexistent/.insteadOf",
        "GIT_CONFIG_VALUE_1": "https://",
    }


def job(script: str, cwd: Path, env: dict[str, str], check: bool = True):
    """A CI job's script, run by bash as the runners do, with the job's variables and none of
    this machine's CI's own."""
    cmd = ["bash", "-eo", "pipefail", "-c", script]
    return run(cmd, cwd, env={**NOT_CI, **env}, timeout=300, check=check)


# --- GitHub ----------------------------------------------------------------------------------


def github_step(workflow: dict, job: str, name: str) -> dict:
    return next(step for step in workflow["jobs"][job]["steps"] if step.get("name") == name)


def github_uses(workflow: dict, job: str, action: str) -> dict:
    return next(
        step for step in workflow["jobs"][job]["steps"]
        if step.get("uses", "").startswith(f"actions/{action}@")
    )  # fmt: skip


def test_github_update_pushes_its_branch_and_needs_a_token_for_workflow_changes(template, tmp_path):
    upstream, project = new_project(template, tmp_path, "github")
    edit(project / "pyproject.toml", "line-length = 100", "line-length = 120")
    git("commit", "-qam", "Longer lines", cwd=project)
    remote = tmp_path / "remote.git"
    git("clone", "-q", "--bare", str(project), str(remote), cwd=tmp_path)

    workflow = yaml.safe_load((project / ".github/workflows/template-update.yml").read_text())
    update = github_step(workflow, "update", "Apply the new template release")
    push = github_step(workflow, "pull-request", "Push the branch")
    upload = github_uses(workflow, "update", "upload-artifact")["with"]
    download = github_uses(workflow, "pull-request", "download-artifact")["with"]
    assert upload["name"] == download["name"]
    assert upload["path"].rstrip("/") == download["path"] == "${{ runner.temp }}/template-update"
    # The job running the template's code holds a read-only token, and no secret.
    assert "permissions" not in workflow["jobs"]["update"]
    assert workflow["permissions"] == {"contents": "read"}
    assert not re.search(r"secrets\.|github\.token", json.dumps(workflow["jobs"]["update"]))

    def update_job() -> tuple[subprocess.CompletedProcess, Path, str]:
        runner = tmp_path / "runner-update"
        shutil.rmtree(runner, ignore_errors=True)
        runner.mkdir()
        output = runner / "output"
        output.touch()
        result = job(update["run"], project, {
            **update["env"], "RUNNER_TEMP": str(runner), "GITHUB_OUTPUT": str(output)
        })  # fmt: skip
        return result, runner / "template-update", output.read_text()

    # Up to date: the job says so, writes nothing, and the second job does not run.
    quiet, out, outputs = update_job()
    assert "Up to date" in quiet.stdout
    assert not out.exists() and outputs == ""
    assert workflow["jobs"]["pull-request"]["if"] == "needs.update.outputs.branch != ''"
    assert git("branch", "--show-current", cwd=project) == "main"

    # Release v0.2.0: a README addition (merges cleanly), the line the team also changed, and a
    # change to this very workflow, which the default token may not push.
    release(
        upstream, "v0.2.0",
        ("template/pyproject.toml.jinja", "line-length = 100", "line-length = 110"),
        ("template/README.md.jinja", "## Working on it\n",
         "## Working on it\n\n- New in v0.2.0: run `uv run dg list defs` after each change.\n"),
        (GITHUB_WORKFLOW, '- cron: "0 6 * * 1"', '- cron: "0 7 * * 1"'),
    )  # fmt: skip
    _, out, outputs = update_job()

    branch = (out / "branch").read_text().strip()
    assert branch == "template-update/v0.2.0"
    assert outputs == f"branch={branch}\n"
    assert git("branch", "--show-current", cwd=project) == branch
    assert git("status", "--porcelain", cwd=project) == ""
    assert (out / "title.txt").read_text().strip() == (
        "Update from the project template: v0.1.0 -> v0.2.0"
    )
    body = (out / "body.md").read_text()
    assert "Files with conflicts" in body
    assert body.strip().splitlines()[-1] == "- `pyproject.toml`"

    # The commit holds exactly the release: the answers, the README line, the workflow, the
    # conflict.
    changed = git("diff", "--name-only", "main", "HEAD", cwd=project).splitlines()
    assert sorted(changed) == [
        ".copier-answers.yml", ".github/workflows/template-update.yml", "README.md",
        "pyproject.toml",
    ]  # fmt: skip
    assert "_commit: v0.2.0" in (project / ".copier-answers.yml").read_text()
    assert "New in v0.2.0" in (project / "README.md").read_text()
    pyproject = (project / "pyproject.toml").read_text()
    assert "<<<<<<<" in pyproject and ">>>>>>>" in pyproject
    assert "line-length = 120" in pyproject and "line-length = 110" in pyproject

    # The second job: a fresh checkout, the artifact, the push step with each token.
    def push_job(secret: str, check: bool = True) -> subprocess.CompletedProcess:
        runner = tmp_path / "runner-push"
        shutil.rmtree(runner, ignore_errors=True)
        shutil.copytree(out, runner / "template-update")
        work = checkout(remote, runner / "work", depth=1)
        token = secret or "ghs-default"
        github = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/acme-data"}
        secrets = {"TEMPLATE_UPDATE_TOKEN": secret, "GITHUB_TOKEN": "ghs-default"}
        assert set(push["env"]) == set(secrets)
        url = f"https://x-access-token:{token}@github.com/acme/acme-data.git"
        return job(push["run"], work, {
            "RUNNER_TEMP": str(runner), **github, **secrets, **push_url_to(remote, url),
        }, check=check)  # fmt: skip

    refused = push_job(secret="", check=False)
    assert refused.returncode != 0
    message = refused.stdout + refused.stderr
    assert ".github/workflows/template-update.yml" in message
    assert "secret TEMPLATE_UPDATE_TOKEN" in message and "Workflows: read and write" in message
    readme = (project / "README.md").read_text()
    assert "Secret `TEMPLATE_UPDATE_TOKEN`" in readme and "Workflows: read and write" in readme
    assert git("branch", "--list", "template-update/*", cwd=remote) == ""

    push_job(secret="github_pat_test")
    assert git("rev-parse", branch, cwd=remote) == git("rev-parse", "HEAD", cwd=project)

    # An update that leaves the workflows alone is pushed with the workflow's own token.
    git("switch", "-q", "-c", "template-update/v0.2.1", "main", cwd=project)
    edit(project / "README.md", "## Working on it\n", "## Working on it\n\nv0.2.1\n")
    git("commit", "-qam", "Update from the project template: v0.2.0 -> v0.2.1", cwd=project)
    v021 = "template-update/v0.2.1"
    git("bundle", "create", "-q", str(out / "update.bundle"), v021, "^main", cwd=project)
    (out / "branch").write_text(f"{v021}\n")
    push_job(secret="")
    assert git("rev-parse", v021, cwd=remote) == git("rev-parse", "HEAD", cwd=project)

    # A second run finds nothing new.
    git("checkout", "-q", "main", cwd=project)
    git("merge", "-q", "--no-edit", branch, cwd=project)
    quiet, out, outputs = update_job()
    assert "Up to date" in quiet.stdout
    assert not out.exists() and outputs == ""


# --- GitLab ----------------------------------------------------------------------------------

SERVER = {
    "CI_SERVER_HOST": "gitlab.example.com",
    "CI_SERVER_FQDN": "gitlab.example.com",
    "CI_PROJECT_PATH": "acme/acme-data",
    "CI_PROJECT_ID": "42",
    "CI_DEFAULT_BRANCH": "main",
    "CI_COMMIT_REF_NAME": "main",
    "CI_PIPELINE_SOURCE": "schedule",
    "TEMPLATE_UPDATE": "true",  # the schedule's variable
    "CI_JOB_TOKEN": "job-token-read-only",
}
TOKEN = "glpat-test-token"
# The CI/CD variable as the README says to store it: protected, masked, environment scope.
PROJECT_VARIABLES = {"TEMPLATE_UPDATE_TOKEN": (TOKEN, "template-update")}


def gitlab_job(config: dict, name: str) -> dict:
    """A job with what it `extends` merged in, as GitLab reads it."""
    job = dict(config[name])
    parents = job.pop("extends", [])
    for parent in [parents] if isinstance(parents, str) else parents:
        job = {**gitlab_job(config, parent), **job}
    return job


def expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m[1], ""), str(value))


def gitlab_env(config: dict, job: dict, project_dir: Path, api: str) -> dict[str, str]:
    """The variables GitLab gives a job: predefined ones, the project's CI/CD variables whose
    environment scope matches the job's environment, then the file's and the job's `variables:`."""
    environment = job.get("environment", {})
    name = environment.get("name") if isinstance(environment, dict) else environment
    env = {
        **SERVER,
        "CI_PROJECT_DIR": str(project_dir),
        "CI_COMMIT_SHA": git("rev-parse", "HEAD", cwd=project_dir),
        "CI_API_V4_URL": api,
        **{key: value for key, (value, scope) in PROJECT_VARIABLES.items() if scope in ("*", name)},
    }
    # Not the file's UV_CACHE_DIR (an empty cache in the checkout, as in CI): this machine's uv
    # cache, so uvx finds Copier without downloading it again.
    variables = {k: v for k, v in config.get("variables", {}).items() if k != "UV_CACHE_DIR"}
    for key, value in {**variables, **job.get("variables", {})}.items():
        env[key] = expand(value, env)
    return env


def gitlab_script(job: dict) -> str:
    # before_script installs git and curl with apt-get (as root, from Debian): this machine has
    # them, so only the script runs.
    assert [line.split("&&")[0].strip() for line in job["before_script"]] == ["apt-get update -qq"]
    return "\n".join(job["script"])


class MergeRequestApi(BaseHTTPRequestHandler):
    """GitLab's `POST /projects/:id/merge_requests`, recording what it receives."""

    requests: ClassVar[list[dict]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.requests.append({
            "path": self.path,
            "token": self.headers["PRIVATE-TOKEN"],
            "form": dict(urllib.parse.parse_qsl(body)),
        })  # fmt: skip
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"iid": 1}')

    def log_message(self, *args):
        pass


@pytest.fixture
def merge_request_api():
    MergeRequestApi.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), MergeRequestApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/v4", MergeRequestApi.requests
    server.shutdown()
    thread.join()


def test_gitlab_update_runs_the_template_without_the_token_and_pushes_in_another_job(
    template, tmp_path, merge_request_api
):
    api, requests = merge_request_api
    upstream, project = new_project(template, tmp_path, "gitlab")
    remote = tmp_path / "remote.git"
    git("clone", "-q", "--bare", str(project), str(remote), cwd=tmp_path)
    config = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    update, push = gitlab_job(config, "template-update"), gitlab_job(config, "template-update-push")
    assert push["needs"] == ["template-update"] and push["rules"] == update["rules"]
    assert push["environment"] == {"name": "template-update", "action": "access"}
    assert "environment" not in update
    readme = (project / "README.md").read_text()
    assert "environment scope `template-update`" in readme and "Protect variable" in readme
    # The push job runs no template code: only git and curl, nothing from the checkout.
    assert not re.search(r"\b(copier|uvx?|python|bash|scripts/)", gitlab_script(push))
    assert "cache" not in push

    # Release v0.2.0: a README line, and a task: the template's code, which records what it sees.
    seen = tmp_path / "template-code-env.txt"
    release(
        upstream, "v0.2.0",
        ("template/README.md.jinja", "## Working on it\n", "## Working on it\n\nNew in v0.2.0.\n"),
        ("copier.yml", "_tasks:\n", f"_tasks:\n  - command: env > {seen}\n"),
    )  # fmt: skip

    # Job 1, in its own full checkout: the update, with no write token in sight.
    job1 = checkout(remote, tmp_path / "job1", depth=int(update["variables"]["GIT_DEPTH"]))
    git("checkout", "-q", "--detach", cwd=job1)  # GitLab checks out the commit
    env1 = gitlab_env(config, update, job1, api)
    assert "TEMPLATE_UPDATE_TOKEN" not in env1
    job(gitlab_script(update), job1, env1)
    template_env = seen.read_text()
    assert "CI_JOB_TOKEN=job-token-read-only" in template_env  # the template's code ran here
    assert TOKEN not in template_env and "TEMPLATE_UPDATE_TOKEN" not in template_env
    assert requests == []

    # Job 2, in its own shallow checkout with job 1's artifact: pushes and opens the request.
    # Its depth is the project's setting (GitLab's default: 20): 1, the least it can be, here.
    assert "GIT_DEPTH" not in push.get("variables", {})
    job2 = checkout(remote, tmp_path / "job2", depth=1)
    git("checkout", "-q", "--detach", cwd=job2)
    for path in update["artifacts"]["paths"]:
        shutil.copytree(job1 / path, job2 / path)
    env2 = gitlab_env(config, push, job2, api)
    assert env2["TEMPLATE_UPDATE_TOKEN"] == TOKEN
    url = f"https://oauth2:{TOKEN}@gitlab.example.com/acme/acme-data.git"
    pushed = job(gitlab_script(push), job2, {**env2, **push_url_to(remote, url)})
    assert "Opened a merge request from template-update/v0.2.0." in pushed.stdout

    branch = "template-update/v0.2.0"
    assert git("rev-parse", f"{branch}^", cwd=remote) == git("rev-parse", "main", cwd=remote)
    assert git("diff", "--name-only", "main", branch, cwd=remote).splitlines() == [
        ".copier-answers.yml", "README.md",
    ]  # fmt: skip
    assert "_commit: v0.2.0" in git("show", f"{branch}:.copier-answers.yml", cwd=remote)
    [request] = requests
    assert request["path"] == "/api/v4/projects/42/merge_requests"
    assert request["token"] == TOKEN
    form = request["form"]
    assert (form["source_branch"], form["target_branch"]) == (branch, "main")
    assert form["title"] == "Update from the project template: v0.1.0 -> v0.2.0"
    assert "No conflicts" in form["description"]

    # Job 1's output is the template's to write: job 2 pushes template-update/ branches only.
    (job2 / ".template-update/branch").write_text("main\n")
    refused = job(gitlab_script(push), job2, {**env2, **push_url_to(remote, url)}, check=False)
    assert refused.returncode != 0
    assert "Refusing to push 'main'" in refused.stderr
    assert git("rev-parse", "main", cwd=remote) == env2["CI_COMMIT_SHA"]
    assert len(requests) == 1

    # Without the variable (another scope, or a pipeline of an unprotected branch), job 2 says so.
    env2.pop("TEMPLATE_UPDATE_TOKEN")
    missing = job(gitlab_script(push), job2, {**env2, **push_url_to(remote, url)}, check=False)
    assert missing.returncode != 0
    assert "TEMPLATE_UPDATE_TOKEN" in missing.stderr and "environment scope" in missing.stderr
