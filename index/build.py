"""Build or update an index from corpus files, doing only the work that changed.

Unchanged files (same content hash, path and metadata) keep their chunks and vectors; changed or
new files are parsed and chunked again, and only chunk texts never embedded before reach the
model (vectors are cached by chunk text hash). The result is written as a new generation and
published atomically; one indexer runs at a time (``index.store.StoreWriter``, opened by
``index.store_factory.open_writer``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from index.chunk import chunk_document
from index.embed import Embedder
from index.load import LoadError
from index.manifest import load_manifest
from index.parse_worker import DEFAULT_PARSE_TIMEOUT, ParseWorker
from index.passage_vectors import EmbeddedChunks, embed_chunks
from index.pipeline import PIPELINE_VERSION, SUPPORTED_SUFFIXES
from index.records import Chunk, DocumentMeta, ParsedDocument
from index.store import IndexMissing, ModelInfo, SourceFile, StoreWriter
from index.store_factory import Location, as_location, open_writer, recorded_model
from index.store_options import StoreOptions


@dataclass
class SkippedFile:
    path: str
    reason: str


@dataclass
class BuildReport:
    """What a build did. Doc ids are file stems; ``seconds`` is wall time per stage."""

    index_dir: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    # Files indexed this time with something unread (pages without text, a guessed encoding):
    # path -> the parser's warnings.
    warnings: dict[str, list[str]] = field(default_factory=dict)
    chunks_embedded: int = 0  # chunk texts sent to the model
    chunks_reused: int = 0  # chunks of re-read documents whose vector was cached
    sentences_embedded: int = 0  # sentence texts sent to the model (for highlights and answers)
    chunks_total: int = 0  # chunks in the index after the build
    published: bool = False  # False when nothing changed and the index was left as it was
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """A few lines for a terminal."""
        lines = [
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} "
            f"unchanged, {len(self.removed)} removed; {self.chunks_total} chunks in the index "
            f"({self.chunks_embedded} embedded, {self.chunks_reused} reused from cache)"
        ]
        lines += [f"skipped {s.path}: {s.reason}" for s in self.skipped]
        lines += [f"warning {path}: {'; '.join(w)}" for path, w in self.warnings.items()]
        if not self.published:
            lines.append(
                "nothing changed; the index was left as it was"
                if self.unchanged
                else "no index written: no readable file to index"
            )
        return "\n".join(lines)


@dataclass
class _Candidate:
    path: Path
    meta: DocumentMeta | None
    source: SourceFile


def build_index(
    paths: Sequence[Path],
    index_dir: Path | Location,
    *,
    embedder: Embedder,
    prune: bool = True,
    rebuild: bool = False,
    progress: bool = False,
    options: StoreOptions | None = None,
    parse_timeout: float | None = DEFAULT_PARSE_TIMEOUT,
) -> BuildReport:
    """Index files and directories into the index at ``index_dir`` (a directory or a
    ``Location``); returns what was done.

    A directory contributes every supported file under it (hidden ones aside) and the metadata
    of the ``manifest.json`` next to each file. With ``prune``, documents whose file is gone are
    removed: those that came from a directory or file given now and were not seen, and those
    whose file no longer exists (documents from other places are kept). ``rebuild`` ignores the
    existing index: everything is parsed and embedded again. A file that cannot be read is
    reported in ``skipped`` (a version indexed before stays) and the rest is indexed. Files are
    parsed in a child process (``index.parse_worker``): one that takes longer than
    ``parse_timeout`` seconds, or crashes the parser, is skipped and the build goes on.

    Raises ``IndexLocked`` when another indexer holds the index, and ``IndexMismatch`` when the
    existing index was built by other code or another model (and ``rebuild`` is False).
    """
    location = as_location(index_dir)
    report = BuildReport(index_dir=str(location))
    model = ModelInfo.of(embedder)
    with open_writer(location, model=model, options=options, fresh=rebuild) as writer:
        with _stage(report, "scan"):
            roots = [Path(p).absolute() for p in paths]
            candidates = _collect(roots, report)
        return _update(report, candidates, roots, writer, embedder, prune, progress, parse_timeout)


def _update(
    report: BuildReport,
    candidates: list[_Candidate],
    roots: list[Path],
    writer: StoreWriter,
    embedder: Embedder,
    prune: bool,
    progress: bool,
    parse_timeout: float | None,
) -> BuildReport:
    old_sources = writer.sources()
    old_metas = {info.meta.doc_id: info.meta for info in writer.documents()}

    to_parse: list[_Candidate] = []
    for cand in candidates:
        doc_id = cand.path.stem
        before = old_sources.get(doc_id)
        if before == cand.source and _same_meta(cand.meta, old_metas.get(doc_id)):
            report.unchanged.append(doc_id)
        else:
            to_parse.append(cand)

    seen = {c.path.stem for c in candidates}
    removed = []
    if prune:
        removed = sorted(
            doc_id
            for doc_id, source in old_sources.items()
            if doc_id not in seen and _gone(Path(source.path), roots)
        )

    parsed: list[tuple[ParsedDocument, list[Chunk], SourceFile]] = []
    with _stage(report, "parse"), ParseWorker(parse_timeout) as worker:
        for cand in _progress(to_parse, progress, "parse"):
            kept = " (the version indexed before is kept)" if cand.path.stem in old_metas else ""
            try:
                doc = worker.parse(cand.path, cand.meta)
            except (LoadError, OSError) as exc:
                report.skipped.append(SkippedFile(str(cand.path), f"{exc}{kept}"))
                continue
            try:
                chunks = chunk_document(doc, embedder.count_tokens, embedder.passage_tokens)
            except Exception as exc:  # a chunker bug on one document must not stop the rest
                why = f"could not be cut into passages ({type(exc).__name__}: {exc}){kept}"
                report.skipped.append(SkippedFile(str(cand.path), why))
                continue
            if not chunks:
                why = "; ".join(doc.warnings) or "the file holds no text"
                report.skipped.append(SkippedFile(str(cand.path), f"nothing to index: {why}"))
                continue
            parsed.append((doc, chunks, cand.source))
            if doc.warnings:
                report.warnings[str(cand.path)] = list(doc.warnings)

    with _stage(report, "embed"):
        embedded = _embed(parsed, writer, embedder, progress, report)

    if not parsed and not removed:
        report.chunks_total = writer.chunk_count
        return report

    with _stage(report, "write"):
        for doc_id in removed:
            writer.remove_document(doc_id)
        row = 0
        for doc, chunks, source in parsed:
            writer.add_document(
                doc,
                chunks,
                embedded.vectors[row : row + len(chunks)],
                sentences=embedded.sentences[row : row + len(chunks)],
                source=source,
            )
            row += len(chunks)
        writer.commit()
        report.chunks_total = writer.chunk_count
        writer.publish()
    for doc, _, _ in parsed:
        (report.updated if doc.meta.doc_id in old_metas else report.added).append(doc.meta.doc_id)
    report.removed = removed
    report.published = True
    return report


def _embed(
    parsed: list[tuple[ParsedDocument, list[Chunk], SourceFile]],
    writer: StoreWriter,
    embedder: Embedder,
    progress: bool,
    report: BuildReport,
) -> EmbeddedChunks:
    """Vectors of every chunk parsed and of its sentences: from the cache, else from the model."""
    chunks = [c for _, doc_chunks, _ in parsed for c in doc_chunks]
    embedded = embed_chunks(chunks, embedder, writer.get_cached_embeddings, progress=progress)
    report.chunks_reused = embedded.chunks_reused
    report.chunks_embedded = embedded.chunks_embedded
    report.sentences_embedded = embedded.sentences_embedded
    return embedded


def _collect(roots: list[Path], report: BuildReport) -> list[_Candidate]:
    """Supported files under the given paths, with their manifest metadata and content hash."""
    files: list[Path] = []
    for root in roots:
        if root.is_dir():
            files += sorted(
                p
                for p in root.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(root).parts)
            )
        elif root.is_file():
            if root.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(root)
            else:
                kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
                report.skipped.append(
                    SkippedFile(str(root), f"not a supported file type ({kinds})")
                )
        else:
            report.skipped.append(SkippedFile(str(root), "no such file or directory"))

    manifests: dict[Path, dict[str, DocumentMeta]] = {}
    by_id: dict[str, _Candidate] = {}
    for path in files:
        doc_id = path.stem
        if doc_id in by_id:
            if by_id[doc_id].path != path:
                report.skipped.append(
                    SkippedFile(
                        str(path),
                        f"same document id {doc_id!r} as {by_id[doc_id].path}; rename one",
                    )
                )
            continue
        if path.parent not in manifests:
            manifests[path.parent] = load_manifest(path.parent)
        by_id[doc_id] = _Candidate(path, manifests[path.parent].get(doc_id), _source_of(path))
    return list(by_id.values())


def _source_of(path: Path) -> SourceFile:
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    size = 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
            size += len(block)
    return SourceFile(str(path), digest.hexdigest(), size)


def _same_meta(given: DocumentMeta | None, stored: DocumentMeta | None) -> bool:
    """Whether the manifest says the same about a document as when it was indexed."""
    if stored is None:
        return False
    if given is None:
        return True  # no manifest entry: the metadata came from the unchanged file itself
    fields = ("title", "authors", "published", "kind")
    return all(getattr(given, f) == getattr(stored, f) for f in fields)


def _gone(source: Path, roots: list[Path]) -> bool:
    """A stored document's file was not seen: is it really gone, or just not asked about?"""
    return not source.exists() or any(source == r or r in source.parents for r in roots)


