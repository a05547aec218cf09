"""Build or update an index from corpus files, doing only the work that changed.

Unchanged files (same content hash, path and metadata) keep their chunks and vectors; changed or
new files are parsed and chunked again, and only chunk texts never embedded before reach the
model (vectors are cached by chunk text hash). The result is written as a new generation and
published atomically; one indexer runs at a time (``index.stores.base.StoreWriter``, opened by
``index.stores.factory.open_writer``).

``build_index`` holds the index's lock for the whole build (a corpus build reads what changed and
the vector cache from the writer). A server adding uploads does it in two halves instead:
``prepare_files`` parses and embeds with no lock held, and ``write_prepared`` takes the lock only
to write and publish, so one upload's slow parse never holds up another's write.

A server whose backend takes it (``StoreWriter.words_first``) publishes an upload in two steps.
First its words (``prepare_files`` with ``embed=False``, then ``write_prepared``): parsed,
chunked, BM25 terms, notes and metadata, found by words, notes and filters at once and with no
model run, so it works while the models load. Then its meaning: the passages of every document
stored without vectors are read from the published generation (``waiting_passages``) and
embedded with no lock held (``embedded_passages``), and their vectors and sentences are written
as a later generation under the lock (``write_meaning``), only for passages still stored with
the text embedded (a document deleted or replaced meanwhile is left as it is). The documents
waiting are found in the index itself, so a restart between the steps finishes the second.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from index.ingest.metadata import load_manifest
from index.ingest.source import LoadError
from index.models.encoder import Encoder
from index.models.passage_vectors import CacheLookup, EmbeddedChunks, embed_chunks
from index.parse import PIPELINE_VERSION, SUPPORTED_SUFFIXES
from index.parse_worker import DEFAULT_PARSE_TIMEOUT, ParseTimedOut, ParseWorker
from index.records import Chunk, DocumentMeta, ParsedDocument, ParsedFile
from index.stores.base import (
    FileFingerprint,
    IndexMissing,
    ModelInfo,
    PreparedDocument,
    StoreReader,
    StoreWriter,
)
from index.stores.factory import (
    Location,
    as_location,
    open_reader,
    open_writer,
    recorded_model,
)
from index.stores.options import StoreOptions
from index.text.chunk import chunk_document
from index.text.entities import tag_chunks


@dataclass
class SkippedFile:
    path: str
    reason: str
    timed_out: bool = False  # the parse ran past its time limit (a larger one might do)


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
    second_embedded: int = 0  # chunk texts sent to the second model (``Embedder.second``)
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


@dataclass(frozen=True)
class BuildProgress:
    """Where a running build is: ``stage`` is parsing (files), embedding (texts) or publishing."""

    stage: str
    done: int
    total: int


ProgressCallback = Callable[[BuildProgress], None]


@dataclass
class _Candidate:
    path: Path
    meta: DocumentMeta | None
    source: FileFingerprint


def build_index(
    paths: Sequence[Path],
    index_dir: Path | Location,
    *,
    embedder: Encoder,
    prune: bool = True,
    rebuild: bool = False,
    progress: bool = False,
    options: StoreOptions | None = None,
    parse_timeout: float | None = DEFAULT_PARSE_TIMEOUT,
    on_progress: ProgressCallback | None = None,
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

    ``on_progress`` is told each file parsed, each batch of texts embedded, and the publishing.

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
        return _update(
            report,
            candidates,
            roots,
            writer,
            embedder,
            prune,
            progress,
            parse_timeout,
            on_progress or _no_progress,
        )


def _update(
    report: BuildReport,
    candidates: list[_Candidate],
    roots: list[Path],
    writer: StoreWriter,
    embedder: Encoder,
    prune: bool,
    progress: bool,
    parse_timeout: float | None,
    on_progress: ProgressCallback,
) -> BuildReport:
    old_sources = writer.sources()
    old_metas = {info.meta.doc_id: info.meta for info in writer.documents()}
    to_parse = _changed(candidates, old_sources, old_metas, report)
    removed = _pruned(candidates, roots, old_sources, old_metas) if prune else []

    with _stage(report, "parse"):
        parsed, yielded = _parse_files(
            to_parse, old_metas, embedder, report, progress, parse_timeout, on_progress
        )
    removed += _dropped(yielded, old_metas)

    if to_parse:
        on_progress(BuildProgress("parsing", len(to_parse), len(to_parse)))
    cached = writer.get_cached_embeddings
    with _stage(report, "embed"):
        embedded = _embed(
            parsed,
            embedder,
            progress,
            report,
            on_progress,
            cached,
            functools.partial(cached, second=True),
        )

    if not parsed and not removed:
        report.chunks_total = writer.chunk_count
        return report
    _write(report, writer, parsed, embedded, removed, old_metas, on_progress)
    return report


@dataclass
class PreparedFiles:
    """Files parsed and embedded by ``prepare_files``, not yet in any index.

    ``yielded`` maps each file read to the ids of the documents it gave (an e-mail's attachments
    too): what ``write_prepared`` compares with the index it writes to.
    """

    report: BuildReport
    parsed: list[tuple[ParsedDocument, list[Chunk], FileFingerprint]]
    embedded: EmbeddedChunks | None  # None: words first, the vectors follow (``write_meaning``)
    yielded: dict[str, list[str]]

    def timed_out(self, path: Path) -> bool:
        """Whether ``path`` was skipped because its parse ran past the time limit."""
        return any(s.timed_out and Path(s.path) == path.absolute() for s in self.report.skipped)


def prepare_files(
    paths: Sequence[Path],
    *,
    embedder: Encoder,
    parse_timeout: float | None = DEFAULT_PARSE_TIMEOUT,
    on_progress: ProgressCallback | None = None,
    worker: ParseWorker | None = None,
    embed: bool = True,
) -> PreparedFiles:
    """Parse and embed files without reading or locking any index: the first half of an update
    that ``write_prepared`` finishes. Every file given is parsed (none is taken for unchanged)
    and every passage embedded (the vector cache lives in the index, behind its lock). Files
    that cannot be read are in ``report.skipped``, as with ``build_index``.

    Without ``embed`` no model runs: the documents are written by their words alone (for a
    ``StoreWriter.words_first`` index), their vectors added later by ``write_meaning``.

    ``worker``: a parse worker kept by the caller (its child outlives this call, so the next
    call does not start one again; its own time limit applies); by default one for this call.
    """
    report = BuildReport(index_dir="")
    note = on_progress or _no_progress
    with _stage(report, "scan"):
        candidates = _collect([Path(p).absolute() for p in paths], report)
    with _stage(report, "parse"):
        parsed, yielded = _parse_files(
            candidates, {}, embedder, report, False, parse_timeout, note, worker
        )
    if not embed:
        return PreparedFiles(report, parsed, None, yielded)
    with _stage(report, "embed"):
        embedded = _embed(parsed, embedder, False, report, note)
    return PreparedFiles(report, parsed, embedded, yielded)


def write_prepared(
    prepared: PreparedFiles,
    index_dir: Path | Location,
    *,
    embedder: Encoder,
    options: StoreOptions | None = None,
    on_progress: ProgressCallback | None = None,
) -> BuildReport:
    """Write what ``prepare_files`` made into the index at ``index_dir`` and publish it: the
    lock is held for the write only. A document already indexed is replaced, and the stored
    attachments its file no longer yields are removed. Nothing is published when nothing was
    parsed. Raises ``IndexLocked`` and ``IndexMismatch`` as ``build_index`` does."""
    location = as_location(index_dir)
    report = prepared.report
    report.index_dir = str(location)
    if not prepared.parsed:
        return report
    with open_writer(location, model=ModelInfo.of(embedder), options=options) as writer:
        old_metas = {info.meta.doc_id: info.meta for info in writer.documents()}
        removed = _dropped(prepared.yielded, old_metas)
        _write(
            report,
            writer,
            prepared.parsed,
            prepared.embedded,
            removed,
            old_metas,
            on_progress or _no_progress,
        )
    return report


def _write(
    report: BuildReport,
    writer: StoreWriter,
    parsed: list[tuple[ParsedDocument, list[Chunk], FileFingerprint]],
    embedded: EmbeddedChunks | None,
    removed: list[str],
    old_metas: dict[str, DocumentMeta],
    on_progress: ProgressCallback,
) -> None:
    """Remove, add, commit and publish; the report says which documents were added or updated."""
    on_progress(BuildProgress("publishing", 0, 1))
    with _stage(report, "write"):
        for doc_id in removed:
            writer.remove_document(doc_id)
        for prepared in _prepared(parsed, embedded):
            writer.add_document(prepared)
        writer.commit()
        report.chunks_total = writer.chunk_count
        writer.publish()
    for doc, _, _ in parsed:
        (report.updated if doc.meta.doc_id in old_metas else report.added).append(doc.meta.doc_id)
    report.removed = removed
    report.published = True


def _changed(
    candidates: list[_Candidate],
    old_sources: dict[str, FileFingerprint],
    old_metas: dict[str, DocumentMeta],
    report: BuildReport,
) -> list[_Candidate]:
    """The candidates to parse again; the others (same file, same metadata) are reported
    unchanged, with their attachments."""
    to_parse: list[_Candidate] = []
    for cand in candidates:
        doc_id = cand.path.stem
        before = old_sources.get(doc_id)
        if before == cand.source and _same_meta(cand.meta, old_metas.get(doc_id)):
            report.unchanged += [doc_id, *_attachments_of(doc_id, old_metas)]
        else:
            to_parse.append(cand)
    return to_parse


def _pruned(
    candidates: list[_Candidate],
    roots: list[Path],
    old_sources: dict[str, FileFingerprint],
    old_metas: dict[str, DocumentMeta],
) -> list[str]:
    """Stored documents whose file is gone (``_gone``), by doc id."""
    # An e-mail's attachments go with their message: kept while it is, dropped when it goes.
    seen = {d for c in candidates for d in [c.path.stem, *_attachments_of(c.path.stem, old_metas)]}
    return sorted(
        doc_id
        for doc_id, source in old_sources.items()
        if doc_id not in seen and _gone(Path(source.path), roots)
    )


def _parse_files(
    to_parse: list[_Candidate],
    old_metas: dict[str, DocumentMeta],
    embedder: Encoder,
    report: BuildReport,
    progress: bool,
    parse_timeout: float | None,
    on_progress: ProgressCallback,
    kept_worker: ParseWorker | None = None,
) -> tuple[list[tuple[ParsedDocument, list[Chunk], FileFingerprint]], dict[str, list[str]]]:
    """Each file's documents with their chunks and source file, in a child process (that of
    ``kept_worker``, left running, or one for this call); and the ids each file read yielded
    (by its own id). Unreadable files are skipped."""
    parsed: list[tuple[ParsedDocument, list[Chunk], FileFingerprint]] = []
    yielded: dict[str, list[str]] = {}
    own = ParseWorker(parse_timeout) if kept_worker is None else contextlib.nullcontext(kept_worker)
    with own as worker:
        for number, cand in enumerate(_progress(to_parse, progress, "parse")):
            on_progress(BuildProgress("parsing", number, len(to_parse)))
            kept = " (the version indexed before is kept)" if cand.path.stem in old_metas else ""
            try:
                documents = _chunked(worker.parse_all(cand.path, cand.meta), cand, embedder, report)
            except (LoadError, OSError) as exc:
                late = isinstance(exc, ParseTimedOut)
                report.skipped.append(SkippedFile(str(cand.path), f"{exc}{kept}", late))
                continue
            parsed += [(doc, chunks, cand.source) for doc, chunks in documents]
            yielded[cand.path.stem] = [doc.meta.doc_id for doc, _ in documents]
    return parsed, yielded


def _dropped(yielded: dict[str, list[str]], old_metas: dict[str, DocumentMeta]) -> list[str]:
    """The stored attachments of the files read that they no longer have (or no longer yield)."""
    return [
        doc_id
        for stem, now in yielded.items()
        for doc_id in sorted(set(_attachments_of(stem, old_metas)) - set(now))
    ]


def _prepared(
    parsed: list[tuple[ParsedDocument, list[Chunk], FileFingerprint]],
    embedded: EmbeddedChunks | None,
) -> Iterator[PreparedDocument]:
    """Each parsed document with its rows of the vectors ``_embed`` made (in ``parsed`` order);
    with none made, the document alone (stored by its words first)."""
    row = 0
    for doc, chunks, source in parsed:
        if embedded is None:
            yield PreparedDocument(doc, chunks, None, source=source)
            continue
        rows = slice(row, row + len(chunks))
        second = embedded.second_vectors
        yield PreparedDocument(
            doc,
            chunks,
            embedded.vectors[rows],
            sentences=embedded.sentences[rows],
            source=source,
            second_vectors=second[rows] if second is not None else None,
        )
        row += len(chunks)


def _chunked(
    parsed: ParsedFile, cand: _Candidate, embedder: Encoder, report: BuildReport
) -> list[tuple[ParsedDocument, list[Chunk]]]:
    """A file's documents with their chunks (an e-mail's attachments after the message); those
    that cannot be chunked or hold no text are reported and left out. Raises LoadError when the
    file's own document is one of them."""
    out: list[tuple[ParsedDocument, list[Chunk]]] = []
    skipped = [SkippedFile(f"{cand.path} (attachment {n})", why) for n, why in parsed.skipped]
    for i, doc in enumerate(parsed.documents):
        where = str(cand.path) if i == 0 else f"{cand.path} (attachment {doc.meta.title})"
        try:
            chunks = chunk_document(doc, embedder.count_tokens, embedder.passage_tokens)
            tag_chunks(chunks)  # people, organisations, places... (index/text/entities.py)
        except Exception as exc:  # a chunker bug on one document must not stop the rest
            why = f"could not be cut into passages ({type(exc).__name__}: {exc})"
        else:
            unread = "; ".join(doc.warnings) or "the file holds no text"
            why = "" if chunks else f"nothing to index: {unread}"
        if why and i == 0:
            raise LoadError(why)
        if why:
            skipped.append(SkippedFile(where, why))
            continue
        out.append((doc, chunks))
        if doc.warnings:
            report.warnings[where] = list(doc.warnings)
    report.skipped += skipped
    # Links only between documents indexed: a forwarded message left out takes its own
    # attachments with it (a message comes before its attachments).
    kept: set[str] = set()
    linked = []
    for doc, chunks in out:
        if doc.meta.parent is None or doc.meta.parent in kept:
            kept.add(doc.meta.doc_id)
            linked.append((doc, chunks))
    for doc, _ in linked:
        doc.meta.attachments = [a for a in doc.meta.attachments if a in kept]
    return linked


