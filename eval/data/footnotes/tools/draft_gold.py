"""Draft footnote gold from a file's own structure, independently of citesearch's parser.

Used once per document to draft eval/data/footnotes/gold/<name>.json, which was then checked
by hand (SOURCES.md says how, per document). Run from the repository root::

    python eval/data/footnotes/tools/draft_gold.py FILE --split dev --layout word-document \
        --language de --publisher "..." [--out gold/NAME.json]

- .docx: lxml over word/document.xml, footnotes.xml, endnotes.xml and their relationships.
  Word numbers footnotes and endnotes by the order of their references (custom marks take no
  number); endnotes print in lower-case Roman numerals unless w:endnotePr says otherwise.
- .odt/.fodt: lxml over content.xml: text:note, its text:note-citation (the label as printed).
- .html/.xhtml: lxml.html: MediaWiki (sup.reference), pandoc/markdown-it (a.footnote-ref,
  role=doc-noteref), EPUB (epub:type=noteref), HTMLBook (data-type=noteref), WordPress footnote
  plugins (sup.footnote, sup[id^=ss-]).
- .md: rendered by pandoc to HTML (the text a reader sees), markers and notes read from that;
  the source labels ([^name]) are read with a regex and given as each marker's alt_labels.

The "before" text is the ~40 characters a reader sees before a marker in document order, with
white space collapsed and other markers left out.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree, html

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
XLINK = "http://www.w3.org/1999/xlink"
EPUB = "http://www.idpf.org/2007/ops"
URL = re.compile(r"(?:https?://|(?<![\w/.])www\d*\.)[^\s<>\"')\]،؛]+[^\s<>\"')\].,;:،؛]")
BEFORE = 40
OPENING_WORDS = 8


def words(text: str, n: int = OPENING_WORDS) -> str:
    """The first ``n`` words of a text, white space collapsed."""
    return " ".join(text.split()[:n])


BLOCK = "\x00"
"""Put between blocks (paragraphs, headings, cells) by the walkers below."""


def tail(text: str) -> str:
    """The last ~40 characters of a text, starting at a word boundary; within the marker's own
    block (paragraph, cell) when that holds 15 characters or more (a heading or a caption that
    an extraction may drop is then not part of the position)."""
    own = " ".join(text.rsplit(BLOCK, 1)[-1].split())
    flat = own if len(own) >= 15 else " ".join(text.replace(BLOCK, " ").split())
    if len(flat) <= BEFORE:
        return flat
    cut = flat[-BEFORE:]
    return cut.split(" ", 1)[1] if " " in cut[:12] else cut


def roman(n: int) -> str:
    """Lower-case Roman numeral."""
    out = ""
    for value, digits in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):  # fmt: skip
        while n >= value:
            out += digits
            n -= value
    return out


# ---- docx ---------------------------------------------------------------------------------------


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def _runs_text(element: Any, events: list[tuple[str, Any]]) -> None:
    """Walk a WordprocessingML tree in order: text pieces and note references."""
    for node in element.iter():
        tag = node.tag
        if tag == _w("t"):
            if any(a.tag == _w("del") for a in node.iterancestors()):
                continue  # deleted text (a tracked change) is not shown
            events.append(("text", node.text or ""))
        elif tag in (_w("tab"), _w("br"), _w("cr")):
            events.append(("text", " "))
        elif tag == _w("noBreakHyphen"):
            events.append(("text", "-"))
        elif tag == _w("sym"):
            char = node.get(_w("char"), "")
            events.append(("text", chr(int(char, 16)) if char else ""))
        elif tag == _w("p"):
            events.append(("text", BLOCK))
        elif tag in (_w("footnoteReference"), _w("endnoteReference")):
            events.append(("ref", node))


def _relationships(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    name = f"word/_rels/{part}.rels"
    if name not in z.namelist():
        return {}
    root = etree.fromstring(z.read(name))
    return {r.get("Id"): r.get("Target") for r in root if r.get("TargetMode") == "External"}


def _note_urls(note: Any, rels: dict[str, str], text: str) -> list[str]:
    urls = [
        rels[h.get(f"{{{R}}}id")] for h in note.iter(_w("hyperlink")) if h.get(f"{{{R}}}id") in rels
    ]
    for instr in note.iter(_w("instrText"), _w("fldSimple")):
        code = instr.text if instr.tag == _w("instrText") else instr.get(_w("instr"))
        m = re.search(r'HYPERLINK\s+"([^"]+)"', code or "")
        if m:
            urls.append(m.group(1))
    urls += URL.findall(text)
    return list(dict.fromkeys(u for u in urls if re.match(r"https?://|www\d*\.", u)))


def _docx_notes(z: zipfile.ZipFile, kind: str) -> dict[str, tuple[str, list[str]]]:
    part = f"{kind}s.xml"
    if f"word/{part}" not in z.namelist():
        return {}
    root = etree.fromstring(z.read(f"word/{part}"))
    rels = _relationships(z, part)
    notes = {}
    for note in root.iter(_w(kind)):
        if note.get(_w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        paragraphs = []
        for p in note.iter(_w("p")):
            events: list[tuple[str, Any]] = []
            _runs_text(p, events)
            paragraphs.append("".join(t for k, t in events if k == "text").replace(BLOCK, " "))
        text = " ".join(" ".join(paragraphs).split())
        notes[note.get(_w("id"))] = (text, _note_urls(note, rels, text))
    return notes


def docx_gold(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Notes and markers of a Word file, in reference order."""
    with zipfile.ZipFile(path) as z:
        body = etree.fromstring(z.read("word/document.xml"))
        found = {"footnote": _docx_notes(z, "footnote"), "endnote": _docx_notes(z, "endnote")}
        settings = (
            z.read("word/settings.xml").decode("utf-8", "replace")
            if "word/settings.xml" in z.namelist()
            else ""
        )
    if "numRestart" in etree.tostring(body).decode() or "numRestart" in settings:
        print("warning: numbering restarts: check labels by hand", file=sys.stderr)
    endnote_fmt = re.search(r"<w:endnotePr>.*?<w:numFmt w:val=\"(\w+)\"", settings)
    events: list[tuple[str, Any]] = []
    _runs_text(body, events)
    text = ""
    counters = {"footnote": 0, "endnote": 0}
    notes: list[dict[str, Any]] = []
    index: dict[tuple[str, str], int] = {}
    markers: list[dict[str, Any]] = []
    pending_custom: dict[str, Any] | None = None
    for kind, value in events:
        if kind == "text":
            if pending_custom is not None and value.strip():
                # the custom mark is the text that follows the reference: the marker's label
                pending_custom["label"] = value.strip()
                notes[pending_custom["note"]]["label"] = value.strip()
                pending_custom = None
                continue
            text += value
            continue
        note_kind = "footnote" if value.tag == _w("footnoteReference") else "endnote"
        note_id = value.get(_w("id"))
        custom = value.get(_w("customMarkFollows")) in ("1", "true", "on")
        if (note_kind, note_id) not in index:
            note_text, urls = found[note_kind].get(note_id, ("", []))
            if custom:
                label = "?"
            else:
                counters[note_kind] += 1
                n = counters[note_kind]
                decimal = note_kind == "footnote" or (
                    endnote_fmt and endnote_fmt.group(1) == "decimal"
                )
                label = str(n) if decimal else roman(n)
            index[(note_kind, note_id)] = len(notes)
            notes.append(
                {
                    "label": label,
                    "opening": words(note_text) or None,
                    "urls": urls,
                    "kind": note_kind,
                }
            )
        ni = index[(note_kind, note_id)]
        marker = {"label": notes[ni]["label"], "before": tail(text), "note": ni}
        markers.append(marker)
        if custom:
            pending_custom = marker
    return notes, markers