def _progress(items: list[_Candidate], enabled: bool, desc: str) -> Iterator[_Candidate]:
    if not enabled:
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc=desc, unit="file")


@contextmanager
def _stage(report: BuildReport, name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        report.seconds[name] = report.seconds.get(name, 0.0) + time.perf_counter() - start


def remove_documents(
    doc_ids: Sequence[str],
    index_dir: Path | Location,
    *,
    embedder: Embedder,
    options: StoreOptions | None = None,
) -> BuildReport:
    """Remove exactly these documents from the index, as a new generation; nothing else changes.

    No file is read or looked for: unlike a build with ``prune``, a document whose file has moved
    stays. Ids not in the index are left out of ``report.removed``; when none is there nothing is
    published. Raises ``IndexLocked``, ``IndexMissing``/``IndexMismatch`` as ``build_index`` does.
    """
    location = as_location(index_dir)
    report = BuildReport(index_dir=str(location))
    if recorded_model(location) is None:
        raise IndexMissing(f"no index at {location}; build one with `citesearch index <corpus>`")
    with open_writer(location, model=ModelInfo.of(embedder), options=options) as writer:
        present = {info.meta.doc_id for info in writer.documents()}
        removed = sorted(set(doc_ids) & present)
        report.unchanged = sorted(present - set(removed))
        if not removed:
            report.chunks_total = writer.chunk_count
            return report
        with _stage(report, "write"):
            for doc_id in removed:
                writer.remove_document(doc_id)
            writer.commit()
            report.chunks_total = writer.chunk_count
            writer.publish()
    report.removed = removed
    report.published = True
    return report
