"""Many short real passages, from the corpus, then the CISI and Vaswani abstracts.

For measuring and checking embedding at scale on real text (``bench.dask_embedding`` and
tests/index/models/test_dask_embedder.py): runs of a few words of each sentence, in file order, each
distinct text once.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.common import CORPUS_DIR, REPO_ROOT
from index.text.sentences import sentence_spans

BENCHMARKS_DIR = REPO_ROOT.parent / "shared" / "benchmarks"
ABSTRACTS = (BENCHMARKS_DIR / "cisi" / "corpus.jsonl", BENCHMARKS_DIR / "vaswani" / "corpus.jsonl")


def _texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS_DIR.glob("*.txt"))]
    for path in ABSTRACTS:
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing (the shared benchmark collections)")
        with path.open(encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in f if line.strip()]
    return texts


def short_passages(n: int, *, max_words: int = 12, min_words: int = 4) -> list[str]:
    """The first ``n`` distinct passages of ``min_words`` to ``max_words`` words.

    Each sentence is cut into runs of ``max_words`` words (a shorter last run is kept when it
    has ``min_words``): text as a reader would search it, short enough that 20,000 passages embed
    in well under a minute per process. Raises ``ValueError`` when the collections hold fewer.
    """
    seen: set[str] = set()
    out: list[str] = []
    for text in _texts():
        for a, b in sentence_spans(text):
            words = text[a:b].split()
            for start in range(0, len(words), max_words):
                piece = words[start : start + max_words]
                passage = " ".join(piece)
                if len(piece) >= min_words and passage not in seen:
                    seen.add(passage)
                    out.append(passage)
                    if len(out) == n:
                        return out
    raise ValueError(f"only {len(out)} distinct passages of {min_words}+ words, not {n}")


def source_files() -> list[Path]:
    """The files the passages come from (for a benchmark's record)."""
    return [*sorted(CORPUS_DIR.glob("*.txt")), *ABSTRACTS]
