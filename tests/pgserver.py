"""A real PostgreSQL server for the tests and benchmarks of the PostgreSQL history store.

``start()`` returns a :class:`Server`, or raises :class:`Unavailable` saying why none could be
had. In order:

1. ``CLAIMLINT_TEST_POSTGRES_URL`` names a server already running (a URL whose user may
   ``CREATE DATABASE``): it is used, nothing is started;
2. else ``initdb`` (on PATH, or Debian's /usr/lib/postgresql/<version>/bin; ``.ci/run``
   installs the ``postgresql`` package when it is missing) makes a cluster in a temporary
   folder and ``pg_ctl`` starts it on 127.0.0.1 at a free port (and on a unix socket in that
   folder), with a password for TCP connections (scram-sha-256), so the tests see a URL with
   a password as users write it. initdb refuses to run as root: as root the cluster belongs
   to, and the server runs as, the unprivileged ``postgres`` user (``nobody`` when there is
   none), through ``subprocess``'s ``user=``/``group=`` (no su, no sudo).

:meth:`Server.stop` stops a server it started and removes its folder.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

USER = "claimlint"
#: the password of the test cluster's superuser: a colon and an at sign need escaping in a URL
PASSWORD = "Pg-test:s3cret@x"


class Unavailable(Exception):
    """No PostgreSQL server can be had here; the message says why."""


@dataclass
class Server:
    #: a URL for the maintenance database (with the password)
    admin_url: str
    folder: Path | None = None
    run_as: dict[str, Any] = field(default_factory=dict)
    bin_dir: Path | None = None
    databases: list[str] = field(default_factory=list)

    def url(self, database: str, password: str | None = None) -> str:
        parts = urlsplit(self.admin_url)
        netloc = parts.netloc
        if password is not None:
            user = netloc.rpartition("@")[0].split(":", 1)[0]
            netloc = f"{user}:{quote(password, safe='')}@{netloc.rpartition('@')[2]}"
        return urlunsplit((parts.scheme, netloc, f"/{database}", parts.query, ""))

    def new_database(self) -> str:
        """A fresh, empty database; its URL (with the password)."""
        import psycopg

        name = f"claimlint_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        self.databases.append(name)
        return self.url(name)

    def execute(self, url: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        """Run one statement on the database ``url`` names (autocommit); its rows."""
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            cur = conn.execute(sql, params)
            return list(cur.fetchall()) if cur.description else []

    def stop(self) -> None:
        if self.folder is None:  # a server we did not start: drop our databases only
            with contextlib.suppress(Exception):
                import psycopg

                with psycopg.connect(self.admin_url, autocommit=True) as conn:
                    for name in self.databases:
                        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            return
        assert self.bin_dir is not None
        subprocess.run(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",
             "stop"],
            capture_output=True,
            check=False,
            timeout=60,
            **self.run_as,
        )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None


def find_bin() -> Path | None:
    """The folder of initdb/pg_ctl: on PATH, else Debian's newest /usr/lib/postgresql/N/bin."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


def _run_as() -> dict[str, Any]:
    """subprocess arguments that run a command as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    raise Unavailable("running as root and there is no 'postgres' or 'nobody' user to run as")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(settings: tuple[str, ...] = ("fsync=off", "max_connections=30")) -> Server:
    """A running server (see the module docstring); :class:`Unavailable` says why not."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise Unavailable("psycopg is not installed (pip install -e '.[dev]')") from None
    given = os.environ.get("CLAIMLINT_TEST_POSTGRES_URL")
    if given:
        server = Server(admin_url=given)
        try:
            server.execute(given, "SELECT 1")
        except Exception as exc:
            raise Unavailable(f"CLAIMLINT_TEST_POSTGRES_URL: cannot connect ({exc})") from None
        return server
    bin_dir = find_bin()
    if bin_dir is None:
        raise Unavailable(
            "initdb was not found (on PATH or in /usr/lib/postgresql/*/bin); install the "
            "Debian package postgresql (.ci/run does) or set CLAIMLINT_TEST_POSTGRES_URL"
        )
    run_as = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="claimlint-pg-"))
    try:
        owner = {"uid": run_as["user"], "gid": run_as["group"]} if run_as else None
        pwfile = folder / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if owner:
            os.chown(folder, owner["uid"], owner["gid"])
            os.chown(pwfile, owner["uid"], owner["gid"])
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        kwargs: dict[str, Any] = {"cwd": str(folder), "env": env, **run_as}
        done = subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(folder / "data"), "-U", USER,
             "--pwfile", str(pwfile), "--auth-local=trust", "--auth-host=scram-sha-256",
             "-E", "UTF8", "--no-sync", "--no-instructions"],
            capture_output=True, text=True, check=False, timeout=180, **kwargs,
        )  # fmt: skip
        if done.returncode != 0:
            raise Unavailable(f"initdb failed: {done.stderr.strip()[-400:]}")
        options = " ".join(f"-c {s}" for s in settings)
        last = ""
        for _attempt in range(3):  # a free port can be taken before the server binds it
            port = _free_port()
            done = subprocess.run(
                [str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-l",
                 str(folder / "server.log"), "-w", "-t", "120", "-o",
                 f"-h 127.0.0.1 -p {port} -k {folder} {options}", "start"],
                capture_output=True, text=True, check=False, timeout=180, **kwargs,
            )  # fmt: skip
            if done.returncode == 0:
                url = f"postgresql://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{port}/postgres"
                server = Server(admin_url=url, folder=folder, run_as=kwargs, bin_dir=bin_dir)
                atexit.register(server.stop)  # also when the session ends without teardown
                _wait(server)
                return server
            log = folder / "server.log"
            last = (log.read_text(errors="replace") if log.exists() else done.stderr)[-400:]
        raise Unavailable(f"pg_ctl could not start the server: {last.strip()}")
    except Unavailable:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    except (OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise Unavailable(f"could not start PostgreSQL: {exc}") from None


def _wait(server: Server, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            server.execute(server.admin_url, "SELECT 1")
            return
        except Exception as exc:
            if time.monotonic() > deadline:
                server.stop()
                raise Unavailable(f"the server started but accepts no connection: {exc}") from None
            time.sleep(0.2)
