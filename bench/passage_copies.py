"""Real passages repeated with variations, for a store of a million passages without embedding one.

Base passages are every passage of some embedded indexes (the corpus index, the BEIR collections'
indexes of ``eval.beir_index``) with the vectors those indexes hold: e5's and MiniLM's real
vectors of real text. Copy ``k`` of a passage is the passage with some pairs of adjacent words
swapped (copy ``k`` in base P, P the passage's swappable pairs: one swap per digit), so its terms,
length, sentences, notes and entities are the base's and its text, and so its hash in the
embedding cache, mostly differ; its vectors are the base's plus a little Gaussian noise (sigma
0.01 a dimension: cosine to the base about 0.98), normalised. Sentence vectors are the base's
(the bytes a passage's sentences cost, not a new meaning). A BEIR index stores no sentence
vectors: there each sentence (split as the build splits) gets its passage's vector.

A ranking over such copies says nothing of quality (near-duplicates of a few thousand texts);
what it gives is the cost of a million passages of real lengths, terms and vectors.

>>> varied_text("one two three four", 1, [])
'two one three four'
>>> varied_text("one two three four", 2, [])
'one three two four'
>>> varied_text("one two three four", 1, [(0, 3)])
'one three two four'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import numpy as np

from index.models.passage_vectors import chunk_sentences
from index.records import Chunk, ChunkSentences, DocumentMeta, Page, ParsedDocument
from index.stores.base import ModelInfo, PreparedDocument, StoreReader
from index.stores.factory import open_reader

NOISE = 0.01  # per dimension, on unit vectors of 384 dimensions: cosine to the base about 0.98
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class BasePassage:
    """A real passage with its real vectors, and what copies of it must not move."""

    chunk: Chunk
    vector: np.ndarray
    second: np.ndarray | None
    sentences: ChunkSentences
    source: str  # the index it came from, e.g. "corpus", "vaswani"


def load_base(indexes: Sequence[tuple[str, Path]]) -> tuple[ModelInfo, list[BasePassage]]:
    """Every passage of the named embedded indexes, with its vectors; ValueError when the
    indexes hold vectors of different models."""
    model: ModelInfo | None = None
    passages: list[BasePassage] = []
    for source, directory in indexes:
        with open_reader(directory) as store:
            if model is not None and store.model != model:
                raise ValueError(f"{directory} holds vectors of another model than the others")
            model = store.model
            for info in store.documents():
                chunks = store.chunks_of(info.meta.doc_id)
                passages += _with_vectors(store, chunks, source)
    if model is None:
        raise ValueError("no base index given")
    return model, passages


def _with_vectors(reader: StoreReader, chunks: list[Chunk], source: str) -> list[BasePassage]:
    ids = [c.chunk_id for c in chunks]
    vectors = reader.chunk_vectors(ids)
    seconds = reader.chunk_vectors(ids, second=True) if reader.model.second else None
    stored = reader.sentences(ids)
    entities = reader.chunk_entities(ids)
    out = []
    for i, chunk in enumerate(chunks):
        sentences = stored.get(chunk.chunk_id)
        if sentences is None or len(sentences.vectors) != len(sentences.spans):
            spans, terms = chunk_sentences(chunk.text)
            rows = np.repeat(vectors[i : i + 1], len(spans), axis=0).astype(np.float16)
            sentences = ChunkSentences(spans, terms, rows)
        chunk = replace(chunk, entities=entities.get(chunk.chunk_id, []))
        second = seconds[i] if seconds is not None else None
        out.append(BasePassage(chunk, vectors[i], second, sentences, source))
    return out


Pair = tuple[int, int, int, int]  # two adjacent words: (start, end) of each


def swappable_pairs(text: str, protected: Sequence[tuple[int, int]]) -> list[Pair]:
    """Adjacent words joined by one space, neither touching a ``protected`` span."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    return [
        (a0, a1, b0, b1)
        for (a0, a1), (b0, b1) in zip(words, words[1:], strict=False)
        if text[a1:b0] == " " and not any(s < b1 and a0 < e for s, e in protected)
    ]