def _attachments_of(doc_id: str, metas: dict[str, DocumentMeta]) -> list[str]:
    """The ids of a message's attachments, and of theirs (a forwarded message's), as stored."""
    meta = metas.get(doc_id)
    children = meta.attachments if meta is not None else []
    return [d for child in children for d in [child, *_attachments_of(child, metas)]]


def _embed(
    parsed: list[tuple[ParsedDocument, list[Chunk], FileFingerprint]],
    embedder: Encoder,
    progress: bool,
    report: BuildReport,
    on_progress: ProgressCallback,
    cached: CacheLookup | None = None,
    cached_second: CacheLookup | None = None,
) -> EmbeddedChunks:
    """Vectors of every chunk parsed and of its sentences: from the cache (if given), else from
    the model."""
    chunks = [c for _, doc_chunks, _ in parsed for c in doc_chunks]
    embedded = embed_chunks(
        chunks,
        embedder,
        cached,
        cached_second=cached_second,
        progress=progress,
        on_batch=lambda done, total: on_progress(BuildProgress("embedding", done, total)),
    )
    report.chunks_reused = embedded.chunks_reused
    report.chunks_embedded = embedded.chunks_embedded
    report.sentences_embedded = embedded.sentences_embedded
    report.second_embedded = embedded.second_embedded
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


