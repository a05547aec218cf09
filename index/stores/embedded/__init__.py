"""The embedded backend: an index in one directory (SQLite + FAISS + bm25s), published as
generations behind a symlink.

| module | job |
|---|---|
| ``sqlite_rows`` | the SQLite schema and every row read or written |
| ``manifest`` | format version, model, library versions and file checksums, checked at open |
| ``search_state`` | the in-memory bm25s and FAISS indexes: built, saved, loaded |
| ``store`` | ``EmbeddedStore``: one directory, read-only (a ``StoreReader``) or being written |
| ``staging`` | ``EmbeddedWriter``: a ``StoreWriter`` staging the next generation |
| ``generations``, ``lock`` | atomic publication by symlink swap; one writer at a time |
| ``backend`` | what the factory (``index.stores.factory``) calls: open a reader or a writer |
"""
