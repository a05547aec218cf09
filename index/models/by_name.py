"""The encoder for the model names an index records (``ModelInfo``): what serves an index."""

from __future__ import annotations

from index.models.embedder import Embedder
from index.models.encoder import Encoder
from index.models.hash_encoder import HASH_MODEL_PREFIX, HashEncoder
from index.models.specs import model_choice


def encoder_by_name(name: str, second: str | None = None) -> Encoder:
    """An encoder of the model called ``name`` with ``second`` beside it (None: none); ValueError
    for a name citesearch does not know.

    >>> encoder_by_name("citesearch/hash-64", "citesearch/hash-32").second.dimension
    32
    """
    if name.startswith(HASH_MODEL_PREFIX):
        return HashEncoder(_hash_dimension(name), second=_hash_second(second))
    second_choice = model_choice(second) if second is not None else None
    return Embedder(model=model_choice(name), second=second_choice)


def _hash_dimension(name: str) -> int:
    digits = name.removeprefix(HASH_MODEL_PREFIX)
    if not digits.isdigit():
        raise ValueError(f"no model choice for {name!r}")
    return int(digits)


def _hash_second(name: str | None) -> HashEncoder | None:
    if name is None:
        return None
    if not name.startswith(HASH_MODEL_PREFIX):
        raise ValueError(f"a hash encoder cannot hold {name!r} as its second model")
    return HashEncoder(_hash_dimension(name))
