"""A throwaway PostgreSQL server for the tests: Debian's binaries, initdb into a temporary folder,
a free loopback port, stopped and deleted afterwards."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from dagster_ui import free_port
from helpers import run

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "not-a-real-secret"


def available() -> bool:
    return (PG_BIN / "initdb").exists()


MISSING = f"PostgreSQL 15 binaries not in {PG_BIN} (Debian package postgresql)"


def as_postgres_user() -> dict:
    """initdb refuses to run as root: run the server as the `postgres` system user then."""
    if os.geteuid() != 0:
        return {}
    return {"user": pwd.getpwnam("postgres").pw_uid, "group": pwd.getpwnam("postgres").pw_gid}


@contextlib.contextmanager
def server(user: str = "dagster", database: str = "dagster") -> Iterator[dict]:
    """A running server with `user` (password PASSWORD) owning `database`:
    {"port", "user", "password", "db"}."""
    root = Path(tempfile.mkdtemp(prefix="dagster-pg-"))
    ids = as_postgres_user()
    if ids:
        os.chown(root, ids["user"], ids["group"])
    (root / "pw").write_text(PASSWORD + "\n")
    if ids:
        os.chown(root / "pw", ids["user"], ids["group"])
    port = free_port()
    data = root / "data"

    def pg(*cmd: str | Path, env: dict | None = None, check: bool = True) -> None:
        run(list(cmd), env=env, base=os.environ, timeout=120, check=check, **ids)

    pg(PG_BIN / "initdb", "-D", data, "-U", user, "--auth=scram-sha-256",
       f"--pwfile={root / 'pw'}")  # fmt: skip
    pg(PG_BIN / "pg_ctl", "-D", data, "-l", root / "server.log", "-w", "start", "-o",
       f"-p {port} -k {root} -c listen_addresses=127.0.0.1")  # fmt: skip
    try:
        pg(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", user, database,
           env={"PGPASSWORD": PASSWORD})  # fmt: skip
        yield {"port": port, "user": user, "password": PASSWORD, "db": database}
    finally:
        pg(PG_BIN / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)


def psql(pg: dict, sql: str) -> list[list[str]]:
    out = run(
        ["psql", "-h", "127.0.0.1", "-p", pg["port"], "-U", pg["user"], "-d", pg["db"],
         "-tA", "-F", "\t", "-c", sql],
        env={"PGPASSWORD": pg["password"]}, base=os.environ,
    )  # fmt: skip
    return [line.split("\t") for line in out.stdout.splitlines() if line]
