"""An index of a BEIR corpus, built once and reused while the corpus and the model stay the same.

Each BEIR document becomes one citesearch document of exactly one chunk whose id is the BEIR
document id, so a run is in the collection's own ids. The chunk text is the title, a blank line and
the text (the text alone without a title): BM25 reads all of it, the embedding model its first 256
word pieces, as in BEIR's own baselines. The documents go straight into a store writer
(``index.stores.factory.open_writer``) rather than through ``build_index``: the corpus parsers would read digits in abstracts as footnote
markers and clean text that is already clean.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from eval.beir import BeirDataset
from index.models.encoder import Encoder
from index.records import Chunk, DocumentMeta, Page, ParsedDocument
from index.stores.base import IndexMismatch, ModelInfo, PreparedDocument
from index.stores.factory import open_reader, open_writer

BEIR_INDEX_VERSION = 1
"""Version of the document mapping above; a change rebuilds cached BEIR indexes."""

_SOURCE_FILE_SUFFIX = ".source.json"
_BATCH = 2048  # documents embedded and stored per step, to bound memory


@dataclass
class BeirIndex:
    """Where a BEIR collection's index lives, and whether this call had to build it."""

    path: Path
    built: bool
    documents: int


def beir_document(doc_id: str, title: str, text: str) -> tuple[ParsedDocument, Chunk]:
    """One BEIR document as a parsed document of a single page and its single chunk."""
    body = f"{title.strip()}\n\n{text}" if title.strip() else text
    meta = DocumentMeta(doc_id=doc_id, title=title.strip() or doc_id, kind="beir")
    doc = ParsedDocument(
        meta=meta,
        source_text=body,
        content_hash=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        pages=[Page(number=1, start=0, end=len(body), body_end=len(body))],
        body=body,
        offsets=list(range(len(body))),
        footnotes=[],
        marker_positions=[],
    )
    chunk = Chunk(
        chunk_id=doc_id,
        doc_id=doc_id,
        ordinal=0,
        text=body,
        citations=[],
        page_start=1,
        page_end=1,
        char_start=0,
        char_end=len(body),
    )
    return doc, chunk


def corpus_fingerprint(collection: Path) -> str:
    """sha256 of the collection's ``corpus.jsonl`` and of the mapping version."""
    digest = hashlib.sha256(f"beir-index/{BEIR_INDEX_VERSION}\n".encode())
    with (collection / "corpus.jsonl").open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def model_key(model: ModelInfo) -> str:
    """A folder name for one embedding model (and its second model): its name made path-safe
    and its weights' hash.

    Each model gets its own cached BEIR indexes, so switching between models (MiniLM and e5)
    reuses both instead of rebuilding one over the other.

    >>> e5 = ModelInfo("intfloat/multilingual-e5-small", "0123456789abcdef" * 4, 384)
    >>> model_key(e5)
    'intfloat-multilingual-e5-small-0123456789ab'
    >>> model_key(ModelInfo(e5.name, e5.weights_hash, 384, ModelInfo("all-MiniLM-L6-v2", "f" * 64, 384)))
    'intfloat-multilingual-e5-small-0123456789ab+all-MiniLM-L6-v2-ffffffffffff'
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", model.name).strip("-.") or "model"
    key = f"{safe}-{model.weights_hash[:12]}"
    return key if model.second is None else f"{key}+{model_key(model.second)}"


def ensure_beir_index(
    collection: Path,
    dataset: BeirDataset,
    cache_dir: Path,
    embedder: Encoder,
    *,
    progress: bool = False,
) -> BeirIndex:
    """The index of ``dataset`` (read from ``collection``) under
    ``cache_dir/<model key>/<collection name>`` (``model_key``).

    An index built before is reused when the corpus file hashes the same and the store opens for
    this model; otherwise it is built again (about a minute for Vaswani's 11,429 abstracts on 2
    cores with MiniLM, nearly all of it embedding). Sentence vectors are not stored: a BEIR
    evaluation scores rankings, and a search without them picks highlights by the query's terms
    alone, so the collection is embedded once per document, not once per sentence as well.
    """
    name = Path(collection).resolve().name
    index_dir = (Path(cache_dir) / model_key(ModelInfo.of(embedder)) / name).absolute()
    source_file = index_dir.parent / f"{name}{_SOURCE_FILE_SUFFIX}"
    fingerprint = corpus_fingerprint(collection)
    documents = [(doc_id, t, x) for doc_id, (t, x) in dataset.corpus.items() if (t + x).strip()]
    if _reusable(index_dir, source_file, fingerprint, embedder):
        return BeirIndex(index_dir, built=False, documents=len(documents))
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    # Vouch for nothing while the index changes: a crash after publishing must not leave the
    # old fingerprint next to a new index.
    source_file.unlink(missing_ok=True)
    with open_writer(index_dir, model=ModelInfo.of(embedder), fresh=True) as store:
        for batch in _batches(documents, progress):
            pairs = [beir_document(*record) for record in batch]
            texts = [chunk.text for _, chunk in pairs]
            vectors = embedder.encode(texts)
            seconds = embedder.second.encode(texts) if embedder.second is not None else None
            for i, (doc, chunk) in enumerate(pairs):
                store.add_document(
                    PreparedDocument(
                        doc,
                        [chunk],
                        vectors[i : i + 1],
                        second_vectors=seconds[i : i + 1] if seconds is not None else None,
                    )
                )
        store.publish()
    source_file.write_text(
        json.dumps({"collection": str(Path(collection).resolve()), "corpus_sha256": fingerprint}),
        encoding="utf-8",
    )
    return BeirIndex(index_dir, built=True, documents=len(documents))


def _reusable(index_dir: Path, source_file: Path, fingerprint: str, embedder: Encoder) -> bool:
    try:
        recorded = json.loads(source_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(recorded, dict) or recorded.get("corpus_sha256") != fingerprint:
        return False
    try:
        store = open_reader(index_dir, model=ModelInfo.of(embedder))
    except IndexMismatch:
        return False
    store.close()
    return True


def _batches(
    documents: list[tuple[str, str, str]], progress: bool
) -> Iterator[list[tuple[str, str, str]]]:
    starts = range(0, len(documents), _BATCH)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc="index BEIR corpus", unit="batch")
    for start in starts:
        yield documents[start : start + _BATCH]