def varied_text(
    text: str, copy: int, protected: Sequence[tuple[int, int]], pairs: list[Pair] | None = None
) -> str:
    """``text`` with adjacent words swapped as copy ``copy`` (0: the text itself).

    Only two words joined by one space, outside every ``protected`` span, are swapped, so every
    offset outside the pair (notes' markers, entities, sentence bounds: give them as
    ``protected``) still points at the same characters. ``pairs``: ``swappable_pairs`` of the
    text, when already known.
    """
    pairs = swappable_pairs(text, protected) if pairs is None else pairs
    if copy == 0 or not pairs:
        return text
    chars = list(text)
    digits, n = copy - 1, len(pairs)
    used: set[int] = set()
    while True:
        index = digits % n
        if not used & {index - 1, index, index + 1}:  # pairs sharing a word stay apart
            used.add(index)
            a0, a1, b0, b1 = pairs[index]
            chars[a0:b1] = list(f"{text[b0:b1]} {text[a0:a1]}")
        digits //= n
        if digits == 0:
            return "".join(chars)


def protected_spans(base: BasePassage) -> list[tuple[int, int]]:
    """The spans a copy keeps in place: note markers, entities, sentence edges."""
    spans = [(c.offset - 1, c.offset + 1) for c in base.chunk.citations]
    spans += [(m.start, m.end) for m in base.chunk.entities]
    for start, end in base.sentences.spans:
        spans += [(start, start + 1), (end - 1, end)]
    return spans


def _noisy(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each row plus Gaussian noise of ``NOISE`` a dimension, normalised again."""
    out = vectors.astype(np.float32) + rng.normal(0.0, NOISE, vectors.shape).astype(np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def copied_documents(
    base: Sequence[BasePassage], passages: int, per_document: int, seed: int = 0
) -> Iterator[PreparedDocument]:
    """Documents of ``per_document`` passage copies each, ``passages`` in all: every base
    passage once, then copy 1 of each, and so on (the base order shuffled once by ``seed``)."""
    rng = np.random.default_rng(seed)
    order = [base[i] for i in rng.permutation(len(base))]
    pairs = [swappable_pairs(b.chunk.text, protected_spans(b)) for b in order]
    made = 0
    while made < passages:
        size = min(per_document, passages - made)
        picks = [(made + i) % len(order) for i in range(size)]
        copy = made // len(order)
        yield _document(
            f"copy{copy:04d}-{made:08d}",
            [(order[p], varied_text(order[p].chunk.text, copy, [], pairs[p])) for p in picks],
            rng,
        )
        made += size


def one_page_document(doc_id: str, title: str, body: str) -> ParsedDocument:
    """A document of one page, its body its source text, without notes."""
    return ParsedDocument(
        meta=DocumentMeta(doc_id=doc_id, title=title),
        source_text=body,
        content_hash=hashlib.sha256(body.encode()).hexdigest(),
        pages=[Page(number=1, start=0, end=len(body), body_end=len(body))],
        body=body,
        # The store only packs offsets into a numpy array: an arange spares building a Python
        # list of ~10^9 ints at 1M chunks.
        offsets=cast(list[int], np.arange(len(body), dtype=np.int64)),
        footnotes=[],
        marker_positions=[],
    )


def _document(
    doc_id: str, parts: list[tuple[BasePassage, str]], rng: np.random.Generator
) -> PreparedDocument:
    """One document of the given passage copies, its body their texts joined by blank lines."""
    body = "\n\n".join(text for _, text in parts)
    chunks, position = [], 0
    for ordinal, (b, text) in enumerate(parts):
        chunks.append(
            replace(
                b.chunk,
                chunk_id=f"{doc_id}:{ordinal:04d}",
                doc_id=doc_id,
                ordinal=ordinal,
                text=text,
                page_start=1,
                page_end=1,
                char_start=position,
                char_end=position + len(text),
            )
        )
        position += len(text) + 2
    doc = one_page_document(doc_id, f"Copies of {parts[0][0].source} ({doc_id})", body)
    seconds = [b.second for b, _ in parts if b.second is not None]
    return PreparedDocument(
        doc,
        chunks,
        _noisy(np.stack([b.vector for b, _ in parts]), rng),
        sentences=[b.sentences for b, _ in parts],
        second_vectors=(_noisy(np.stack(seconds), rng) if len(seconds) == len(parts) else None),
    )
