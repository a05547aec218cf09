"""How well citesearch finds footnote markers and their notes, against hand-made gold.

The gold (``eval/data/footnotes/``, described in its SOURCES.md) gives, for each document, every
marker as its printed label and the text just before it (its position, as a reader reads it), and
every note as its opening words and its URLs. Each document is parsed with
``index.parse.parse_file``; a predicted marker matches a gold marker when the labels agree and the
body text before it ends with the last ``TAIL`` characters of the gold text (both normalised:
case, white space, hyphens, quotes and the separators between adjacent markers do not count).
Each gold marker is matched at most once. Then, per document:

- marker precision (matched / predicted) and recall (matched / gold), by position;
- note text: of the gold notes whose marker was found, the share whose predicted note text starts
  with the gold opening words (a note the file has no text for is right when none is predicted);
- URL recall: of the gold URLs of those notes, the share found whole in the predicted note's URLs.

Figures are micro-averaged over markers per split, per format and per layout, and macro-averaged
per document. ``ACCEPTANCE`` holds issue 23's lines; ``check_acceptance`` says which are met.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import unquote

REPO = Path(__file__).resolve().parents[1]
TAIL = 25
"""Normalised characters of the gold "before" text a prediction must end with."""
CONTEXT = 200
"""Characters of body text before a predicted marker that are compared."""
STRUCTURED = ("docx", "odt", "html", "markdown")

# Quotes and apostrophes read alike; hyphens, dashes and white space are dropped (a hyphen at a
# line end, a non-breaking space or a space the extraction added is no difference a reader sees),
# and so are the characters that are markup rather than text: Markdown's emphasis, code and
# autolink marks (* _ ` < >) and the "|" a reader puts between table cells.
_QUOTES = str.maketrans({c: "'" for c in "‘’‚‛′´"} | {c: '"' for c in "“”„‟″«»"})
_DROP = re.compile(r"[\s\-‐‑‒–—―\u00ad\u200b-\u200d\u2060\ufeff*_`<>|]+")
_SPACING_ACCENTS = str.maketrans("", "", "¨´˜ˆ¸ˇ˘˙˚˝¯")
_SEPARATORS = re.compile(r"[,;(\[]+$")
_STARS = str.maketrans({"∗": "*", "⁎": "*", "＊": "*"})  # LaTeX prints \\thanks marks as U+2217
_SCHEME = re.compile(r"^https?://", re.IGNORECASE)
_LABEL_DECORATION = re.compile(r"^[\[\(]+|[\]\)]+$")


def normalise(text: str) -> str:
    """Text as compared: case-folded, quotes unified, no white space, hyphens or accents.

    Accents go because old TeX fonts set them as separate glyphs ("f¨uttern"); where a marker
    is, not how a word is spelt, is what is measured.

    >>> normalise("Pro-\\nposal “quoted” `code`, f¨uttern")
    'proposal"quoted"code,futtern'
    """
    text = unicodedata.normalize("NFKD", text.translate(_SPACING_ACCENTS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _DROP.sub("", text.casefold().translate(_QUOTES))


def normalise_label(label: str) -> str:
    """A marker label without its brackets or spaces: "[3]", "(3)" and "3" are one label, and
    MediaWiki's "[n 1]" is "n1". LaTeX's "‖" is the same label as the "||" its PDF text gives.

    >>> normalise_label("[n 1]"), normalise_label("||") == normalise_label("‖")
    ('n1', True)
    """
    label = label.translate(_STARS).replace("||", "‖")
    return "".join(_LABEL_DECORATION.sub("", label.strip()).split()).casefold()


def normalise_url(url: str) -> str:
    """A URL as compared: percent-escapes decoded, no scheme, no trailing slash (a note that
    prints ``www.who.int/...`` gives that URL, with or without ``http://`` added)."""
    return _SCHEME.sub("", unquote(url.strip())).rstrip("/")


def position_matches(gold_before: str, predicted_before: str) -> bool:
    """True when the text before a predicted marker ends as the gold text does.

    >>> position_matches("as evidenced by NotPetya", "...extensive, as evidenced by\\nNot-Petya")
    True
    >>> position_matches("as evidenced by NotPetya", "and Solarwinds")
    False
    """
    return _position_key(predicted_before).endswith(_position_key(gold_before)[-TAIL:])


def _position_key(text: str) -> str:
    return _SEPARATORS.sub("", normalise(text))


# A Markdown link as a reader sees it: its text. ``[text](url "title")``, ``[text][ref]``,
# ``[text][]``; a Markdown file's source text keeps the syntax, the gold has what is rendered.
_MD_LINK = re.compile(r"!?\[([^\]\[]*)\](?:\([^()\s]*(?:\s+\"[^\"]*\")?\)|\[[^\]\[]*\])")


def render_markdown_links(text: str) -> str:
    """Markdown links replaced by their text.

    >>> render_markdown_links("see [the RFC](https://x.org/a) and [its notes][n1]")
    'see the RFC and its notes'
    """
    return _MD_LINK.sub(r"\1", text)


# ---- gold ---------------------------------------------------------------------------------------


@dataclass
class GoldNote:
    """A note: its printed label, its opening words (None: the file has no text for it), URLs."""

    label: str
    opening: str | None
    urls: list[str] = field(default_factory=list)


@dataclass
class GoldMarker:
    """A marker: its printed label, the text a reader sees before it, and its note's index.

    ``alt_labels``: other labels that name it as well (a Markdown note written ``[^council]``
    is printed as a number when rendered; either is right).
    """

    label: str
    before: str
    note: int
    alt_labels: list[str] = field(default_factory=list)

    def answers_to(self, label: str) -> bool:
        """True when ``label`` (a predicted marker's) is this marker's label or an alias."""
        wanted = normalise_label(label)
        return any(normalise_label(x) == wanted for x in [self.label, *self.alt_labels])


@dataclass
class GoldDocument:
    """One document of the set and its gold (the JSON file of ``eval/data/footnotes/gold``)."""

    name: str
    doc: str
    split: str
    format: str
    layout: str
    language: str
    publisher: str
    notes: list[GoldNote]
    markers: list[GoldMarker]
    build: str = ""  # how to get a document that is not in the repository or ../shared

    @property
    def path(self) -> Path:
        """The document's file (paths in the gold are relative to the repository)."""
        return (REPO / self.doc).resolve()


def load_gold(path: Path) -> GoldDocument:
    """A gold file; ValueError when a marker points at no note."""
    data = json.loads(path.read_text(encoding="utf-8"))
    notes = [GoldNote(n["label"], n.get("opening"), list(n.get("urls", []))) for n in data["notes"]]
    markers = [
        GoldMarker(m["label"], m["before"], int(m["note"]), list(m.get("alt_labels", [])))
        for m in data["markers"]
    ]
    for marker in markers:
        if not 0 <= marker.note < len(notes):
            raise ValueError(f"{path.name}: marker {marker.label!r} points at no note")
    return GoldDocument(
        name=path.stem,
        doc=data["doc"],
        split=data["split"],
        format=data["format"],
        layout=data["layout"],
        language=data["language"],
        publisher=data.get("publisher", ""),
        notes=notes,
        markers=markers,
        build=data.get("build", ""),
    )


def load_gold_set(folder: Path) -> list[GoldDocument]:
    """Every gold file under ``folder`` (recursively), sorted by name."""
    return [load_gold(p) for p in sorted(folder.rglob("*.json"), key=lambda p: p.name)]


# ---- predictions --------------------------------------------------------------------------------


@dataclass
class PredictedMarker:
    """A marker the parser found: its note's label, the body text before it, the note."""

    label: str
    before: str
    note: str | None
    urls: list[str]


def predicted_markers(path: Path) -> list[PredictedMarker]:
    """Parse a file with ``index.parse.parse_file`` and list its markers in body order.

    Raises ``index.parse.LoadError`` when the file cannot be read.
    """
    from index.parse import parse_file

    doc = parse_file(path)
    note_of = {id(m): f for f in doc.footnotes for m in f.markers}
    by_n = {f.n: f for f in doc.footnotes}
    found = []
    for pos, marker in sorted(doc.marker_positions, key=lambda p: p[0]):
        footnote = note_of.get(id(marker)) or by_n.get(marker.n)
        label = footnote.shown if footnote is not None else str(marker.n)
        before = doc.body[max(0, pos - 8 * CONTEXT) : pos]
        if path.suffix.lower() == ".md":
            before = render_markdown_links(before)
        before = before[-CONTEXT:]
        note = footnote.note if footnote is not None else None
        urls = list(footnote.urls) if footnote is not None else []
        found.append(PredictedMarker(label, before, note, urls))
    return found


# ---- scores -------------------------------------------------------------------------------------


@dataclass
class Counts:
    """What is added up over markers (micro averages)."""

    gold: int = 0
    predicted: int = 0
    matched: int = 0
    notes_found: int = 0
    notes_right: int = 0
    urls: int = 0
    urls_found: int = 0

    def add(self, other: Counts) -> None:
        for name in asdict(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else float(self.gold == 0)

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def note_text(self) -> float:
        return self.notes_right / self.notes_found if self.notes_found else float("nan")

    @property
    def url_recall(self) -> float:
        return self.urls_found / self.urls if self.urls else float("nan")

    def figures(self) -> dict[str, float]:
        """Precision, recall, note text accuracy and URL recall (NaN: nothing to measure)."""
        return {
            "precision": self.precision,
            "recall": self.recall,
            "note_text": self.note_text,
            "url_recall": self.url_recall,
        }


@dataclass
class DocumentScore:
    """One document's counts, and what went wrong (unmatched gold markers, stray predictions)."""

    name: str
    split: str
    format: str
    layout: str
    language: str
    counts: Counts
    error: str = ""
    missed: list[str] = field(default_factory=list)
    stray: list[str] = field(default_factory=list)
    wrong_notes: list[str] = field(default_factory=list)
    lost_urls: list[str] = field(default_factory=list)


def match_markers(
    gold: Sequence[GoldMarker], predicted: Sequence[PredictedMarker]
) -> dict[int, int]:
    """Gold marker index -> predicted marker index: same label, same text before; each
    predicted marker taken once, in document order."""
    pairs: dict[int, int] = {}
    used: set[int] = set()
    befores = [_position_key(p.before) for p in predicted]
    for gi, g in enumerate(gold):
        tail = _position_key(g.before)[-TAIL:]
        for pi, p in enumerate(predicted):
            if pi not in used and befores[pi].endswith(tail) and g.answers_to(p.label):
                pairs[gi] = pi
                used.add(pi)
                break
    return pairs


def _note_right(gold: GoldNote, predicted: str | None) -> bool:
    if gold.opening is None:
        return not (predicted or "").strip()
    return normalise(predicted or "").startswith(normalise(gold.opening))


def score_document(
    gold: GoldDocument, predicted: Sequence[PredictedMarker], error: str = ""
) -> DocumentScore:
    """Score one document's predicted markers against its gold."""
    pairs = match_markers(gold.markers, predicted)
    counts = Counts(gold=len(gold.markers), predicted=len(predicted), matched=len(pairs))
    score = DocumentScore(gold.name, gold.split, gold.format, gold.layout, gold.language, counts)
    score.error = error
    # A note is judged once, on the first of its markers that was found.
    judged: dict[int, PredictedMarker] = {}
    for gi, pi in sorted(pairs.items()):
        judged.setdefault(gold.markers[gi].note, predicted[pi])
    for ni, p in sorted(judged.items()):
        note = gold.notes[ni]
        counts.notes_found += 1
        if _note_right(note, p.note):
            counts.notes_right += 1
        else:
            score.wrong_notes.append(f"{note.label}: {(p.note or '')[:60]!r}")
        have = {normalise_url(u) for u in p.urls}
        for url in note.urls:
            counts.urls += 1
            if normalise_url(url) in have:
                counts.urls_found += 1
            else:
                score.lost_urls.append(url)
    score.missed = [
        f"{g.label} after {g.before[-30:]!r}" for i, g in enumerate(gold.markers) if i not in pairs
    ]
    taken = set(pairs.values())
    score.stray = [
        f"{p.label} after {' '.join(p.before.split())[-30:]!r}"
        for i, p in enumerate(predicted)
        if i not in taken
    ]
    return score


def evaluate_document(gold: GoldDocument) -> DocumentScore | None:
    """Parse and score one document; None when its file is absent (not built or downloaded)."""
    from index.parse import LoadError

    if not gold.path.exists():
        return None
    try:
        predicted = predicted_markers(gold.path)
    except LoadError as exc:
        return score_document(gold, [], error=f"cannot read: {exc}")
    except Exception as exc:  # a parser bug on one file must not stop the evaluation
        return score_document(gold, [], error=f"parser failed: {type(exc).__name__}: {exc}")
    return score_document(gold, predicted)


# ---- report -------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table: a group of documents and its figures."""

    group: str
    documents: int
    counts: Counts
    macro: dict[str, float]


@dataclass
class FootnoteReport:
    """Every document's score, the grouped rows, missing documents and the acceptance checks."""

    documents: list[DocumentScore]
    rows: list[Row]
    missing: list[str]
    checks: list[tuple[str, float, str, bool]]


def _macro(scores: Sequence[DocumentScore]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name in ("precision", "recall", "note_text", "url_recall"):
        values = [getattr(s.counts, name) for s in scores]
        values = [v for v in values if v == v]  # NaN: nothing to measure in that document
        out[name] = sum(values) / len(values) if values else float("nan")
    return out


def _row(group: str, scores: Sequence[DocumentScore]) -> Row:
    total = Counts()
    for s in scores:
        total.add(s.counts)
    return Row(group, len(scores), total, _macro(scores))


_SPLIT_ORDER = ["dev", "heldout", "corpus"]


def group_rows(scores: Sequence[DocumentScore]) -> list[Row]:
    """Rows per split; within each, per format and per layout."""
    rows = []
    order = {name: i for i, name in enumerate(_SPLIT_ORDER)}
    for split in sorted({s.split for s in scores}, key=lambda x: (order.get(x, len(order)), x)):
        in_split = [s for s in scores if s.split == split]
        rows.append(_row(f"{split}: all", in_split))
        for key in ("format", "layout"):
            for value in sorted({getattr(s, key) for s in in_split}):
                group = [s for s in in_split if getattr(s, key) == value]
                rows.append(_row(f"{split}: {key} {value}", group))
    return rows


ACCEPTANCE: list[tuple[str, str, str, float]] = [
    # (what, rows, figure, at least): issue 23's acceptance lines.
    ("held-out structured precision", "heldout structured", "precision", 1.0),
    ("held-out structured recall", "heldout structured", "recall", 1.0),
    ("held-out PDF precision", "heldout pdf", "precision", 0.97),
    ("held-out PDF recall", "heldout pdf", "recall", 0.95),
    ("held-out PDF note text", "heldout pdf", "note_text", 0.95),
    ("held-out URL recall", "heldout all", "url_recall", 0.98),
    ("corpus precision", "corpus all", "precision", 1.0),
    ("corpus recall", "corpus all", "recall", 1.0),
    ("corpus note text", "corpus all", "note_text", 0.99),
]


def check_acceptance(scores: Sequence[DocumentScore]) -> list[tuple[str, float, str, bool]]:
    """Each acceptance line: (what, measured, required, met). Micro figures over the rows named."""
    checks = []
    for what, rows, figure, least in ACCEPTANCE:
        split, kind = rows.split()
        chosen = [
            s
            for s in scores
            if s.split == split
            and (
                kind == "all"
                or (kind == "structured" and s.format in STRUCTURED)
                or s.format == kind
            )
        ]
        if not chosen:
            continue
        total = Counts()
        for s in chosen:
            total.add(s.counts)
        value = total.figures()[figure]
        checks.append((what, value, f">= {least:g}", value == value and value >= least - 1e-12))
    return checks


def evaluate(gold_folder: Path, progress: TextIO | None = None) -> FootnoteReport:
    """Score every document of a gold folder that is on disk."""
    scores, missing = [], []
    for gold in load_gold_set(gold_folder):
        if progress is not None:
            print(f"  {gold.name}", file=progress, flush=True)
        score = evaluate_document(gold)
        if score is None:
            missing.append(f"{gold.name} ({gold.doc}; {gold.build or 'no recipe'})")
        else:
            scores.append(score)
    return FootnoteReport(scores, group_rows(scores), missing, check_acceptance(scores))


def _f(value: float) -> str:
    return "–" if value != value else f"{value:.3f}"


def markdown_report(report: FootnoteReport) -> str:
    """The tables (groups, then documents), the acceptance lines and what was missing."""
    lines = [
        "| group | docs | gold | pred | P | R | note text | URL recall | macro P | macro R |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report.rows:
        c = row.counts
        lines.append(
            f"| {row.group} | {row.documents} | {c.gold} | {c.predicted} | {_f(c.precision)} "
            f"| {_f(c.recall)} | {_f(c.note_text)} | {_f(c.url_recall)} "
            f"| {_f(row.macro['precision'])} | {_f(row.macro['recall'])} |"
        )
    if report.checks:
        lines += ["", "| acceptance | measured | required | met |", "|---|---:|---|---|"]
        lines += [
            f"| {w} | {_f(v)} | {r} | {'yes' if ok else 'NO'} |" for w, v, r, ok in report.checks
        ]
    lines += ["", "| document | split | format | gold | pred | P | R | note text | URLs | error |"]
    lines += ["|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for s in report.documents:
        c = s.counts
        lines.append(
            f"| {s.name} | {s.split} | {s.format} | {c.gold} | {c.predicted} | {_f(c.precision)} "
            f"| {_f(c.recall)} | {_f(c.note_text)} | {_f(c.url_recall)} | {s.error} |"
        )
    if report.missing:
        lines += [
            "",
            "Not on disk (run `make footnote-docs`):",
            *[f"- {m}" for m in report.missing],
        ]
    return "\n".join(lines) + "\n"


def _jsonable(value: float) -> float | None:
    return None if value != value else round(value, 4)


def write_report(report: FootnoteReport, out: Path) -> None:
    """``out/footnotes.json`` (every figure and every miss) and ``out/footnotes.md``."""
    out.mkdir(parents=True, exist_ok=True)
    data = {
        "rows": [
            {
                "group": r.group,
                "documents": r.documents,
                **asdict(r.counts),
                **{k: _jsonable(v) for k, v in r.counts.figures().items()},
                **{f"macro_{k}": _jsonable(v) for k, v in r.macro.items()},
            }
            for r in report.rows
        ],
        "acceptance": [
            {"what": w, "measured": _jsonable(v), "required": r, "met": ok}
            for w, v, r, ok in report.checks
        ],
        "documents": [
            {**asdict(s), **{k: _jsonable(v) for k, v in s.counts.figures().items()}}
            for s in report.documents
        ],
        "missing": report.missing,
    }
    (out / "footnotes.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    (out / "footnotes.md").write_text(markdown_report(report), encoding="utf-8")


def cli_footnotes(folder: Path, out: Path | None, stream: TextIO | None = None) -> int:
    """``citesearch eval --footnotes FOLDER``: score, print the tables, write them to ``out``.

    Returns 2 when the folder holds no gold, else 0 (the acceptance lines are reported, not
    enforced: they are the goal the parsers are measured against).
    """
    if not folder.is_dir() or not any(folder.rglob("*.json")):
        print(f"citesearch eval: no footnote gold in {folder}", file=sys.stderr)
        return 2
    stream = stream or sys.stdout
    report = evaluate(folder, progress=sys.stderr)
    stream.write(markdown_report(report))
    if out is not None:
        write_report(report, out)
        print(f"wrote {out / 'footnotes.json'} and {out / 'footnotes.md'}", file=stream)
    return 0
