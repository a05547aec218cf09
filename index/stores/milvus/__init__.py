"""The distributed backend: passages in Milvus (>= 2.5), everything else in PostgreSQL.

- ``passage_collection``: a Milvus collection per generation (dense vectors, BM25 function, doc filter).
- ``catalog``: the PostgreSQL schema (generations, the published one, documents, chunks,
  sentences, vocabulary, embedding cache).
- ``pg_rows``: records to and from PostgreSQL values.
- ``reader`` / ``writer``: ``StoreReader`` and ``StoreWriter`` over both.
- ``backend``: what the factory calls to open either.

Open through ``index.stores.factory`` with ``--milvus URI --postgres URL`` (or
``CITESEARCH_MILVUS_URI`` / ``CITESEARCH_POSTGRES_URL``); the index's name is the location's
directory name, so several indexes can share one Milvus and one PostgreSQL.
"""
