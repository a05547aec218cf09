"""Benchmarks: each module times one stage against a reference measured in the same run.

Run one with ``python -m bench.<name>`` (``bm25``, ``dense``, ``e2e``, ``indexing``,
``embedding``, ``startup``)
or all with ``python -m bench.run_all``; each prints a table and writes
``bench/results/<name>.json``.
"""