# ---- odt ----------------------------------------------------------------------------------------


def _odt_note(node: Any) -> dict[str, Any]:
    citation = node.find(f"{{{TEXT}}}note-citation")
    label = (citation.text or "").strip() if citation is not None else "?"
    note_body = node.find(f"{{{TEXT}}}note-body")
    text = " ".join(" ".join(note_body.itertext()).split()) if note_body is not None else ""
    links = [a.get(f"{{{XLINK}}}href") for a in node.iter(f"{{{TEXT}}}a")]
    urls = list(dict.fromkeys([u for u in links if u and u.startswith("http")] + URL.findall(text)))
    kind = node.get(f"{{{TEXT}}}note-class", "footnote")
    return {"label": label, "opening": words(text) or None, "urls": urls, "kind": kind}


def odt_gold(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Notes and markers of an OpenDocument text (.odt, or flat .fodt): each text:note, and each
    text:note-ref (a second reference to a note, printed with the note's number)."""
    if path.suffix == ".fodt":
        root = etree.parse(str(path)).getroot()
    else:
        with zipfile.ZipFile(path) as z:
            root = etree.fromstring(z.read("content.xml"))
    body = root.find(".//{urn:oasis:names:tc:opendocument:xmlns:office:1.0}text")
    all_notes = list(body.iter(f"{{{TEXT}}}note"))
    notes = [_odt_note(n) for n in all_notes]
    index = {n.get(f"{{{TEXT}}}id"): i for i, n in enumerate(all_notes)}
    markers: list[dict[str, Any]] = []
    pieces: list[str] = []

    def walk(node: Any) -> None:
        if node.tag in (f"{{{TEXT}}}note", f"{{{TEXT}}}note-ref"):
            if node.tag == f"{{{TEXT}}}note":
                ni = index[node.get(f"{{{TEXT}}}id")]
                label = notes[ni]["label"]
            else:
                ni = index.get(node.get(f"{{{TEXT}}}ref-name"), -1)
                label = (node.text or "").strip()
            if ni >= 0:
                markers.append({"label": label, "before": tail("".join(pieces)), "note": ni})
            if node.tail:
                pieces.append(node.tail)
            return
        if node.tag in (f"{{{TEXT}}}s", f"{{{TEXT}}}tab", f"{{{TEXT}}}line-break"):
            pieces.append(" ")
        elif node.text:
            pieces.append(node.text)
        for child in node:
            walk(child)
        if node.tag in (f"{{{TEXT}}}p", f"{{{TEXT}}}h"):
            pieces.append(BLOCK)
        if node.tail:
            pieces.append(node.tail)

    walk(body)
    return notes, markers


# ---- html ---------------------------------------------------------------------------------------


def _is_marker(el: Any) -> str | None:
    """The id the marker points at, when ``el`` is a note reference."""
    if not isinstance(el.tag, str):
        return None
    cls = (el.get("class") or "").split()
    if el.tag == "sup" and "reference" in cls:  # MediaWiki
        a = el.find(".//a")
        return (a.get("href") or "").lstrip("#") if a is not None else None
    if el.tag == "a" and (
        "footnote-ref" in cls
        or el.get("role") == "doc-noteref"
        or el.get(f"{{{EPUB}}}type") == "noteref"
        or el.get("epub:type") == "noteref"
        or el.get("data-type") == "noteref"
        or el.get("data-footnote-id") is not None  # WordPress (ESPN footnotes)
    ):
        return (el.get("href") or "").split("#")[-1]
    if el.tag == "sup" and ("footnote" in cls or (el.get("id") or "").startswith("ss-")):
        a = el.find(".//a")
        return (a.get("href") or "").split("#")[-1] if a is not None else None
    return None


def _walk_html(node: Any, pieces: list[str], out: list[tuple[str, str, str]]) -> None:
    if isinstance(node.tag, str) and node.tag in ("script", "style", "noscript", "head", "title"):
        if node.tail:
            pieces.append(node.tail)
        return
    target = _is_marker(node)
    if target is not None:
        label = " ".join(node.text_content().split()).strip("[]() ")
        out.append((target, label, tail("".join(pieces))))
        if node.tail:
            pieces.append(node.tail)
        return
    block = isinstance(node.tag, str) and node.tag in (
        "p", "div", "li", "td", "th", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "br",
        "section", "aside", "blockquote", "pre", "dd", "dt", "table", "ul", "ol",
    )  # fmt: skip
    if block:
        pieces.append(BLOCK)
    if node.text and isinstance(node.tag, str):
        pieces.append(node.text)
    for child in node:
        _walk_html(child, pieces, out)
    if block:
        pieces.append(BLOCK)
    if node.tail:
        pieces.append(node.tail)


def _html_note(root: Any, target: str) -> tuple[str, list[str]]:
    found = root.xpath("//*[@id=$id]", id=target)
    if not found:
        return "", []
    el = found[0]
    if el.tag == "a" and el.getparent() is not None:  # an anchor inside the note
        el = el.getparent()
    clone = html.fromstring(etree.tostring(el))
    for junk in clone.xpath(
        ".//*[contains(@class,'mw-cite-backlink') or contains(@class,'footnote-back') "
        "or @role='doc-backlink' or contains(@class,'footnote-backref')]"
    ):
        junk.drop_tree()
    for ref in clone.xpath(".//span[contains(@class,'reference-text')]"):
        clone = ref
        break
    text = " ".join(clone.text_content().split())
    urls = [
        a.get("href")
        for a in clone.iter("a")
        if (a.get("href") or "").startswith(("http://", "https://", "//"))
    ]
    urls = ["https:" + u if u.startswith("//") else u for u in urls]
    urls += URL.findall(text)
    return text, list(dict.fromkeys(urls))


def html_gold(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Notes and markers of a web page."""
    data = path.read_bytes()
    if path.suffix == ".xhtml":
        root = etree.fromstring(data, parser=etree.XMLParser(recover=True))
        root = html.fromstring(etree.tostring(root, method="html"))
    else:
        root = html.fromstring(data)
    body = root.find(".//body") if root.find(".//body") is not None else root
    out: list[tuple[str, str, str]] = []
    _walk_html(body, [], out)
    notes: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    markers = []
    for target, label, before in out:
        if target not in index:
            text, urls = _html_note(root, target)
            index[target] = len(notes)
            notes.append(
                {"label": label, "opening": words(text) or None, "urls": urls, "id": target}
            )
        markers.append({"label": label, "before": before, "note": index[target]})
    return notes, markers


# ---- markdown -----------------------------------------------------------------------------------

_FENCE = re.compile(r"^(```|~~~)")
_REF = re.compile(r"\[\^([^\]\s]+)\]|\^\[")


def markdown_source_labels(text: str) -> Iterator[str]:
    """The [^label] references of a Markdown text in order (not in code, not definitions)."""
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if fenced or line.startswith("    ") and not line.strip().startswith("[^"):
            continue
        line = re.sub(r"`[^`]*`", "", line)
        line = re.sub(r"^ {0,3}\[\^[^\]]+\]:", "", line)
        # an inline note ^[...] has no label of its own: "" (the rendered number is its label)
        yield from (m.group(1) or "" for m in _REF.finditer(line))


def markdown_gold(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Notes and markers of a Markdown file: pandoc renders it; labels come from the source."""
    rendered = subprocess.run(
        ["pandoc", "-f", "markdown-smart", "-t", "html5", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    tmp = path.with_suffix(".draft.html")
    tmp.write_text(
        f'<html><head><meta charset="utf-8"></head><body>{rendered}</body></html>', encoding="utf-8"
    )
    try:
        notes, markers = html_gold(tmp)
    finally:
        tmp.unlink()
    source = list(markdown_source_labels(path.read_text(encoding="utf-8")))
    if len(source) != len(markers):
        print(f"warning: {len(source)} source references, {len(markers)} rendered", file=sys.stderr)
    for marker, label in zip(markers, source, strict=False):
        marker["alt_labels"] = [label] if label and label != marker["label"] else []
        notes[marker["note"]].setdefault("alt_labels", marker["alt_labels"])
    return notes, markers


# ---- LaTeX --------------------------------------------------------------------------------------

_TEX_COMMANDS = [
    (re.compile(r"(?<!\\)%.*"), ""),
    (re.compile(r"\\(?:section|subsection|emph|textit|textbf)\*?\{([^{}]*)\}"), r" \1 "),
    (re.compile(r"\\url\{([^{}]*)\}"), r"\1"),
    (re.compile(r"\\textsuperscript\{[^{}]*\}"), ""),
    (re.compile(r"\\,|~"), " "),
    (re.compile(r"---"), "—"),
    (re.compile(r"--"), "–"),
    (re.compile(r"\\(?:maketitle|par|noindent)\b"), " "),
    (re.compile(r"\\(?:linebreak|quad)\b|\\(?:left|right)skip=\w+"), " "),
    (re.compile(r"\\(?:begin|end)\{center\}|\\rule\{[^{}]*\}\{[^{}]*\}|\\\\"), " "),
    (re.compile(r"\\([$&%#])"), r"\1"),
    (re.compile(r" +(?=[,.;:])"), ""),  # the space an italic span's command left
]


def _braced(text: str, start: int) -> int:
    """Index just past the group that opens at ``text[start] == "{"``."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
    raise ValueError("unbalanced braces")


def _tex_text(tex: str) -> str:
    for pattern, repl in _TEX_COMMANDS:
        tex = pattern.sub(repl, tex)
    return tex


def latex_gold(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Notes and markers of a plain LaTeX article: \\thanks (label "*") and \\footnote."""
    tex = path.read_text(encoding="utf-8")
    tex = re.sub(r"(?m)^\s*%.*\n", "", tex)
    author = re.search(r"\\author\{", tex)
    body = tex[tex.index("\\begin{document}") + len("\\begin{document}") :]
    notes: list[dict[str, Any]] = []
    markers: list[dict[str, Any]] = []
    if author:
        end = _braced(tex, author.end() - 1)
        inner = tex[author.end() : end - 1]
        thanks = inner.find("\\thanks{")
        if thanks >= 0:
            close = _braced(inner, thanks + len("\\thanks"))
            note = _tex_text(inner[thanks + len("\\thanks{") : close - 1])
            markers.append({"label": "*", "before": tail(_tex_text(inner[:thanks])), "note": 0})
            notes.append({"label": "*", "opening": words(note), "urls": URL.findall(note)})
    text, n = "", 0
    pos = 0
    # \starnote{mark}{text}: a note with a symbol mark that takes no number (the court
    # opinion of src/opinion3_en.tex)
    for m in re.finditer(r"\\footnote\{|\\starnote\{([^{}]*)\}\{", body):
        if m.start() < pos:
            continue
        close = _braced(body, m.end() - 1)
        text += body[pos : m.start()]
        note_tex = body[m.end() : close - 1]
        if m.group(1) is None:
            n += 1
        label = m.group(1) or str(n)
        plain = _tex_text(note_tex)
        markers.append({"label": label, "before": tail(_tex_text(text)), "note": len(notes)})
        notes.append({"label": label, "opening": words(plain), "urls": URL.findall(plain)})
        pos = close
    return notes, markers


def main() -> None:
    """Draft a gold file."""
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--doc", help="path recorded in the gold (default: the file)")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--format")
    parser.add_argument("--layout", required=True)
    parser.add_argument("--language", default="en")
    parser.add_argument("--publisher", default="")
    parser.add_argument("--method", default="")
    parser.add_argument("--build", default="")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    suffix = args.file.suffix.lower()
    readers = {".docx": docx_gold, ".odt": odt_gold, ".fodt": odt_gold, ".html": html_gold,
               ".htm": html_gold, ".xhtml": html_gold, ".md": markdown_gold,
               ".tex": latex_gold}  # fmt: skip
    formats = {".docx": "docx", ".odt": "odt", ".fodt": "odt", ".md": "markdown", ".tex": "pdf"}
    notes, markers = readers[suffix](args.file)
    gold = {
        "doc": args.doc or str(args.file),
        "split": args.split,
        "format": args.format or formats.get(suffix, "html"),
        "layout": args.layout,
        "language": args.language,
        "publisher": args.publisher,
        "method": args.method,
        **({"build": args.build} if args.build else {}),
        "notes": notes,
        "markers": markers,
    }
    text = json.dumps(gold, ensure_ascii=False, indent=1) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"{args.out}: {len(notes)} notes, {len(markers)} markers", file=sys.stderr)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
