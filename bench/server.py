"""``citesearch serve`` in a child process on a free loopback port, for the HTTP benchmarks."""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import REPO_ROOT, citesearch_command, free_port, offline_env, rss_mb


class Server:
    """``citesearch serve`` in a child process on 127.0.0.1, stopped on exit."""

    def __init__(self, index_dir: Path, *, timeout: float = 600.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Closed in stop(): the server writes to it for as long as it runs.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        command = citesearch_command() + [
            "serve",
            "--index-dir",
            str(index_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=offline_env(), stdout=self.log, stderr=subprocess.STDOUT
        )
        self.timeout = timeout

    def wait_for_search(self, query: str) -> float:
        """Poll until a search is answered with 200; seconds since the process started."""
        deadline = self.started + self.timeout
        with httpx.Client(timeout=30.0) as client:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"the server exited with {self.process.returncode}: {self.output()}"
                    )
                try:
                    response = client.get(f"{self.url}/api/search", params={"q": query})
                    if response.status_code == 200:
                        return time.perf_counter() - self.started
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        raise TimeoutError(f"no answer from {self.url} within {self.timeout} s: {self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-2000:]

    def rss_mb(self) -> float:
        return rss_mb(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
