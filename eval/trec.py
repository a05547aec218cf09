"""Read and write TREC run files, TREC qrels files and BEIR's tsv qrels.

Formats (whitespace-separated for TREC, tab-separated with a header for BEIR)::

    run    qid Q0 docid rank score tag
    qrels  qid 0 docid rel
    BEIR   query-id<TAB>corpus-id<TAB>score

Parsing is pure (``parse_*`` take lines and a source name for the error message) and the
``read_*`` / ``write_*`` functions only add the file I/O. Malformed lines raise ``ValueError``
naming the file and line; a document listed twice for one query is an error too, as in trec_eval.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from eval.metrics import Qrels, Run, rank_documents

BEIR_QRELS_HEADER = "query-id\tcorpus-id\tscore"


def _error(source: str, line_no: int, message: str, line: str) -> ValueError:
    return ValueError(f"{source}:{line_no}: {message}: {line.rstrip()!r}")


def _content_lines(lines: Iterable[str]) -> Iterable[tuple[int, str]]:
    """Numbered lines (1-based), blank ones skipped."""
    for line_no, line in enumerate(lines, start=1):
        if line.strip():
            yield line_no, line


def parse_run(lines: Iterable[str], source: str = "<run>") -> Run:
    """Parse TREC run lines ``qid Q0 docid rank score tag``; the rank column is ignored."""
    run: Run = {}
    for line_no, line in _content_lines(lines):
        fields = line.split()
        if len(fields) != 6:
            raise _error(source, line_no, "expected 6 fields 'qid Q0 docid rank score tag'", line)
        qid, _, doc, _, score, _ = fields
        try:
            value = float(score)
        except ValueError:
            raise _error(source, line_no, "score is not a number", line) from None
        docs = run.setdefault(qid, {})
        if doc in docs:
            raise _error(source, line_no, f"document {doc} listed twice for query {qid}", line)
        docs[doc] = value
    return run


def _check_ids(what: str, ids: Iterable[str]) -> None:
    """Ids go in whitespace-separated columns: an empty id or one with a space cannot."""
    for id_ in ids:
        if not id_ or any(c.isspace() for c in id_):
            raise ValueError(f"{what} {id_!r} cannot be written: ids must be non-empty, no spaces")


def format_run(run: Run, tag: str = "citesearch") -> str:
    """TREC run text: per query, documents in trec_eval's order with ranks from 1.

    Scores are written with ``repr`` so that reading the file back gives the same floats.
    """
    _check_ids("run tag", [tag])
    _check_ids("query id", run)
    for docs in run.values():
        _check_ids("document id", docs)
    rows = [
        f"{qid} Q0 {doc} {rank} {run[qid][doc]!r} {tag}\n"
        for qid in sorted(run)
        for rank, doc in enumerate(rank_documents(run[qid]), start=1)
    ]
    return "".join(rows)


def _parse_grade(text: str, source: str, line_no: int, line: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _error(source, line_no, "relevance is not an integer", line) from None


def _add_judgment(
    qrels: Qrels, qid: str, doc: str, grade: int, where: tuple[str, int, str]
) -> None:
    grades = qrels.setdefault(qid, {})
    if doc in grades:
        source, line_no, line = where
        raise _error(source, line_no, f"document {doc} judged twice for query {qid}", line)
    grades[doc] = grade


def parse_qrels(lines: Iterable[str], source: str = "<qrels>") -> Qrels:
    """Parse TREC qrels lines ``qid iteration docid rel``; the iteration column is ignored."""
    qrels: Qrels = {}
    for line_no, line in _content_lines(lines):
        fields = line.split()
        if len(fields) != 4:
            raise _error(source, line_no, "expected 4 fields 'qid 0 docid rel'", line)
        qid, _, doc, grade = fields
        grade_value = _parse_grade(grade, source, line_no, line)
        _add_judgment(qrels, qid, doc, grade_value, (source, line_no, line))
    return qrels


def format_qrels(qrels: Qrels) -> str:
    """TREC qrels text, sorted by query id then document id."""
    _check_ids("query id", qrels)
    for grades in qrels.values():
        _check_ids("document id", grades)
    return "".join(
        f"{qid} 0 {doc} {qrels[qid][doc]}\n" for qid in sorted(qrels) for doc in sorted(qrels[qid])
    )


def parse_beir_qrels(lines: Iterable[str], source: str = "<qrels.tsv>") -> Qrels:
    """Parse BEIR qrels: a ``query-id corpus-id score`` header, then one tab-separated row each."""
    qrels: Qrels = {}
    numbered = iter(_content_lines(lines))
    header = next(numbered, None)
    if header is None or header[1].rstrip("\r\n").split("\t") != BEIR_QRELS_HEADER.split("\t"):
        found = "an empty file" if header is None else repr(header[1].rstrip())
        raise ValueError(f"{source}: expected the header {BEIR_QRELS_HEADER!r}, found {found}")
    for line_no, line in numbered:
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) != 3 or not fields[0] or not fields[1]:
            raise _error(source, line_no, "expected 'query-id<TAB>corpus-id<TAB>score'", line)
        qid, doc, grade = fields
        grade_value = _parse_grade(grade, source, line_no, line)
        _add_judgment(qrels, qid, doc, grade_value, (source, line_no, line))
    return qrels


def format_beir_qrels(qrels: Qrels) -> str:
    """BEIR qrels text with its header, sorted by query id then document id."""
    _check_ids("query id", qrels)
    for grades in qrels.values():
        _check_ids("document id", grades)
    rows = [f"{BEIR_QRELS_HEADER}\n"]
    rows += [
        f"{qid}\t{doc}\t{qrels[qid][doc]}\n" for qid in sorted(qrels) for doc in sorted(qrels[qid])
    ]
    return "".join(rows)


def _read_lines(path: Path) -> list[str]:
    # Split on newlines only: str.splitlines would also split inside ids on rare separators.
    try:
        with path.open(encoding="utf-8") as lines:
            return list(lines)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None


def read_run(path: Path) -> Run:
    """Read a TREC run file."""
    return parse_run(_read_lines(path), str(path))


def write_run(run: Run, path: Path, tag: str = "citesearch") -> None:
    """Write a TREC run file (see :func:`format_run`)."""
    path.write_text(format_run(run, tag), encoding="utf-8")


def read_qrels(path: Path) -> Qrels:
    """Read a TREC qrels file."""
    return parse_qrels(_read_lines(path), str(path))


def write_qrels(qrels: Qrels, path: Path) -> None:
    """Write a TREC qrels file."""
    path.write_text(format_qrels(qrels), encoding="utf-8")


def read_beir_qrels(path: Path) -> Qrels:
    """Read BEIR's ``qrels/<split>.tsv``."""
    return parse_beir_qrels(_read_lines(path), str(path))


def write_beir_qrels(qrels: Qrels, path: Path) -> None:
    """Write BEIR's ``qrels/<split>.tsv``."""
    path.write_text(format_beir_qrels(qrels), encoding="utf-8")
