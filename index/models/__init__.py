"""The embedding models: their specs, the ``Encoder`` protocol and its implementations (torch with
ONNX Runtime for queries, Dask workers, a hash encoder for tests), set-up conversions, and the
vectors of chunks and sentences."""
