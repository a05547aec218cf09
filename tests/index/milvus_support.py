"""Filling a distributed index from an embedded one, so both hold the same chunks and vectors.

Used by the tests (and by the SIGKILL test's child process): the embedded index is the session's
real corpus index; its documents, chunks, chunk vectors (from its embedding cache) and sentences
are written through the ``StoreWriter`` protocol, as the builder would.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import psycopg
from pymilvus import MilvusClient

from index.models.passage_vectors import text_hash
from index.stores.base import FileFingerprint, ModelInfo, PreparedDocument, StoreWriter
from index.stores.embedded.store import EmbeddedStore
from index.stores.milvus.catalog import schema_name
from index.stores.milvus.passage_collection import alias_name
from index.stores.milvus.writer import MilvusWriter


def model_of(store: EmbeddedStore) -> ModelInfo:
    """The models of ``store`` (its second model's included)."""
    return store.model


def copy_documents(
    source: EmbeddedStore, writer: StoreWriter, doc_ids: list[str] | None = None
) -> int:
    """Add every document of ``source`` (or those named) to ``writer``; returns chunks added."""
    sources = source.sources()
    added = 0
    for info in source.documents():
        doc_id = info.meta.doc_id
        if doc_ids is not None and doc_id not in doc_ids:
            continue
        doc = source.document_text(doc_id)
        assert doc is not None
        chunks = source.chunks_of(doc_id)
        hashes = [text_hash(c.text) for c in chunks]
        cached = source.get_cached_embeddings(hashes)
        vectors = np.stack([cached[h] for h in hashes])
        second = None
        if source.model.second is not None:
            cached = source.get_cached_embeddings(hashes, second=True)
            second = np.stack([cached[h] for h in hashes])
        sentences = source.sentences([c.chunk_id for c in chunks])
        s = sources.get(doc_id)
        writer.add_document(
            PreparedDocument(
                doc,
                chunks,
                vectors,
                sentences=[sentences[c.chunk_id] for c in chunks],
                source=FileFingerprint(s.path, s.sha256, s.size) if s else None,
                second_vectors=second,
            )
        )
        added += len(chunks)
    return added


def drop_index(milvus_uri: str, postgres_url: str, name: str) -> None:
    """Remove an index from both servers: its collections and its PostgreSQL schema."""
    client = MilvusClient(uri=milvus_uri)
    prefix = alias_name(name) + "_"
    for collection in client.list_collections():
        if collection.startswith(prefix):
            client.drop_collection(collection)
    client.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema_name(name)} CASCADE")


def main() -> None:
    """``python milvus_support.py EMBEDDED_DIR MILVUS_URI POSTGRES_URL NAME``: copy and publish
    (the SIGKILL test kills this process part-way)."""
    embedded_dir, milvus_uri, postgres_url, name = sys.argv[1:5]
    with EmbeddedStore.open(Path(embedded_dir)) as source:
        writer = MilvusWriter.open(
            milvus_uri, postgres_url, name, model=model_of(source), options=None, fresh=True
        )
        with writer:
            copy_documents(source, writer)
            print("copied", flush=True)
            writer.commit()
            print("committed", flush=True)
            print("published", writer.publish(), flush=True)


if __name__ == "__main__":
    main()