def _source_of(path: Path) -> FileFingerprint:
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    size = 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
            size += len(block)
    return FileFingerprint(str(path), digest.hexdigest(), size)


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


def _no_progress(_: BuildProgress) -> None:
    pass


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
    embedder: Encoder,
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
        metas = {info.meta.doc_id: info.meta for info in writer.documents()}
        present = set(metas)
        # A message goes with its attachments.
        wanted = {d for doc_id in doc_ids for d in [doc_id, *_attachments_of(doc_id, metas)]}
        removed = sorted(wanted & present)
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


# ---- the meaning step of a words-first publish -------------------------------------------


@dataclass
class PendingMeaning:
    """Documents stored words first, their passages and those passages' vectors."""

    doc_ids: list[str] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    embedded: EmbeddedChunks | None = None


def pending_documents(index_dir: Path | Location, model: ModelInfo) -> list[str]:
    """The documents of the published generation some of whose passages have no vectors yet
    ([] when there is no index)."""
    try:
        with open_reader(as_location(index_dir), model=model) as reader:
            return waiting_passages(reader).doc_ids
    except IndexMissing:
        return []


def waiting_passages(reader: StoreReader) -> PendingMeaning:
    """The documents ``reader`` holds by their words alone, and their passages (not embedded)."""
    doc_ids = [info.meta.doc_id for info in reader.documents() if info.meaning_pending]
    return PendingMeaning(
        doc_ids, [chunk for doc_id in doc_ids for chunk in reader.chunks_of(doc_id)]
    )


