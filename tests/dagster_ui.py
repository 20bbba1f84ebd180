"""A `dg dev` server for a rendered project, driven through its GraphQL API (stdlib only)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

LAUNCH_BACKFILL = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on UnauthorizedError { message }
  }
}
"""
BACKFILL = """
query Backfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status }
    ... on PythonError { message }
  }
}
"""
RUNS = """
query Runs($id: String!) {
  runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
    ... on Runs { results { runId status startTime endTime tags { key value } } }
  }
}
"""
METADATA = """
  metadataEntries {
    label
    ... on TextMetadataEntry { text }
    ... on IntMetadataEntry { intValue }
    ... on TableSchemaMetadataEntry { schema { columns { name type } } }
    ... on TableColumnLineageMetadataEntry { lineage { columnName } }
    ... on CodeReferencesMetadataEntry {
      codeReferences {
        __typename
        ... on LocalFileCodeReference { filePath }
        ... on UrlCodeReference { url }
      }
    }
  }
"""
ASSET_NODES = f"""
{{
  assetNodes {{
    assetKey {{ path }}
    description
    groupName
    kinds
    owners {{ ... on TeamAssetOwner {{ team }} ... on UserAssetOwner {{ email }} }}
    assetChecksOrError {{ ... on AssetChecks {{ checks {{ name description }} }} }}
    assetMaterializations(limit: 2) {{ {METADATA} }}
    {METADATA}
  }}
}}
"""
FINISHED = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DagsterUI:
    def __init__(self, port: int) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.url = f"{self.base_url}/graphql"

    def query(self, query: str, **variables) -> dict:
        body = json.dumps({"query": query, "variables": variables}).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = json.load(response)
        assert "errors" not in payload, payload["errors"]
        return payload["data"]

    def wait_until_up(self, process: subprocess.Popen, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert process.poll() is None, "dg dev exited early"
            with contextlib.suppress(urllib.error.URLError, ConnectionError, OSError):
                self.query("{ version }")
                return
            time.sleep(1)
        raise TimeoutError(f"dg dev did not answer within {timeout} s")

    def asset_nodes(self) -> dict[str, dict]:
        """Every asset as the UI shows it, by key (`a/b`): its definition's metadata, and the
        metadata of its last two materializations (newest first), each by label."""
        nodes = {}
        for node in self.query(ASSET_NODES)["assetNodes"]:
            node["metadata"] = {e.pop("label"): e for e in node.pop("metadataEntries")}
            node["materializations"] = [
                {e.pop("label"): e for e in event["metadataEntries"]}
                for event in node.pop("assetMaterializations")
            ]
            nodes["/".join(node["assetKey"]["path"])] = node
        return nodes

    def backfill(self, asset_keys: list[list[str]], partitions: list[str]) -> str:
        params = {
            "assetSelection": [{"path": key} for key in asset_keys],
            "partitionNames": partitions,
            "fromFailure": False,
        }
        result = self.query(LAUNCH_BACKFILL, params=params)["launchPartitionBackfill"]
        assert result["__typename"] == "LaunchBackfillSuccess", result
        return result["backfillId"]

    def wait_for_backfill(self, backfill_id: str, timeout: float) -> tuple[str, list[dict]]:
        """The backfill's status and runs once it and its runs have finished (the daemon marks
        the backfill finished on its next tick, up to 30 s after its last run)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.query(BACKFILL, id=backfill_id)["partitionBackfillOrError"]["status"]
            runs = self.query(RUNS, id=backfill_id)["runsOrError"]["results"]
            runs_done = all(r["status"] in {"SUCCESS", "FAILURE", "CANCELED"} for r in runs)
            if runs_done and status in FINISHED:
                return status, runs
            time.sleep(2)
        raise TimeoutError(f"backfill {backfill_id} still running after {timeout} s")


@contextlib.contextmanager
def background(cmd: list[str], cwd: Path, env: dict, log: Path) -> Iterator[subprocess.Popen]:
    """A server process in its own process group, stopped (group and all) on exit.

    It starts with default signal handling: a dg/dagster server started in the background of a
    non-interactive shell ignores SIGTERM otherwise (the equivalent of
    `env --default-signal=INT,TERM`).
    """
    with log.open("w") as out:
        process = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: [signal.signal(s, signal.SIG_DFL) for s in (2, 15)] and None,
        )  # fmt: skip
        try:
            yield process
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextlib.contextmanager
def dg_dev(project: Path, env: dict[str, str], log: Path) -> Iterator[DagsterUI]:
    """Start `dg dev` in the project; stop it cleanly afterwards."""
    port = free_port()
    cmd = [str(project / ".venv/bin/dg"), "dev", "--port", str(port), "--host", "127.0.0.1"]
    with background(cmd, project, env, log) as process:
        ui = DagsterUI(port)
        ui.wait_until_up(process, timeout=120)
        yield ui
