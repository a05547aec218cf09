"""Vectors for chunks and for each of their sentences, computed at index time.

A search then runs the model on the query alone: the highlight and the answer are chosen from
sentence vectors read from the store. Every text (chunk or sentence) is embedded as a passage and
cached by the sha256 of its text, so a sentence shared by two overlapping chunks, or a chunk that
is one sentence, reaches the model once, and a re-index reuses what an earlier build embedded.
The second model (``Embedder.second``) embeds the chunks alone, cached the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.models.embedder import BatchCallback
from index.models.encoder import Encoder
from index.records import Chunk, ChunkSentences
from index.text.sentences import sentence_spans
from index.text.tokenize import tokenize

CacheLookup = Callable[[Sequence[str]], dict[str, np.ndarray]]


def text_hash(text: str) -> str:
    """The embedding cache key of a text (sha256 of its UTF-8 bytes)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class EmbeddedChunks:
    """Chunk vectors (float32, one row per chunk) and each chunk's sentences with theirs."""

    vectors: np.ndarray
    sentences: list[ChunkSentences]
    chunks_embedded: int  # chunk texts sent to the model
    chunks_reused: int  # chunks whose vector came from the cache
    sentences_embedded: int  # sentence texts sent to the model (not counting chunk texts)
    second_vectors: np.ndarray | None = None  # the second model's, one row per chunk
    second_embedded: int = 0  # chunk texts sent to the second model


def chunk_sentences(text: str) -> tuple[list[tuple[int, int]], list[list[str]]]:
    """A chunk's sentence spans and each sentence's BM25 terms."""
    spans = sentence_spans(text)
    return spans, [tokenize(text[a:b]) for a, b in spans]


def embed_chunks(
    chunks: Sequence[Chunk],
    embedder: Encoder,
    cached: CacheLookup | None = None,
    *,
    cached_second: CacheLookup | None = None,
    progress: bool = False,
    on_batch: BatchCallback | None = None,
) -> EmbeddedChunks:
    """Embed chunks and their sentences, taking what ``cached`` already has (keys: ``text_hash``),
    and the chunks with the second model, if the embedder has one (``cached_second``: its cache).

    ``on_batch(done, total)`` is told the texts the first model embedded so far after each batch.

    >>> from index.records import Chunk
    >>> c = Chunk("d:0", "d", 0, "Minsk signed. Islamabad agreed.", [], 1, 1, 0, 31)
    >>> out = embed_chunks([c], Embedder(model="minilm"))
    >>> out.vectors.shape, out.sentences[0].spans, out.sentences[0].vectors.dtype
    ((1, 384), [(0, 13), (14, 31)], dtype('float16'))
    >>> embed_chunks([c], Embedder()).second_vectors.shape  # e5, and MiniLM beside it
    (1, 384)
    """
    embedded = _embed_first(chunks, embedder, cached, progress, on_batch)
    if embedder.second is not None:
        embedded.second_vectors, embedded.second_embedded = second_vectors(
            chunks, embedder.second, cached_second
        )
    return embedded


def second_vectors(
    chunks: Sequence[Chunk], second: Encoder, cached: CacheLookup | None = None
) -> tuple[np.ndarray, int]:
    """The second model's vectors of chunks (one row each) and how many texts it embedded;
    ``cached`` looks up what it embedded before (keys: ``text_hash``)."""
    keys = [text_hash(c.text) for c in chunks]
    texts = dict(zip(keys, (c.text for c in chunks), strict=True))
    found = dict(cached(list(texts))) if cached is not None else {}
    missing = [key for key in texts if key not in found]
    if missing:
        found.update(zip(missing, second.encode([texts[k] for k in missing]), strict=True))
    if not chunks:
        return np.zeros((0, second.dimension), np.float32), 0
    return np.vstack([found[k] for k in keys]).astype(np.float32), len(missing)


def _embed_first(
    chunks: Sequence[Chunk],
    embedder: Encoder,
    cached: CacheLookup | None,
    progress: bool,
    on_batch: BatchCallback | None,
) -> EmbeddedChunks:
    layouts = [chunk_sentences(c.text) for c in chunks]
    chunk_keys = [text_hash(c.text) for c in chunks]
    sentence_keys = [
        [text_hash(c.text[a:b]) for a, b in spans]
        for c, (spans, _) in zip(chunks, layouts, strict=True)
    ]
    texts: dict[str, str] = {key: c.text for key, c in zip(chunk_keys, chunks, strict=True)}
    for c, (spans, _), keys in zip(chunks, layouts, sentence_keys, strict=True):
        for (a, b), key in zip(spans, keys, strict=True):
            texts.setdefault(key, c.text[a:b])
    found = dict(cached(list(texts))) if cached is not None else {}
    missing = [key for key in texts if key not in found]
    if missing:
        encoded = embedder.encode(
            [texts[k] for k in missing], show_progress=progress, on_batch=on_batch
        )
        found.update(zip(missing, encoded, strict=True))
    chunk_set = set(chunk_keys)
    dim = embedder.dimension
    vectors = (
        np.vstack([found[k] for k in chunk_keys]).astype(np.float32)
        if chunks
        else np.zeros((0, dim), np.float32)
    )
    sentences = [
        ChunkSentences(
            spans=spans,
            terms=terms,
            vectors=(
                np.vstack([found[k] for k in keys]).astype(np.float16)
                if keys
                else np.zeros((0, dim), np.float16)
            ),
        )
        for (spans, terms), keys in zip(layouts, sentence_keys, strict=True)
    ]
    missing_set = set(missing)
    return EmbeddedChunks(
        vectors=vectors,
        sentences=sentences,
        chunks_embedded=len(chunk_set & missing_set),
        chunks_reused=sum(1 for k in chunk_keys if k not in missing_set),
        sentences_embedded=len(missing_set - chunk_set),
    )
