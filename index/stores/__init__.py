"""Where passages live: the ``StoreReader``/``StoreWriter`` protocols (``base``), the factory that
opens a location (``factory``), and the backends (``embedded/``, ``milvus/``), which nothing
outside this package imports."""
