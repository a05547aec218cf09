"""One indexer at a time: an exclusive, non-blocking fcntl lock next to the index."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from index.stores.base import IndexLocked

__all__ = ["IndexLock", "IndexLocked", "lock_path_for"]


def lock_path_for(index_dir: Path) -> Path:
    """The lock file of an index directory: a sibling, so it outlives generation swaps."""
    return index_dir.parent / f"{index_dir.name}.lock"


class IndexLock:
    """Hold the index's lock for the life of a ``with`` block; refuse at once if it is taken.

    The kernel drops an flock when its holder dies, so a crashed indexer never leaves a stale lock.
    """

    def __init__(self, index_dir: Path) -> None:
        self.path = lock_path_for(index_dir)
        self._fd: int | None = None

    def __enter__(self) -> IndexLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise IndexLocked(
                f"another citesearch indexer (pid {holder}) is writing {self.path.parent}; "
                f"wait for it to finish (lock file {self.path})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