def embed_pending(
    index_dir: Path | Location,
    embedder: Encoder,
    *,
    on_batch: Callable[[int, int], None] | None = None,
) -> PendingMeaning:
    """The passages of the documents waiting for their vectors in the index published at
    ``index_dir``, embedded without any lock: the index is only read."""
    try:
        reader = open_reader(as_location(index_dir), model=ModelInfo.of(embedder))
    except IndexMissing:
        return PendingMeaning()
    with reader:
        waiting = waiting_passages(reader)
    return embedded_passages(waiting, embedder, on_batch=on_batch)


def embedded_passages(
    waiting: PendingMeaning,
    embedder: Encoder,
    *,
    on_batch: Callable[[int, int], None] | None = None,
) -> PendingMeaning:
    """``waiting`` with its passages' vectors, sentences and second model's vectors."""
    if not waiting.chunks:
        return waiting
    embedded = embed_chunks(waiting.chunks, embedder, on_batch=on_batch)
    return PendingMeaning(waiting.doc_ids, waiting.chunks, embedded)


def write_meaning(
    pending: PendingMeaning,
    index_dir: Path | Location,
    *,
    embedder: Encoder,
    options: StoreOptions | None = None,
) -> list[str]:
    """Store what ``embed_pending`` made and publish it as a new generation (under the index's
    lock); the ids of the documents whose passages took their vectors (none: nothing published).
    Raises ``IndexLocked`` while another writer holds the index."""
    embedded = pending.embedded
    if embedded is None or not pending.chunks:
        return []
    with open_writer(index_dir, model=ModelInfo.of(embedder), options=options) as writer:
        took = writer.add_meaning(
            pending.chunks, embedded.vectors, embedded.sentences, embedded.second_vectors
        )
        if not took:
            return []
        writer.publish()
    by_chunk = {chunk.chunk_id: chunk.doc_id for chunk in pending.chunks}
    return sorted({by_chunk[chunk_id] for chunk_id in took})
