"""All-or-nothing publication of a new index: generation directories behind one symlink.

Layout next to the index path ``var/index``::

    var/index            -> index.7   (a symlink, relative)
    var/index.6/          previous generation, kept for readers that opened it a moment ago
    var/index.7/          current generation: store.sqlite, vectors.faiss, bm25/, manifest.json
    var/.index.8.staging/ a build in progress (never read)
    var/index.lock        held by the indexer (index.stores.embedded.lock)

A build writes a complete store into a staging directory, fsyncs every file, renames the directory
to ``index.<N>`` and then replaces the symlink by renaming a new symlink over it. rename(2) is
atomic, so a reader resolving ``var/index`` sees the old generation or the new one, never a mix;
the store opens every file from the directory it resolved once. Generations are never modified
after publication.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

_KEEP = 2  # the current generation and the one before it


def fsync_tree(directory: Path) -> None:
    """Flush every file and directory under ``directory`` (included) to disk."""
    for root, _dirs, files in os.walk(directory):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(root))


def fsync_dir(directory: Path) -> None:
    """Flush a directory entry list (renames and new names in it) to disk."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _generation_pattern(index_dir: Path) -> re.Pattern[str]:
    return re.compile(rf"^\.?{re.escape(index_dir.name)}\.(\d+)(?:\.staging)?$")


def _generations(index_dir: Path) -> dict[int, Path]:
    """Published generation directories by number."""
    pattern = re.compile(rf"^{re.escape(index_dir.name)}\.(\d+)$")
    found: dict[int, Path] = {}
    if index_dir.parent.is_dir():
        for entry in index_dir.parent.iterdir():
            match = pattern.match(entry.name)
            if match and entry.is_dir() and not entry.is_symlink():
                found[int(match.group(1))] = entry
    return found


def _next_number(index_dir: Path) -> int:
    pattern = _generation_pattern(index_dir)
    numbers = [0]
    if index_dir.parent.is_dir():
        for entry in index_dir.parent.iterdir():
            match = pattern.match(entry.name)
            if match:
                numbers.append(int(match.group(1)))
    return max(numbers) + 1


def current_generation(index_dir: Path) -> Path | None:
    """The directory the index path points to now, or None when there is no index."""
    if index_dir.is_symlink() or index_dir.is_dir():
        resolved = index_dir.resolve()
        return resolved if resolved.is_dir() else None
    return None


def adopt_plain_directory(index_dir: Path) -> None:
    """Turn an index written straight into ``index_dir`` (no symlink) into a generation.

    Not atomic (a reader opening at that instant finds no index), and needed once at most.
    """
    if index_dir.is_symlink() or not index_dir.exists():
        return
    if not index_dir.is_dir():
        raise RuntimeError(f"{index_dir} exists and is not an index directory")
    if not any(index_dir.iterdir()):
        index_dir.rmdir()
        return
    if not (index_dir / "manifest.json").exists():
        raise RuntimeError(
            f"{index_dir} is a directory without an index manifest; "
            "refusing to replace it (move it away or choose another --index-dir)"
        )
    target = index_dir.parent / f"{index_dir.name}.{_next_number(index_dir)}"
    index_dir.rename(target)
    _point(index_dir, target)


def new_staging_dir(index_dir: Path) -> Path:
    """A fresh, empty staging directory for the next generation (the caller holds the lock)."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    for entry in index_dir.parent.iterdir():
        # Leftovers of a build that crashed: nobody reads them, and we hold the lock.
        if _generation_pattern(index_dir).match(entry.name) and entry.name.endswith(".staging"):
            shutil.rmtree(entry, ignore_errors=True)
    staging = index_dir.parent / f".{index_dir.name}.{_next_number(index_dir)}.staging"
    staging.mkdir()
    return staging


def publish(staging: Path, index_dir: Path) -> Path:
    """Make a complete staging directory the current generation; returns its final path."""
    match = _generation_pattern(index_dir).match(staging.name)
    if match is None or not staging.name.endswith(".staging"):
        raise ValueError(f"{staging} is not a staging directory of {index_dir}")
    fsync_tree(staging)
    final = index_dir.parent / f"{index_dir.name}.{match.group(1)}"
    staging.rename(final)
    _point(index_dir, final)
    _remove_old(index_dir)
    return final


def _point(index_dir: Path, target: Path) -> None:
    link = index_dir.parent / f".{index_dir.name}.link.tmp"
    link.unlink(missing_ok=True)
    link.symlink_to(target.name)  # relative: the parent directory can move
    os.replace(link, index_dir)
    fsync_dir(index_dir.parent)


def _remove_old(index_dir: Path) -> None:
    current = current_generation(index_dir)
    numbers = sorted(_generations(index_dir), reverse=True)
    for number in numbers[_KEEP:]:
        path = _generations(index_dir)[number]
        if path != current:
            shutil.rmtree(path, ignore_errors=True)
