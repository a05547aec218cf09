"""Parse files in a child process, so a file that hangs or kills the parser costs only that file.

Why a process, not a deadline checked inside the parser: the time goes in pypdf and in regular
expressions, and neither can be stopped from the inside (a cooperative deadline needs a check in
every loop, a regular expression or a C call never reaches one, and Python threads cannot be
killed). A child process can be killed at any instant, and whatever kills it (a segfault,
MemoryError, RecursionError) leaves the indexer standing.

One child parses file after file, so start-up, imports and the word list are paid once per build;
it is replaced after a file it had to be killed for. It is started with ``subprocess`` running
``python -m index.parse_worker`` rather than with ``multiprocessing``: fork is unsafe in the
threaded API server with torch loaded, and spawn re-imports the caller's ``__main__``. Jobs and
results travel as pickles over two pipes (``multiprocessing.connection.Connection``); the child's
stderr is the caller's (pypdf's warnings), its stdout is discarded so that nothing can mix into
the caller's own output (``citesearch index --json``).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType

from index.ingest.source import LoadError
from index.records import DocumentMeta, ParsedDocument, ParsedFile

DEFAULT_PARSE_TIMEOUT = 300.0  # seconds per file; a 10,000-page PDF parses in about 20 s
_START_TIMEOUT = 120.0  # a fresh interpreter importing the parser, on a loaded machine


class WorkerUnavailable(RuntimeError):
    """The parsing process could not be started (a broken installation, not a bad file)."""


class ParseWorker:
    """Parses files one at a time in a child process, each within ``timeout`` seconds.

    ``parse`` raises ``LoadError`` for a file that cannot be read, that took longer than the limit
    (the child is killed and the next file gets a new one), or on which the parser crashed.
    ``timeout=None`` waits as long as parsing takes (crashes are still contained).

    >>> with ParseWorker(timeout=60) as worker:
    ...     doc = worker.parse(Path("corpus/belarus-new-export-markets.txt"))
    """

    def __init__(self, timeout: float | None = DEFAULT_PARSE_TIMEOUT) -> None:
        if timeout is not None and timeout <= 0:
            raise ValueError(f"timeout must be positive seconds or None, got {timeout!r}")
        self.timeout = timeout
        self.started = 0  # child processes started, for reports and tests
        self._proc: subprocess.Popen[bytes] | None = None
        self._jobs: Connection | None = None
        self._results: Connection | None = None

    def parse(self, path: Path, meta: DocumentMeta | None = None) -> ParsedDocument:
        """Read and parse one file in the child (see ``index.parse.parse_file``)."""
        return self.parse_all(path, meta).documents[0]

    def parse_all(self, path: Path, meta: DocumentMeta | None = None) -> ParsedFile:
        """Every document of one file, parsed in the child (an e-mail's attachments too; see
        ``index.parse.parse_documents``)."""
        jobs, results = self._ensure_started()
        try:
            jobs.send((str(path), meta))
        except OSError:
            self._stop(kill=True)
            raise LoadError("the parser stopped before reading this file") from None
        if not results.poll(self.timeout):
            self._stop(kill=True)
            raise LoadError(
                f"took longer than {self.timeout:g} s to read and parse (a damaged file, or one "
                "too large for the time limit)"
            )
        try:
            kind, value = results.recv()
        except (EOFError, OSError):
            status = self._stop(kill=True)
            raise LoadError(f"the parser crashed on this file ({_describe(status)})") from None
        if kind == "ok":
            assert isinstance(value, ParsedFile)
            return value
        raise LoadError(str(value))

    def close(self) -> None:
        """Stop the child (it exits when its job pipe closes)."""
        self._stop(kill=False)

    def __enter__(self) -> ParseWorker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _ensure_started(self) -> tuple[Connection, Connection]:
        if self._proc is not None and self._jobs is not None and self._results is not None:
            return self._jobs, self._results
        job_read, job_write = os.pipe()
        result_read, result_write = os.pipe()
        package_root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "index.parse_worker"]
                + [str(job_read), str(result_write), str(os.getpid())],
                pass_fds=(job_read, result_write),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=env,
            )
        except OSError as exc:
            os.close(job_write)
            os.close(result_read)
            raise WorkerUnavailable(f"cannot start the parsing process: {exc}") from exc
        finally:
            # The child holds its own copies; ours must go, or EOF never shows on either side.
            os.close(job_read)
            os.close(result_write)
        self.started += 1
        self._proc = proc
        self._jobs = Connection(job_write, readable=False)
        self._results = Connection(result_read, writable=False)
        ready = False
        try:
            ready = self._results.poll(_START_TIMEOUT) and self._results.recv() == ("ready", None)
        except (EOFError, OSError):
            ready = False
        if not ready:
            status = self._stop(kill=True)
            raise WorkerUnavailable(f"the parsing process did not start ({_describe(status)})")
        return self._jobs, self._results

    def _stop(self, *, kill: bool) -> int | None:
        proc, self._proc = self._proc, None
        for conn in (self._jobs, self._results):
            if conn is not None:
                conn.close()
        self._jobs = self._results = None
        if proc is None:
            return None
        if kill:
            proc.kill()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


def _describe(status: int | None) -> str:
    if status is None:
        return "no process"
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exit status {status}"


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this child when the indexer dies, even mid-parse (Linux only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # elsewhere the child still ends at its next read, when the job pipe closes
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def serve(job_fd: int, result_fd: int, parent_pid: int) -> None:
    """The child's loop: parse each (path, meta) received, send back ("ok", ParsedFile) or
    ("error", why)."""
    _die_with_parent(parent_pid)
    from index.parse import parse_documents
    from index.text.lexicon import load_lexicon

    jobs = Connection(job_fd, writable=False)
    results = Connection(result_fd, readable=False)
    is_word = load_lexicon()
    results.send(("ready", None))
    while True:
        try:
            job = jobs.recv()
        except EOFError:
            return
        path, meta = job
        try:
            reply: tuple[str, object] = ("ok", parse_documents(Path(path), meta, is_word=is_word))
        except (LoadError, OSError) as exc:
            reply = ("error", str(exc))
        except Exception as exc:  # a parser bug on one file must not stop the collection
            reply = ("error", f"the parser failed on this file ({type(exc).__name__}: {exc})")
        results.send(reply)


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
