"""A throwaway local PostgreSQL server for tests and CI (Debian's postgresql package).

    python -m salesmart.pg_server run -- pytest -q tests/python/test_postgres.py   # start, run, stop
    python -m salesmart.pg_server start --dir /tmp/pg   # prints `export SALESMART_PG_...` lines
    python -m salesmart.pg_server stop --dir /tmp/pg

The cluster lives in a temporary data directory, listens on 127.0.0.1 on a random free port, and
authenticates TCP clients with a random password (scram-sha-256). PostgreSQL refuses to run as root, so
when we are root the server runs as the unprivileged `postgres` user (created by the Debian package).
"""

from __future__ import annotations

import argparse
import atexit
import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "salesmart"
DATABASE = "salesmart"
RUN_AS = "postgres"


class PgServerError(RuntimeError):
    """The server could not be started or stopped; the message holds the server log's tail."""


@dataclass(frozen=True)
class PgServer:
    root: Path  # holds data/, the socket, server.log and env.sh
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def env(self) -> dict[str, str]:
        """The variables profiles.yml (target postgres) and the loader read."""
        return {
            "SALESMART_PG_HOST": self.host,
            "SALESMART_PG_PORT": str(self.port),
            "SALESMART_PG_USER": self.user,
            "SALESMART_PG_PASSWORD": self.password,
            "SALESMART_PG_DBNAME": self.dbname,
        }


def bin_dir() -> Path:
    """Directory of initdb/pg_ctl: PG_BIN, else the newest /usr/lib/postgresql/<major>/bin."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    raise PgServerError("PostgreSQL server binaries not found: apt-get install -y postgresql (or set PG_BIN)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", RUN_AS, "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], log: Path | None = None) -> None:
    proc = subprocess.run(_as_server_user(cmd), capture_output=True, text=True)
    if proc.returncode != 0:
        tail = log.read_text()[-2000:] if log and log.exists() else ""
        raise PgServerError(f"{' '.join(cmd[:1])} failed ({proc.returncode}): {proc.stderr.strip()}\n{tail}")


def start(root: Path | None = None) -> PgServer:
    """initdb + pg_ctl start in a new directory; returns the connection details."""
    pg_bin = bin_dir()
    root = Path(root or tempfile.mkdtemp(prefix="salesmart-pg-"))
    root.mkdir(parents=True, exist_ok=True)
    password = secrets.token_hex(16)
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, RUN_AS, RUN_AS)
        shutil.chown(pwfile, RUN_AS, RUN_AS)
    os.chmod(pwfile, 0o600)
    data = root / "data"
    log = root / "server.log"
    _run(
        [
            str(pg_bin / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--pwfile",
            str(pwfile),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
        ]
    )
    pwfile.unlink()
    # A few ports may be taken between choosing and binding; try again on another.
    for _ in range(5):
        port = _free_port()
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c timezone=UTC"
        try:
            _run([str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"], log)
            break
        except PgServerError:
            if "could not bind" not in (log.read_text() if log.exists() else ""):
                raise
    else:
        raise PgServerError(f"could not start PostgreSQL on a free port; see {log}")
    server = PgServer(root, "127.0.0.1", port, SUPERUSER, password, DATABASE)
    _create_database(server)
    (root / "env.sh").write_text("".join(f"export {k}={v}\n" for k, v in server.env().items()))
    return server


def _create_database(server: PgServer) -> None:
    import psycopg2

    con = psycopg2.connect(
        host=server.host, port=server.port, user=server.user, password=server.password, dbname="postgres"
    )
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f"create database {server.dbname}")
    finally:
        con.close()


def stop(root: Path, remove: bool = True) -> None:
    """pg_ctl stop (fast) and delete the directory; a server already gone is fine."""
    root = Path(root)
    data = root / "data"
    if (data / "postmaster.pid").exists():
        _run([str(bin_dir() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], root / "server.log")
    if remove:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def temporary_server() -> Iterator[PgServer]:
    """A server for the duration of the block; stopped and deleted at exit (also on interpreter exit)."""
    server = start()
    atexit.register(stop, server.root)
    try:
        yield server
    finally:
        stop(server.root)
        atexit.unregister(stop)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m salesmart.pg_server", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_start = sub.add_parser("start", help="start a server and print `export` lines")
    p_start.add_argument("--dir", type=Path, default=None, help="server directory (default: a new temp dir)")
    p_stop = sub.add_parser("stop", help="stop the server of --dir and delete the directory")
    p_stop.add_argument("--dir", type=Path, required=True)
    p_run = sub.add_parser("run", help="start a server, run a command with its env, stop it")
    p_run.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "start":
        server = start(args.dir)
        print(f"# server directory: {server.root} (stop with: python -m salesmart.pg_server stop --dir {server.root})")
        print((server.root / "env.sh").read_text(), end="")
        return 0
    if args.command == "stop":
        stop(args.dir)
        return 0
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("run: give a command after --")
    # SIGTERM (CI timeouts) unwinds like Ctrl-C, so the server is stopped and its directory deleted.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with temporary_server() as server:
        return subprocess.call(cmd, env={**os.environ, **server.env()})


if __name__ == "__main__":
    sys.exit(main())
