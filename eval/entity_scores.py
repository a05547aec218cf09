"""Entity extraction scored against hand-labelled mentions (``eval/data/entities.jsonl``).

Each gold line is a passage of the corpus (its file and the chunk's ordinal, as the corpus is
chunked with the hash encoder's token counts: no model needed) and the mentions a reader finds
in it: ``{"file", "chunk", "mentions": [[kind, text, canonical name], ...]}``, with
``"kinds"`` when only those kinds were labelled there. A predicted
mention counts when a gold one of the same passage has its kind and its text (a possessive and
a leading "the" aside), each gold mention matched once: the strict rule of CoNLL, where a span
one word short is both a miss and a false find. Facets need the entity, not its exact span, so
a second, overlap rule is reported beside it: a mention left unmatched counts when its words
and those of an unmatched gold mention of its kind run one inside the other ("Pakistan
Research Center" in "Pakistan Research Center for a Community with Shared"), as in the partial
matching of MUC and SemEval-2013 task 9. ``canonical`` is the share of strictly matched
mentions whose key is the key of the gold's canonical name: one entity across spellings.

The splits are scored apart: ``dev``, the set the rules were written against (passages of the
corpus and of court opinions and a whitepaper in ``../shared/footnotes-dev``), and each held-out
file beside it (``<gold>_heldout.jsonl``, ``<gold>_heldout2.jsonl``: passages no rule was written
from, of the corpus and of real documents outside it; the second labelled after the first had
been read, and split from the dev half by whole passages before either was scored). A passage's
``file`` outside the corpus is a path from the working directory; a held-out document that is
not there (``../shared`` absent) is left out and counted. A ``file`` ending in ``.jsonl`` is a
BEIR corpus (``../shared/benchmarks/cisi/corpus.jsonl``), its line's ``doc`` the record whose
title and text are the passage.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from index.ingest.metadata import load_manifest
from index.models.hash_encoder import HashEncoder
from index.parse import parse_file
from index.records import Chunk
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


def source_path(name: str, corpus: Path) -> Path:
    """A gold line's file: a name in the corpus, or a path (it holds a "/") from the working
    directory.

    >>> source_path("a.txt", Path("corpus")), source_path("../shared/b.pdf", Path("corpus"))
    (PosixPath('corpus/a.txt'), PosixPath('../shared/b.pdf'))
    """
    return Path(name) if "/" in name else corpus / name


def read_gold(gold_path: Path, corpus: Path) -> tuple[list[dict], int]:
    """The gold's lines whose file is there, and how many were left out (file absent)."""
    lines = [json.loads(x) for x in gold_path.read_text(encoding="utf-8").splitlines() if x]
    kept = [x for x in lines if source_path(x["file"], corpus).is_file()]
    return kept, len(lines) - len(kept)


def beir_passages(path: Path) -> list[Chunk]:
    """Each record of a BEIR ``corpus.jsonl`` as one passage of its own (title, blank line,
    text), in file order; ``doc_id`` is the record's ``_id``."""
    chunks = []
    for row in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(row) if row.strip() else None
        if record is not None:
            text = "\n\n".join(x for x in (record.get("title", ""), record["text"]) if x)
            doc_id = str(record["_id"])
            chunks.append(Chunk(f"{doc_id}:0", doc_id, 0, text, [], 0, 0, 0, len(text)))
    return chunks


def _passage(line: dict, corpus: Path, metas: dict, cache: dict[str, list[Chunk]]) -> Chunk:
    """The tagged passage a gold line labels: a chunk of its document, or a BEIR record (each
    tagged alone: its records are documents of their own)."""
    name = line["file"]
    if name not in cache:
        path = source_path(name, corpus)
        if path.suffix == ".jsonl":
            cache[name] = beir_passages(path)
        else:
            encoder = HashEncoder()
            doc = parse_file(path, metas.get(Path(name).stem))
            cache[name] = chunk_document(doc, encoder.count_tokens, encoder.passage_tokens)
            tag_chunks(cache[name])
    if "doc" not in line:
        return cache[name][line["chunk"]]
    chunk = next(c for c in cache[name] if c.doc_id == str(line["doc"]))
    if not chunk.entities:
        tag_chunks([chunk])
    return chunk


def evaluate(gold_path: Path, corpus: Path = Path("corpus")) -> list[KindScore]:
    """Tag the gold's passages and score them per kind."""
    lines, _ = read_gold(gold_path, corpus)
    metas = load_manifest(corpus)
    chunks_of: dict[str, list[Chunk]] = {}
    totals = {k: KindScore(k, 0, 0, 0, 0) for k in KINDS}
    for line in lines:
        chunk = _passage(line, corpus, metas, chunks_of)
        # A passage labelled for some kinds only ("kinds") scores those: what else is found in
        # it is neither right nor wrong.
        labelled = set(line.get("kinds", KINDS))
        predicted = [(m.kind, m.text, m.key) for m in chunk.entities if m.kind in labelled]
        gold = [(k, t, n) for k, t, n in line["mentions"]]
        for kind, s in score_passage(gold, predicted).items():
            t = totals[kind]
            t.gold, t.predicted = t.gold + s.gold, t.predicted + s.predicted
            t.matched, t.canonical = t.matched + s.matched, t.canonical + s.canonical
            t.overlapping += s.overlapping
    return [s for s in totals.values() if s.gold or s.predicted]


def table(splits: dict[str, list[KindScore]]) -> str:
    """The scores of each split as rows of one Markdown table."""
    rows = [
        "| split | type | gold | found | precision | recall | P overlap | R overlap | canonical |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for split, scores in splits.items():
        for s in scores:
            if not s.gold:  # found, but no gold mention of this kind was labelled: no score
                rows.append(f"| {split} | {s.kind} | 0 | {s.predicted} | - | - | - | - | - |")
                continue
            share = s.canonical / s.matched if s.matched else 0.0
            rows.append(
                f"| {split} | {s.kind} | {s.gold} | {s.predicted} | {s.precision:.3f} "
                f"| {s.recall:.3f} | {s.overlap_precision:.3f} | {s.overlap_recall:.3f} "
                f"| {share:.3f} |"
            )
    return "\n".join(rows)


def heldout_paths(gold: Path) -> dict[str, Path]:
    """The held-out splits of a gold file, by name: each ``<stem>_heldout<n>.jsonl`` beside it
    ("held out", "held out 2", ...), in order."""
    prefix = f"{gold.stem}_heldout"
    found = {}
    for path in gold.parent.glob(f"{prefix}*{gold.suffix}"):
        n = path.stem[len(prefix) :]
        if n == "" or n.isdigit():
            found[int(n or 1)] = (f"held out {n}" if n else "held out", path)
    return dict(found[n] for n in sorted(found))


def cli_entities(gold: Path, out: Path | None, corpus: Path = Path("corpus")) -> int:
    """``citesearch eval --entities GOLD``: print (and with ``out`` write) the table of the dev
    split and of each held-out one beside it."""
    splits = {"dev": evaluate(gold, corpus)}
    for split, held in heldout_paths(gold).items():
        splits[split] = evaluate(held, corpus)
        missing = read_gold(held, corpus)[1]
        if missing:
            print(f"{split}: {missing} passages left out (their documents are absent)")
    text = table(splits)
    print(text)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "entities.md").write_text(text + "\n", encoding="utf-8")
    return 0
