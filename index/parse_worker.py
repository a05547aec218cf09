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

The child is held to limits a hostile file cannot talk its way past (issue 24):

- memory: its address space is capped with ``RLIMIT_AS`` (``DEFAULT_PARSE_MEMORY``, 3 GiB; set
  ``CITESEARCH_PARSE_MEMORY_MB``, or ``memory_limit``). A file that needs more ends in
  MemoryError, or in a crash near the limit, and is reported as having run out of it; the next
  file gets a new child, whose memory is whole again;
- processes: the child leads a process group of its own (``start_new_session``) that whatever it
  starts (Tesseract) joins, and the whole group is killed together, so no ``tesseract`` goes on
  under PID 1 after a time-out;
- temporary files: the child's ``TMPDIR`` is a directory the parent makes for it, emptied after
  each file and removed once the child is reaped, however it ended (Tesseract's ``tess_*``
  files, an e-mail's attachments); those of an indexer that was itself killed are removed by
  the next one that starts a child.

No message leaves the child with a server path in it: the folders of the file and of the
temporary directory are cut from each one (a library may word its failure with the full path).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType

from index.ingest.readers import without_paths
from index.ingest.source import LoadError
from index.records import DocumentMeta, ParsedDocument, ParsedFile

DEFAULT_PARSE_TIMEOUT = 300.0  # seconds per file; a 10,000-page PDF parses in about 20 s
# Address space of the parse child: 20 million characters of text (``MAX_TEXT_CHARS``) peak at
# 2.4 GB of it, a 10,000-page PDF far below; the server keeps its own memory.
DEFAULT_PARSE_MEMORY = 3 * 2**30
MEMORY_ENV = "CITESEARCH_PARSE_MEMORY_MB"
_START_TIMEOUT = 120.0  # a fresh interpreter importing the parser, on a loaded machine
_REAP_TIMEOUT = 10.0  # seconds a child that was asked to stop has before it is killed
_NEAR_LIMIT = 0.9  # a crash at this share of the memory limit is taken for running out of it
_NICE_ENV = "CITESEARCH_PARSE_CHILD_NICE"  # set by the parent for its child only
_TMP_PREFIX = "citesearch-parse-"  # then the indexer's process id: "citesearch-parse-4242-x1y2"


def parse_memory_limit() -> int:
    """The parse child's memory limit in bytes: ``CITESEARCH_PARSE_MEMORY_MB`` when set (0 for
    none), else ``DEFAULT_PARSE_MEMORY``."""
    value = os.environ.get(MEMORY_ENV, "").strip()
    if not value:
        return DEFAULT_PARSE_MEMORY
    try:
        megabytes = int(value)
    except ValueError:
        raise ValueError(f"{MEMORY_ENV} must be a whole number of MB, got {value!r}") from None
    return max(megabytes, 0) * 2**20


def memory_size(n: int) -> str:
    """``n`` bytes as a person reads a memory limit.

    >>> memory_size(3 * 2**30), memory_size(512 * 2**20)
    ('3 GB', '512 MB')
    """
    return f"{n / 2**30:.3g} GB" if n >= 2**30 else f"{n / 2**20:.3g} MB"


class ParseTimedOut(LoadError):
    """A file whose parse ran past the time limit (one with a longer limit might read it)."""


class WorkerUnavailable(RuntimeError):
    """The parsing process could not be started (a broken installation, not a bad file)."""


class ParseWorker:
    """Parses files one at a time in a child process, each within ``timeout`` seconds and
    ``memory_limit`` bytes of address space.

    ``parse`` raises ``LoadError`` for a file that cannot be read, that took longer than the limit
    or ran out of memory (the child is killed and the next file gets a new one), or on which the
    parser crashed. ``timeout=None`` waits as long as parsing takes (crashes are still
    contained); ``memory_limit=None`` takes ``parse_memory_limit()``, 0 sets none. ``nice``
    lowers the child's CPU priority (and that of what it starts: Tesseract) by that much, so a
    server's slow work leaves the processor to its quick work.

    >>> with ParseWorker(timeout=60) as worker:
    ...     doc = worker.parse(Path("corpus/belarus-new-export-markets.txt"))
    """

    def __init__(
        self,
        timeout: float | None = DEFAULT_PARSE_TIMEOUT,
        memory_limit: int | None = None,
        *,
        nice: int = 0,
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise ValueError(f"timeout must be positive seconds or None, got {timeout!r}")
        if memory_limit is not None and memory_limit < 0:
            raise ValueError(f"memory_limit must be bytes (0 for none), got {memory_limit!r}")
        self.timeout = timeout
        self.memory_limit = parse_memory_limit() if memory_limit is None else memory_limit
        self.nice = nice
        self.started = 0  # child processes started, for reports and tests
        self._proc: subprocess.Popen[bytes] | None = None
        self._jobs: Connection | None = None
        self._results: Connection | None = None
        self._tmp: Path | None = None  # the child's TMPDIR
        self._start_peak = 0  # the child's peak resident memory when it was ready, in bytes

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
            raise ParseTimedOut(
                f"took longer than {self.timeout:g} s to read and parse (a damaged file, or one "
                "too large for the time limit)"
            )
        try:
            kind, value = results.recv()
        except (EOFError, OSError):
            status, peak = self._stop(kill=True)
            if status not in (None, 0) and self._near_limit(peak):
                raise LoadError(self._out_of_memory()) from None
            raise LoadError(f"the parser crashed on this file ({_describe(status)})") from None
        if kind == "memory":  # the child is spent: the next file gets a fresh one
            self._stop(kill=True)
            raise LoadError(self._out_of_memory())
        self._empty_tmp()
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
        # Leaving on an exception (Ctrl-C: the child, in a session of its own, did not get it)
        # does not wait for the file being parsed.
        self._stop(kill=exc is not None)

    def _out_of_memory(self) -> str:
        return (
            f"ran out of its {memory_size(self.memory_limit)} memory limit while reading (a file "
            "too large, or damaged)"
        )

    def _near_limit(self, peak: int) -> bool:
        """Whether a child whose peak resident memory was ``peak`` bytes ran into its limit.
        A forked child keeps its parent's peak across exec (a server with a model loaded):
        only a peak it reached itself, past what it started with, counts."""
        limit = self.memory_limit
        return limit > 0 and peak > self._start_peak and peak >= _NEAR_LIMIT * limit

    def _ensure_started(self) -> tuple[Connection, Connection]:
        if self._proc is not None and self._jobs is not None and self._results is not None:
            return self._jobs, self._results
        try:
            _remove_stale_tmp()
            self._tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-"))
        except OSError as exc:
            why = exc.strerror or type(exc).__name__
            raise WorkerUnavailable(
                f"cannot make the parser's temporary directory ({why})"
            ) from exc
        job_read, job_write = os.pipe()
        result_read, result_write = os.pipe()
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "index.parse_worker"]
                + [str(job_read), str(result_write), str(os.getpid()), str(self.memory_limit)],
                pass_fds=(job_read, result_write),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=_child_env(self._tmp) | {_NICE_ENV: str(self.nice)},
                start_new_session=True,  # its own process group, Tesseract and all
            )
        except OSError as exc:
            os.close(job_write)
            os.close(result_read)
            self._remove_tmp()
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
            if self._results.poll(_START_TIMEOUT):
                kind, self._start_peak = self._results.recv()
                ready = kind == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            status, _ = self._stop(kill=True)
            raise WorkerUnavailable(f"the parsing process did not start ({_describe(status)})")
        return self._jobs, self._results

    def _stop(self, *, kill: bool) -> tuple[int | None, int]:
        """End the child (killing its whole process group when ``kill``, or when it does not
        leave in time), reap it, remove its temporary directory; returns its exit status
        (negative: the signal that ended it) and its peak resident memory in bytes."""
        proc, self._proc = self._proc, None
        for conn in (self._jobs, self._results):
            if conn is not None:
                conn.close()
        self._jobs = self._results = None
        status: int | None = None
        peak = 0
        if proc is not None:
            if kill:
                _kill_group(proc.pid)
            reaped = _reap(proc, _REAP_TIMEOUT)
            if reaped is None:
                _kill_group(proc.pid)
                reaped = _reap(proc, None)
            status, peak = reaped or (proc.returncode, 0)
            _kill_group(proc.pid)  # anything it started that outlived it
        self._remove_tmp()
        return status, peak

    def _empty_tmp(self) -> None:
        """Remove what a parse left in the child's temporary directory (the child is idle)."""
        if self._tmp is not None:
            for entry in list(self._tmp.iterdir()) if self._tmp.is_dir() else []:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)

    def _remove_tmp(self) -> None:
        tmp, self._tmp = self._tmp, None
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _remove_stale_tmp() -> None:
    """Remove the temporary directories of parse children whose indexer was killed (its
    ``_stop`` never ran); the directory names carry the indexer's process id."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_TMP_PREFIX}*-*"):
        owner = folder.name[len(_TMP_PREFIX) :].split("-", 1)[0]
        if not owner.isdigit() or int(owner) == os.getpid():
            continue
        try:
            os.kill(int(owner), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass  # alive, another user's


def _child_env(tmp: Path) -> dict[str, str]:
    """The child's environment: the package on its path, ``tmp`` as every temporary
    directory its libraries and programs look for."""
    package_root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    env.update({"TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp)})
    return env


def _kill_group(pgid: int) -> None:
    """SIGKILL every process of the group ``pgid`` (the child's; gone already is fine)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _reap(proc: subprocess.Popen[bytes], timeout: float | None) -> tuple[int, int] | None:
    """Wait for the child (``timeout`` seconds, None for as long as it takes); its exit status
    in Popen's terms and its peak resident memory in bytes, or None if it is still running.

    ``os.wait4`` rather than ``Popen.wait``: it also gives the child's own peak memory, which
    tells a crash at the memory limit from another."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            pid, status, usage = os.wait4(proc.pid, 0 if deadline is None else os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere
            return (proc.returncode if proc.returncode is not None else 0), 0
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_maxrss * 1024  # kilobytes on Linux
        if deadline is not None and time.monotonic() > deadline:
            return None
        time.sleep(0.01)


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


def _limit_memory(limit: int) -> None:
    """Cap this process's address space (and that of what it starts) at ``limit`` bytes."""
    if limit <= 0:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _parse_one(
    path: str, meta: DocumentMeta | None, is_word: Callable[[str], bool]
) -> tuple[str, object]:
    """One job's reply: ("ok", ParsedFile), ("error", why) or ("memory", None)."""
    from index.parse import parse_documents

    folders = [str(Path(path).parent), str(Path(path).resolve().parent), tempfile.gettempdir()]
    try:
        return "ok", parse_documents(Path(path), meta, is_word=is_word)
    except MemoryError:
        return "memory", None
    except LoadError as exc:
        return "error", without_paths(str(exc), folders)
    except OSError as exc:
        return "error", f"cannot read the file ({exc.strerror or type(exc).__name__})"
    except Exception as exc:  # a parser bug on one file must not stop the collection
        why = without_paths(f"{type(exc).__name__}: {exc}", folders)
        return "error", f"the parser failed on this file ({why})"


def serve(job_fd: int, result_fd: int, parent_pid: int, memory_limit: int = 0) -> None:
    """The child's loop: parse each (path, meta) received, send back ("ok", ParsedFile),
    ("error", why), or ("memory", None) and end (a process that ran out of memory is not
    trusted with the next file)."""
    _die_with_parent(parent_pid)
    _limit_memory(memory_limit)
    nice = int(os.environ.pop(_NICE_ENV, "0") or 0)
    if nice > 0:
        os.nice(nice)
    from index.text.lexicon import load_lexicon

    jobs = Connection(job_fd, writable=False)
    results = Connection(result_fd, readable=False)
    is_word = load_lexicon()
    results.send(("ready", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))
    while True:
        try:
            path, meta = jobs.recv()
        except EOFError:
            return
        reply = _parse_one(path, meta, is_word)
        try:
            results.send(reply)
        except MemoryError:  # the reply itself did not fit (pickling a huge result)
            reply = ("memory", None)
            results.send(reply)
        if reply[0] == "memory":
            return


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
