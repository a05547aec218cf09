"""The ``citesearch`` command line: index, search, footnotes, serve, eval."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from index.build import BuildReport
    from index.models.encoder import Encoder

DEFAULT_INDEX_DIR = "var/index"
INDEX_ENV = "CITESEARCH_INDEX_DIR"


def default_index_dir() -> Path:
    """``CITESEARCH_INDEX_DIR``, else ``var/index``."""
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX_DIR)


def _offline() -> None:
    # The model ships inside a package: nothing may be fetched from a hub, ever.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


# ---- index --------------------------------------------------------------------------------------


def cmd_index(args: argparse.Namespace) -> int:
    """``citesearch index``: 2 for a bad path or model choice, 1 when the index cannot be built."""
    from index.stores.base import IndexLocked, IndexMismatch

    paths = [Path(p) for p in args.paths] or [Path("corpus")]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"citesearch index: not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    if not _choose_models(args):
        return 2
    # The errors said in one line: an index that cannot be updated or is busy, and Dask's
    # (imported only when asked for: a second of start-up otherwise).
    expected: tuple[type[Exception], ...] = (IndexMismatch, IndexLocked)
    if args.dask is not None:
        from index.models.dask_embedder import DaskUnavailable

        expected += (DaskUnavailable,)
    try:
        report = _build(args, paths)
    except expected as exc:
        print(f"citesearch index: {exc}", file=sys.stderr)
        return 1
    if args.json:
        from dataclasses import asdict

        print(json.dumps(asdict(report), indent=2, default=str))
        return 0
    _print_build_report(report)
    return 0


def _choose_models(args: argparse.Namespace) -> bool:
    """Fill in ``--model``, ``--second-model`` and ``args.second``: as given, else the models the
    index was built with (``args.recorded``, whichever they are), else the defaults. False (said
    on stderr) when the two are the same."""
    from index.models.specs import DEFAULT_SECOND, model_choice
    from index.stores.factory import recorded_model

    recorded = None if args.rebuild else recorded_model(args.location)
    args.recorded = None
    unchosen = args.model is None and args.second_model is None and args.dask is None
    if recorded is not None and unchosen:
        args.recorded = recorded
        return True
    if args.model is None:
        args.model = model_choice(recorded.name) if recorded else "e5"
    if args.second_model is None:
        if recorded is not None and model_choice(recorded.name) == args.model:
            second = recorded.second
            args.second_model = model_choice(second.name) if second is not None else "none"
        else:
            args.second_model = DEFAULT_SECOND[args.model] or "none"
    if args.second_model == args.model:
        print(
            f"citesearch index: the second model must differ from the first ({args.model})",
            file=sys.stderr,
        )
        return False
    args.second = None if args.second_model == "none" else args.second_model
    return True


def _build(args: argparse.Namespace, paths: list[Path]) -> BuildReport:
    """Index ``paths``; with ``--rebuild-if-stale``, from scratch when the index cannot be updated."""
    from index.build import build_index
    from index.models.by_name import encoder_by_name
    from index.models.embedder import Embedder
    from index.stores.base import IndexMismatch

    with ExitStack() as stack:
        if args.recorded is not None:
            second = args.recorded.second.name if args.recorded.second is not None else None
            embedder = encoder_by_name(args.recorded.name, second)
        elif args.dask is None:
            embedder = Embedder(model=args.model, second=args.second)
        else:
            embedder = _dask_embedder(args, stack)
        build = functools.partial(
            build_index,
            paths,
            args.location,
            embedder=embedder,
            prune=not args.no_prune,
            progress=not args.json and sys.stderr.isatty(),
        )
        try:
            return build(rebuild=args.rebuild)
        except IndexMismatch as exc:
            if args.rebuild or not args.rebuild_if_stale:
                raise
            print(
                f"citesearch index: {exc}\ncitesearch index: rebuilding from scratch",
                file=sys.stderr,
            )
            return build(rebuild=True)


def _print_build_report(report: BuildReport) -> None:
    """What the build added, updated, kept, removed and skipped, for a terminal."""
    print(f"index: {report.index_dir}")
    for label, ids in (
        ("added", report.added),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("removed", report.removed),
    ):
        if ids:
            print(f"  {label:9} {len(ids):3}  {', '.join(ids)}")
    for skipped in report.skipped:
        print(f"  skipped   {skipped}")
    print(
        f"  chunks: {report.chunks_total} ({report.chunks_embedded} embedded, "
        f"{report.chunks_reused} reused)"
    )


def _dask_embedder(args: argparse.Namespace, stack: ExitStack) -> Encoder:
    """An embedder whose passages are embedded on the Dask workers of ``--dask``."""
    from index.models.dask_embedder import DaskEmbedder, dask_client

    client = stack.enter_context(dask_client(args.dask))
    return DaskEmbedder(client, model=args.model, second=args.second)


def _dask_target(text: str) -> str:
    """argparse type of ``--dask``: refuses a malformed target before anything starts."""
    from index.models.dask_embedder import parse_dask_target

    try:
        parse_dask_target(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


# ---- search -------------------------------------------------------------------------------------


def cmd_search(args: argparse.Namespace) -> int:
    from api.export import ExportFormat
    from api.schema import SearchResponse
    from index.stores.annotations import open_annotations
    from index.stores.base import IndexMismatch
    from retrieval.search import QueryError, open_searcher

    if not args.query and not args.batch:
        print("citesearch search: give a QUERY or --batch FILE", file=sys.stderr)
        return 2
    try:
        searcher = open_searcher(args.location, reranker_path=args.reranker)
    except IndexMismatch as exc:
        print(f"citesearch search: {exc}", file=sys.stderr)
        return 1
    options = {
        "k": args.k,
        "offset": args.offset,
        "mode": args.mode,
        "fusion": args.fusion,
        "doc_ids": args.doc or None,
        "sort": args.sort,
        # tag: and starred: read the tags and stars kept beside the index (reading creates nothing)
        "annotations": open_annotations(args.location),
    }
    if args.batch:
        status = 0
        handle = sys.stdin if args.batch == "-" else open(args.batch, encoding="utf-8")  # noqa: SIM115
        with handle:
            for line in handle:
                query = line.strip()
                if not query:
                    continue
                try:
                    result = searcher.search(query, **options)
                except QueryError as exc:
                    print(json.dumps({"query": query, "error": str(exc)}), flush=True)
                    status = 2
                    continue
                print(SearchResponse.from_result(result).model_dump_json(), flush=True)
        return status
    try:
        result = searcher.search(args.query, **options)
    except QueryError as exc:
        print(f"citesearch search: {exc}", file=sys.stderr)
        return 2
    response = SearchResponse.from_result(result)
    fmt: ExportFormat = "json" if args.json else args.format
    if fmt == "text":
        print_results(response, sys.stdout)
        return 0
    from api.export import DocInfo, render

    docs = {
        info.meta.doc_id: DocInfo(info.meta.title, list(info.meta.authors), info.meta.published)
        for info in searcher.store.documents()
    }
    sys.stdout.write(render(response, fmt, docs))
    return 0


def _style(code: str, text: str, out: TextIO) -> str:
    return f"\033[{code}m{text}\033[0m" if out.isatty() and not os.environ.get("NO_COLOR") else text


def _pages(start: str | int, end: str | int) -> str:
    """``p. 17`` or ``pp. 17-19``: the printed labels when given (a reader cites those)."""
    return f"p. {start}" if str(start) == str(end) else f"pp. {start}-{end}"


def _missing_line(word: str) -> str:
    """What a terminal says of a word no document holds, or a cites: value no note cites."""
    if word.startswith("cites:"):
        return f"No note cites {word[6:]}: no passage is shown."
    return f"Missing: {word}: no document mentions it."


def _print_quoted(lead: str, quoted: object, out: TextIO) -> None:
    """A quoted sentence (the answer or a candidate): its text, document, page and notes."""
    from api.export import attribution_line, mark_of
    from api.schema import AnswerSentenceModel

    assert isinstance(quoted, AnswerSentenceModel)
    print(lead + quoted.text, file=out)
    print(
        f"        {quoted.title} ({quoted.doc_id}), p. {quoted.page_label or quoted.page}", file=out
    )
    if credit := attribution_line(quoted.citations, quoted.attribution):
        print(f"        {credit}", file=out)
    for c in quoted.citations:
        print(f"        [{mark_of(c)}] {c.note or 'note not available in the source'}", file=out)


def print_results(response: object, out: TextIO) -> None:
    """Ranked passages for a terminal: answer on top, highlighted sentence, notes underneath."""
    from api.export import mark_of
    from api.schema import SearchResponse

    assert isinstance(response, SearchResponse)
    width = 100
    if response.answer and response.answer.state == "candidates":
        print(
            _style("1", "Possible answers (no single sentence is sure: check them):", out), file=out
        )
        for n, candidate in enumerate(response.answer.candidates, start=1):
            _print_quoted(f"{n}. ", candidate, out)
        print(file=out)
    elif response.answer:
        _print_quoted(
            _style("1", f"Answer ({response.answer.confidence}): ", out), response.answer, out
        )
        print(file=out)
    else:
        print(_style("1", "Not found in these documents.", out), file=out)
        for word in response.missing:
            print(_missing_line(word), file=out)
        if response.results:
            print("The closest passages:", file=out)
        print(file=out)
    if not response.results:
        print("No passages found.", file=out)
    for hit in response.results:
        pages = _pages(hit.page_label_start or hit.page_start, hit.page_label_end or hit.page_end)
        header = f"{hit.rank}. {hit.title} — {pages}  [{hit.doc_id}]"
        print(_style("1", header, out), file=out)
        text = hit.text
        if hit.highlight and out.isatty():
            h = hit.highlight
            text = text[: h.start] + _style("1;33", text[h.start : h.end], out) + text[h.end :]
        for paragraph in text.split("\n\n"):
            print(
                textwrap.fill(paragraph, width, initial_indent="   ", subsequent_indent="   "),
                file=out,
            )
        if hit.highlight and not out.isatty():
            print(f"   > {hit.highlight.text}", file=out)
        if hit.matched_note is not None:
            found = hit.matched_note
            note = found.note or "note not available in the source"
            print(f"   cited in note {mark_of(found)}: {textwrap.shorten(note, 160)}", file=out)
        if hit.highlight and hit.highlight.citations:
            h = hit.highlight
            marks = " ".join(f"[{mark_of(c)}]" for c in h.citations)
            print(f"   highlighted sentence's notes: {marks} ({h.attribution})", file=out)
        for c in hit.citations:
            note = c.note or "note not available in the source"
            print(f"   [{mark_of(c)}] {textwrap.shorten(note, 160)}", file=out)
            for url in c.urls:
                print(f"        {url}", file=out)
        for source in hit.also_in:
            print(
                f"   also in: {source.title}, "
                + _pages(
                    source.page_label_start or source.page_start,
                    source.page_label_end or source.page_end,
                ),
                file=out,
            )
        print(file=out)
    shown = len(response.results)
    print(
        f"{response.offset + 1}-{response.offset + shown} of {response.total} passages "
        f"({response.mode}{', ' + response.fusion if response.fusion else ''}, "
        f"{response.took_ms:.0f} ms)",
        file=out,
    )


# ---- footnotes ----------------------------------------------------------------------------------


def _find_document(doc_id: str, corpus: Path) -> Path | None:
    candidate = Path(doc_id)
    if candidate.is_file():
        return candidate
    from index.parse import SUPPORTED_SUFFIXES

    for suffix in sorted(SUPPORTED_SUFFIXES):
        path = corpus / f"{doc_id}{suffix}"
        if path.is_file():
            return path
    return None


def cmd_footnotes(args: argparse.Namespace) -> int:
    from api.models import FootnotesResponse
    from index.ingest.metadata import load_manifest
    from index.ingest.source import LoadError
    from index.parse import parse_file

    if args.table:
        return footnote_table(args.doc_id or [str(args.corpus)], sys.stdout)
    if len(args.doc_id) != 1:
        print("citesearch footnotes: give one DOC_ID (or --table)", file=sys.stderr)
        return 2
    doc_id = args.doc_id[0]
    path = _find_document(doc_id, args.corpus)
    if path is not None:
        try:
            doc = parse_file(path, load_manifest(path.parent).get(path.stem))
        except LoadError as exc:
            print(f"citesearch footnotes: {path}: {exc}", file=sys.stderr)
            return 1
        footnotes, doc_id = doc.footnotes, doc.meta.doc_id
    else:
        from index.stores.base import IndexMismatch
        from index.stores.factory import open_reader

        try:
            store = open_reader(args.location)
        except IndexMismatch:
            print(f"citesearch footnotes: no document {doc_id!r}", file=sys.stderr)
            return 1
        with store:
            if store.document_info(doc_id) is None:
                print(f"citesearch footnotes: no document {doc_id!r}", file=sys.stderr)
                return 1
            footnotes = store.footnotes(doc_id)
    response = FootnotesResponse.from_footnotes(doc_id, footnotes)
    if args.json:
        print(response.model_dump_json(indent=2))
        return 0
    for f in response.footnotes:
        pages = sorted({m.page for m in f.markers})
        where = f"p. {', '.join(map(str, pages))}" if pages else "no marker in the body"
        print(f"[{f.n}] ({where}) {f.note or 'note not available in the source'}")
        for url in f.urls:
            print(f"      {url}")
    return 0


def footnote_table(paths: Sequence[str], out: TextIO) -> int:
    """A Markdown table of footnote extraction figures per document."""
    from index.ingest.metadata import load_manifest
    from index.ingest.readers import SUPPORTED_SUFFIXES
    from index.ingest.source import LoadError
    from index.parse import parse_file

    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
            )
        elif path.is_file():
            files.append(path)
        else:
            print(f"citesearch footnotes: not found: {name}", file=sys.stderr)
            return 2
    print(
        "| document | pages | markers found | footnote numbers | notes found "
        "| markers without notes | notes without markers |",
        file=out,
    )
    print("|---|---:|---:|---:|---:|---:|---:|", file=out)
    for path in files:
        try:
            doc = parse_file(path, load_manifest(path.parent).get(path.stem))
        except LoadError as exc:
            print(f"| {path.stem} | unreadable: {exc} | | | | | |", file=out)
            continue
        markers = sum(len(f.markers) for f in doc.footnotes)
        numbers = len(doc.footnotes)
        with_notes = sum(1 for f in doc.footnotes if f.note)
        orphans = sum(1 for f in doc.footnotes if f.note is None)
        unmarked = sum(1 for f in doc.footnotes if f.note and not f.markers)
        print(
            f"| {doc.meta.doc_id} | {len(doc.pages)} | {markers} | {numbers} | {with_notes} "
            f"| {orphans} | {unmarked} |",
            file=out,
        )
    return 0


# ---- serve and eval -----------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    from api.app import create_app
    from api.local_server import make_server
    from index.stores.base import IndexMismatch

    try:
        app = create_app(args.location, corpus_dirs=args.corpus or [Path("corpus")])
    except IndexMismatch as exc:
        print(f"citesearch serve: {exc}", file=sys.stderr)
        return 1
    print(f"citesearch: serving {args.location} on http://{args.host}:{args.port}/", flush=True)
    # Header and body deadlines, a connection cap, repeated loop errors logged once per interval.
    make_server(app, host=args.host, port=args.port).run()
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    if args.entities:
        from eval.entity_scores import cli_entities

        status = cli_entities(args.entities, args.out)
        if status or (not args.qa and not args.beir and not args.footnotes):
            return status
    if args.footnotes:
        from eval.footnote_scores import cli_footnotes

        status = cli_footnotes(args.footnotes, args.out)
        if status or (not args.qa and not args.beir):
            return status
    from eval.runner import cli_eval

    if not args.qa and not args.beir:
        args.qa = Path("eval/data/qa.jsonl")
    return cli_eval(
        qa=args.qa,
        beir=args.beir,
        index_dir=args.location,
        out=args.out,
        quick=args.quick,
        unanswerable=args.unanswerable,
    )


# ---- parser -------------------------------------------------------------------------------------


_FORMATTER = argparse.RawDescriptionHelpFormatter


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with examples in each command's help."""
    parser = argparse.ArgumentParser(
        prog="citesearch",
        description="Search long reports: the best passages, the answering sentence, "
        "and the footnotes that source them.",
        formatter_class=_FORMATTER,
        epilog="Start with: citesearch index corpus/ && citesearch search 'your question'",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_index_command(sub)
    _add_search_command(sub)
    _add_footnotes_command(sub)
    _add_serve_command(sub)
    _add_eval_command(sub)
    return parser


def _add_index_options(p: argparse.ArgumentParser) -> None:
    """Where the index is: a directory, or a Milvus + PostgreSQL pair (every command has these)."""
    p.add_argument(
        "--index-dir",
        type=Path,
        default=default_index_dir(),
        help=f"index directory (default: ${INDEX_ENV} or {DEFAULT_INDEX_DIR})",
    )
    p.add_argument(
        "--milvus",
        metavar="URI",
        default=None,
        help="keep passages in this Milvus (with --postgres; default: $CITESEARCH_MILVUS_URI)",
    )
    p.add_argument(
        "--postgres",
        metavar="URL",
        default=None,
        help="keep documents in this PostgreSQL (with --milvus; default: $CITESEARCH_POSTGRES_URL)",
    )


def _add_index_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``citesearch index``."""
    p = sub.add_parser(
        "index",
        help="index files and folders (incremental)",
        formatter_class=_FORMATTER,
        epilog="examples:\n  citesearch index                 # the default corpus/\n"
        "  citesearch index corpus/ extra/report.pdf\n  citesearch index --rebuild",
    )
    p.add_argument("paths", nargs="*", help="files or folders (default: corpus/)")
    p.add_argument("--rebuild", action="store_true", help="re-parse and re-embed everything")
    p.add_argument("--no-prune", action="store_true", help="keep documents whose files are gone")
    p.add_argument(
        "--rebuild-if-stale",
        action="store_true",
        help="rebuild from scratch when the index cannot be updated (written by another "
        "citesearch or library version, or for another model) instead of stopping with an "
        "error; `make index` uses it",
    )
    p.add_argument("--json", action="store_true", help="print the build report as JSON")
    p.add_argument(
        "--model",
        choices=["e5", "minilm"],
        default=None,
        help="embedding model: e5 (multilingual-e5-small, the default) or minilm "
        "(all-MiniLM-L6-v2, English); recorded in the index, which search and serve then use "
        "(default: the index's own model; another model needs --rebuild)",
    )
    p.add_argument(
        "--second-model",
        choices=["minilm", "e5", "none"],
        default=None,
        help="a second embedding model whose vectors of the same passages are searched too and "
        "fused into hybrid search: minilm beside e5 by default, none beside minilm (default: "
        "the index's own; another needs --rebuild)",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        type=_dask_target,
        default=None,
        help="embed passages on Dask workers: a scheduler address (tcp://host:8786) whose "
        "workers have citesearch and the model installed, or local:N for N worker processes "
        "on this machine (127.0.0.1 only); the vectors are the same as without",
    )
    _add_index_options(p)
    p.set_defaults(func=cmd_index)


def _add_search_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``citesearch search``, with the query syntax in its help."""
    p = sub.add_parser(
        "search",
        help="ask a question",
        formatter_class=_FORMATTER,
        description="Ask a question or type keywords.\n\n"
        "query syntax (exact and hybrid modes):\n"
        '  "Great Stone"            this exact phrase, words in this order\n'
        "  -tractors, NOT tractors  leave out passages with the word (any form: tractor too)\n"
        "  Pakistan OR Vietnam      either word (with a phrase, one of them is required)\n"
        "  tract*                   words starting with tract\n"
        "  tractr~  tractr~1        words within 2 (or 1) letters: tractor\n"
        "  doc:ID                   only this document (-doc:ID: all but it)\n"
        "  cites:belta.by           only passages whose notes link to belta.by (or eng.belta.by)\n"
        '  cites:Pivovar            only passages whose notes name Pivovar (cites:"two words")\n'
        "                           alone, cites: lists the claims citing it; -cites: leaves them out\n"
        "Names match in any script and spelling (Lukashenko, Lukashenka, Лукашенко). A word no\n"
        "document has gets a suggestion; when the query finds little the suggestion is searched\n"
        "instead (JSON: suggestion, searched_for). Words are also looked for in the notes a\n"
        "passage cites: a passage found through one shows it (cited in note 12: ...).",
        epilog="examples:\n  citesearch search 'Belarus exports to Pakistan'\n"
        "  citesearch search 'tractor assembly in Africa' -k 3 --mode bm25\n"
        "  citesearch search 'trade with China' --doc belarus-new-export-markets --json\n"
        "  citesearch search --batch questions.txt > answers.jsonl\n"
        "  citesearch search 'exports to China' -k 20 --format csv > results.csv\n"
        "  citesearch search 'cites:belta.by tractors'",
    )
    p.add_argument("query", nargs="?", help="the question or keywords")
    p.add_argument("-k", type=int, default=5, help="passages to show (1-100, default 5)")
    p.add_argument("--offset", type=int, default=0, help="skip this many passages (pagination)")
    p.add_argument("--mode", choices=["bm25", "dense", "hybrid"], default=None)
    p.add_argument("--fusion", choices=["rrf", "weighted"], default=None)
    p.add_argument("--doc", action="append", default=[], help="only this document (repeatable)")
    p.add_argument(
        "--sort",
        choices=["relevance", "date"],
        default="relevance",
        help="relevance (default), or date: the matching passages, newest document first",
    )
    p.add_argument("--json", action="store_true", help="print the API's JSON (--format json)")
    p.add_argument(
        "--format",
        choices=["text", "json", "csv", "markdown"],
        default="text",
        help="text for the terminal (default); json (the API's), csv or markdown with citations",
    )
    p.add_argument("--batch", help="one query a line (- for stdin); prints one JSON a line")
    p.add_argument("--reranker", type=Path, default=None, help="local CrossEncoder model dir")
    _add_index_options(p)
    p.set_defaults(func=cmd_search)


def _add_footnotes_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``citesearch footnotes``."""
    p = sub.add_parser(
        "footnotes",
        help="a document's footnotes, or a table of extraction figures",
        formatter_class=_FORMATTER,
        epilog="examples:\n  citesearch footnotes belarus-new-export-markets --json\n"
        "  citesearch footnotes --table corpus/ ../shared/pdfs/R-intro.pdf",
    )
    p.add_argument("doc_id", nargs="*", help="document id (file stem) or file path")
    p.add_argument("--json", action="store_true")
    p.add_argument("--table", action="store_true", help="Markdown table for files/folders")
    p.add_argument("--corpus", type=Path, default=Path("corpus"), help="where to find DOC_ID")
    _add_index_options(p)
    p.set_defaults(func=cmd_footnotes)


def _add_serve_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``citesearch serve``: loopback unless told otherwise."""
    p = sub.add_parser(
        "serve",
        help="serve the web page and the HTTP API",
        formatter_class=_FORMATTER,
        epilog="examples:\n  citesearch serve\n  citesearch serve --port 8080",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--corpus",
        type=Path,
        action="append",
        metavar="DIR",
        help="a folder the index was built from, whose files the page may download "
        "(repeat for more; default corpus/)",
    )
    _add_index_options(p)
    p.set_defaults(func=cmd_serve)


def _add_eval_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``citesearch eval``."""
    p = sub.add_parser(
        "eval",
        help="measure retrieval quality",
        formatter_class=_FORMATTER,
        epilog="examples:\n  citesearch eval --qa eval/data/qa.jsonl --out eval/out/qa\n"
        "  citesearch eval --beir ../shared/benchmarks/vaswani --out eval/out/vaswani\n"
        "  citesearch eval --footnotes eval/data/footnotes --out eval/out",
    )
    p.add_argument("--qa", type=Path, help="question set (JSONL)")
    p.add_argument("--beir", type=Path, help="BEIR-layout dataset directory")
    p.add_argument(
        "--footnotes",
        type=Path,
        help="footnote gold folder: markers, notes and URLs scored per document (no index needed)",
    )
    p.add_argument(
        "--entities",
        type=Path,
        help="hand-labelled entity mentions (JSONL): precision and recall per type, no index",
    )
    p.add_argument("--out", type=Path, help="write tables, runs and a plot here")
    p.add_argument(
        "--unanswerable",
        type=Path,
        help="questions the documents do not answer, for abstention "
        "(default: unanswerable.jsonl next to the --qa file)",
    )
    p.add_argument("--quick", action="store_true", help="a few questions only (pipeline check)")
    _add_index_options(p)
    p.set_defaults(func=cmd_eval)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``citesearch`` console script."""
    _offline()
    parser = build_parser()
    args = parser.parse_args(argv)
    from index.stores.factory import location_from

    try:
        args.location = location_from(args.index_dir, milvus=args.milvus, postgres=args.postgres)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
