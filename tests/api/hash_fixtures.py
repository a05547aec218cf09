"""The hash encoder and its corpus index as a module's ``embedder`` and ``corpus_index``: for
API tests of mechanics (queues, lanes, limits, listings) that need no real model.

    from hash_fixtures import corpus_index, embedder  # noqa: F401 (fixtures)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from index.models.hash_encoder import HashEncoder


@pytest.fixture(scope="module")
def embedder(hash_encoder: HashEncoder) -> HashEncoder:
    return hash_encoder


@pytest.fixture(scope="module")
def corpus_index(hash_corpus_index: Path) -> Path:
    return hash_corpus_index
