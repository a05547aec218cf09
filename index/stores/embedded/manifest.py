"""The embedded store's manifest: what a committed directory vouches for, and the checks at open.

``manifest.json`` is written last by a commit: format version, model, library versions, options,
counts, the corpus files indexed and every other file of the directory with its size and sha256.
A store refuses to open a directory whose manifest does not match this code, the model in use, or
the files on disk.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bm25s
import faiss

from index.stores.base import IndexMismatch, IndexMissing, ModelInfo
from index.stores.embedded.generations import fsync_dir
from index.stores.options import StoreOptions
from index.text.tokenize import TOKENIZER_VERSION

# 2: sentences with their vectors; 3: notes searched (bm25_notes/), footnotes' label and kind;
# 4: the entities each passage mentions, and their filter keys
FORMAT_VERSION = 4
MANIFEST_FILE = "manifest.json"
REBUILD_HINT = "rebuild it with `citesearch index --rebuild <corpus>`"


def library_versions() -> dict[str, str | None]:
    """Versions of the libraries whose file formats or vectors an index depends on."""
    try:
        st_version: str | None = importlib.metadata.version("sentence-transformers")
    except importlib.metadata.PackageNotFoundError:
        st_version = None
    return {
        "faiss": str(faiss.__version__),
        "bm25s": str(bm25s.__version__),
        "sentence_transformers": st_version,
    }


def read_manifest(
    directory: Path, path: Path, db_file: str
) -> tuple[dict[str, Any], ModelInfo, StoreOptions]:
    """The manifest of the store in ``directory`` (``path`` as the user named it, for messages)
    with the model and options it records. Raises ``IndexMissing`` / ``IndexMismatch``."""
    manifest_path = directory / MANIFEST_FILE
    if not manifest_path.is_file():
        if directory.is_dir() and (directory / db_file).exists():
            raise IndexMismatch(
                f"index at {path} was never completed (no manifest); {REBUILD_HINT}"
            )
        raise IndexMissing(f"no index at {path}; build one with `citesearch index <corpus>`")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        model = ModelInfo.from_json(manifest["model"])
        options = StoreOptions.from_json(manifest["options"])
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexMismatch(
            f"index manifest {manifest_path} is unreadable ({exc}); {REBUILD_HINT}"
        ) from exc
    return manifest, model, options


def recorded_model(path: Path) -> ModelInfo | None:
    """The model the index at ``path`` records, or None (no index, or unreadable)."""
    try:
        manifest = json.loads((Path(path) / MANIFEST_FILE).read_text(encoding="utf-8"))
        return ModelInfo.from_json(manifest["model"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest atomically (temporary file, fsync, rename) and flush the directory."""
    tmp = directory / f".{MANIFEST_FILE}.tmp"
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, directory / MANIFEST_FILE)
    fsync_dir(directory)


def file_list(directory: Path) -> list[dict[str, Any]]:
    """Every file of the store but the manifest, with its size and sha256."""
    return [
        {"name": name, "size": path.stat().st_size, "sha256": _file_sha256(path)}
        for name, path in _store_files(directory)
    ]


def check_manifest(
    manifest: dict[str, Any],
    model: ModelInfo,
    path: Path,
    expect_model: str | None,
    expect_dim: int | None,
    expect_weights_hash: str | None,
) -> None:
    """Refuse an index written by other code or for another model."""
    problems = []
    if manifest.get("format_version") != FORMAT_VERSION:
        problems.append(
            f"format version {manifest.get('format_version')}, this citesearch reads {FORMAT_VERSION}"
        )
    if manifest.get("tokenizer") != TOKENIZER_VERSION:
        problems.append(f"BM25 tokenizer {manifest.get('tokenizer')}, now {TOKENIZER_VERSION}")
    if expect_model is not None and model.name != expect_model:
        problems.append(f"model {model.name}, expected {expect_model}")
    if expect_dim is not None and model.dimension != expect_dim:
        problems.append(f"vectors of dimension {model.dimension}, expected {expect_dim}")
    if expect_weights_hash is not None and model.weights_hash != expect_weights_hash:
        problems.append(
            f"model weights {model.weights_hash[:12]}, the loaded model has {expect_weights_hash[:12]}"
        )
    # File formats (FAISS, bm25s) and vectors (sentence-transformers) may change between minor
    # releases; patch releases are trusted.
    recorded = manifest.get("libraries", {})
    for name, version in library_versions().items():
        if _major_minor(recorded.get(name)) != _major_minor(version):
            problems.append(f"{name} {recorded.get(name)}, installed {version}")
    if problems:
        raise IndexMismatch(
            f"index at {path} does not match this citesearch: {'; '.join(problems)}. {REBUILD_HINT}"
        )


def check_files(
    directory: Path, manifest: dict[str, Any], path: Path, verify_checksums: bool
) -> None:
    """Refuse an index whose files are missing, truncated or altered since the manifest."""
    try:
        files = [(f["name"], int(f["size"]), f["sha256"]) for f in manifest["files"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexMismatch(
            f"index manifest at {path} has no valid file list; {REBUILD_HINT}"
        ) from exc
    for name, size, sha in files:
        file = directory / name
        if not file.is_file():
            raise IndexMismatch(f"index at {path} is missing {name}; {REBUILD_HINT}")
        if file.stat().st_size != size:
            raise IndexMismatch(
                f"index file {name} at {path} has {file.stat().st_size} bytes, the manifest says "
                f"{size}: the index is damaged; {REBUILD_HINT}"
            )
        if verify_checksums and _file_sha256(file) != sha:
            raise IndexMismatch(
                f"index file {name} at {path} differs from the manifest (checksum): the index is "
                f"damaged; {REBUILD_HINT}"
            )


def _store_files(directory: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        if path.is_file() and name != MANIFEST_FILE and not name.startswith("."):
            yield name, path


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _major_minor(version: str | None) -> str | None:
    return ".".join(version.split(".")[:2]) if version else None
