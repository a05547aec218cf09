"""Entity extraction scored against hand-labelled mentions (``eval/data/entities.jsonl``).

Each gold line is a passage of the corpus (its file and the chunk's ordinal, as the corpus is
chunked with the hash encoder's token counts: no model needed) and the mentions a reader finds
in it: ``{"file", "chunk", "mentions": [[kind, text, canonical name], ...]}``. A predicted
mention counts when a gold one of the same passage has its kind and its text (a possessive and
a leading "the" aside), each gold mention matched once: the strict rule of CoNLL, where a span
one word short is both a miss and a false find. Facets need the entity, not its exact span, so
a second, overlap rule is reported beside it: a mention left unmatched counts when its words
and those of an unmatched gold mention of its kind run one inside the other ("Pakistan
Research Center" in "Pakistan Research Center for a Community with Shared"), as in the partial
matching of MUC and SemEval-2013 task 9. ``canonical`` is the share of strictly matched
mentions whose key is the key of the gold's canonical name: one entity across spellings.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from index.ingest.metadata import load_manifest
from index.models.hash_encoder import HashEncoder
from index.parse import parse_file
from index.text.chunk import chunk_document
from index.text.entities import tag_chunks
from index.text.entity_names import canonical, clean_name

KINDS = ("person", "org", "place", "date", "amount")


@dataclass
class KindScore:
    kind: str
    gold: int
    predicted: int
    matched: int
    canonical: int  # matched mentions keyed as their gold canonical name
    overlapping: int = 0  # matched by the overlap rule (the strict matches included)

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def overlap_precision(self) -> float:
        return self.overlapping / self.predicted if self.predicted else 0.0

    @property
    def overlap_recall(self) -> float:
        return self.overlapping / self.gold if self.gold else 0.0


def _norm(text: str) -> str:
    return clean_name(text) if text else ""


def _inside(a: str, b: str) -> bool:
    """Whether the words of ``a`` run inside those of ``b`` (whole words)."""
    return f" {a} " in f" {b} " if a and b else False


def score_passage(
    gold: list[tuple[str, str, str]], predicted: list[tuple[str, str, str]]
) -> dict[str, KindScore]:
    """Per kind: gold and predicted counts, strict and overlap matches, and strict matches keyed
    as the gold name. ``gold``: (kind, text, canonical name); ``predicted``: (kind, text, key).

    >>> s = score_passage([("place", "Belarusian", "Belarus")], [("place", "Belarusian", "place:BY")])
    >>> s["place"].matched, s["place"].canonical
    (1, 1)
    >>> s = score_passage([("org", "Bank of Minsk", "Bank of Minsk")], [("org", "Bank", "org:bank")])
    >>> s["org"].matched, s["org"].overlapping
    (0, 1)
    """
    scores = {k: KindScore(k, 0, 0, 0, 0) for k in KINDS}
    left: Counter[tuple[str, str]] = Counter()
    names: dict[tuple[str, str], str] = {}
    for kind, text, name in gold:
        scores[kind].gold += 1
        left[(kind, _norm(text))] += 1
        names[(kind, _norm(text))] = name
    unmatched = []
    for kind, text, key in predicted:
        if kind not in scores:
            continue
        scores[kind].predicted += 1
        wanted = (kind, _norm(text))
        if left[wanted] > 0:
            left[wanted] -= 1
            scores[kind].matched += 1
            scores[kind].overlapping += 1
            expected = canonical(kind, names[wanted])
            scores[kind].canonical += int(expected is not None and expected[0] == key)
        else:
            unmatched.append(wanted)
    for kind, text in unmatched:
        near = next(
            (
                g
                for g, n in left.items()
                if n > 0 and g[0] == kind and (_inside(text, g[1]) or _inside(g[1], text))
            ),
            None,
        )
        if near is not None:
            left[near] -= 1
            scores[kind].overlapping += 1
    return scores


def evaluate(gold_path: Path, corpus: Path = Path("corpus")) -> list[KindScore]:
    """Tag the gold's passages and score them per kind."""
    lines = [json.loads(x) for x in gold_path.read_text(encoding="utf-8").splitlines() if x]
    metas = load_manifest(corpus)
    encoder = HashEncoder()
    chunks_of: dict[str, list] = {}
    totals = {k: KindScore(k, 0, 0, 0, 0) for k in KINDS}
    for line in lines:
        name = line["file"]
        if name not in chunks_of:
            doc = parse_file(corpus / name, metas.get(Path(name).stem))
            chunks_of[name] = chunk_document(doc, encoder.count_tokens, encoder.passage_tokens)
            tag_chunks(chunks_of[name])
        chunk = chunks_of[name][line["chunk"]]
        predicted = [(m.kind, m.text, m.key) for m in chunk.entities]
        gold = [(k, t, n) for k, t, n in line["mentions"]]
        for kind, s in score_passage(gold, predicted).items():
            t = totals[kind]
            t.gold, t.predicted = t.gold + s.gold, t.predicted + s.predicted
            t.matched, t.canonical = t.matched + s.matched, t.canonical + s.canonical
            t.overlapping += s.overlapping
    return [s for s in totals.values() if s.gold or s.predicted]


def table(scores: list[KindScore]) -> str:
    """The scores as a Markdown table."""
    rows = [
        "| type | gold | found | precision | recall | P overlap | R overlap | canonical |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in scores:
        if not s.gold:  # found, but no gold mention of this kind was labelled: nothing to score
            rows.append(f"| {s.kind} | 0 | {s.predicted} | - | - | - | - | - |")
            continue
        share = s.canonical / s.matched if s.matched else 0.0
        rows.append(
            f"| {s.kind} | {s.gold} | {s.predicted} | {s.precision:.3f} | {s.recall:.3f} "
            f"| {s.overlap_precision:.3f} | {s.overlap_recall:.3f} | {share:.3f} |"
        )
    return "\n".join(rows)


def cli_entities(gold: Path, out: Path | None) -> int:
    """``citesearch eval --entities GOLD``: print (and with ``out`` write) the table."""
    text = table(evaluate(gold))
    print(text)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "entities.md").write_text(text + "\n", encoding="utf-8")
    return 0
