"""The footnote evaluation's documents that are not in the repository: build or fetch them.

Two kinds (eval/data/footnotes/SOURCES.md lists every document):

- **Typeset here** from the sources in ``eval/data/footnotes/src/`` with pandoc, LibreOffice
  (``soffice --headless``) and pdfLaTeX. The outputs are small and committed in
  ``eval/data/footnotes/docs/`` so the evaluation and the tests need none of these tools;
  ``--typeset`` rebuilds them into ``var/footnote-docs/typeset/`` (and ``--refresh`` copies the
  rebuilt files over the committed ones) when the tools are installed.
- **PDFs that Debian packages ship**: ``apt-get download`` of the recorded package version,
  ``dpkg-deb -x``, the one file copied (gunzipped when Debian gzipped it) to
  ``var/footnote-docs/debian/`` (not committed: tens of
  MB of packages for a few PDFs). Each file's SHA-256 is checked against the one the gold was
  made from.

``make footnote-docs`` runs ``python -m eval.footnote_docs --debian`` (``make eval`` calls it).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "eval" / "data" / "footnotes"
SOURCES = DATA / "src"
COMMITTED = DATA / "docs"
OUT = REPO / "var" / "footnote-docs"


@dataclass(frozen=True)
class DebianDoc:
    """A PDF inside a Debian package: where it is and what it must hash to."""

    name: str
    package: str
    version: str
    path: str  # inside the package
    sha256: str


@dataclass(frozen=True)
class TypesetDoc:
    """A document typeset here: its source in ``src/`` and how it is made."""

    name: str
    source: str
    recipe: str  # "pandoc", "pandoc-html", "lo", "lo-endnotes", "lo-court[-variant]", "latex",
    # "latex-court-ownline", "latex-court", "latex-court-period", "latex-slip[-variant]"


DEBIAN = [
    DebianDoc(
        "debian_texlive_jura.pdf",
        "texlive-humanities-doc",
        "2022.20230122-4",
        "/usr/share/doc/texlive-doc/latex/jura/jura.pdf",
        "0264148e17a05b61cf7ea40b5fec08b198468e859c0b6501dd8e7aa6ff2ba8e0",
    ),
    DebianDoc(
        "debian_texlive_fntguide.pdf",
        "texlive-latex-base-doc",
        "2022.20230122-3",
        "/usr/share/doc/texlive-doc/latex/base/fntguide.pdf",
        "fb1b5ecbdf1a1b39698896ac567c0525f65de2202107b504f5c0dc76e5e69be4",
    ),
    DebianDoc(
        "debian_groff_mom-sample-docs.pdf",
        "groff",
        "1.22.4-10",
        "/usr/share/doc/groff-base/examples/mom/sample_docs.pdf.gz",
        "b2857003143f8846606d7d29b1a31c3de6f1035012a022790d15cd55ecbd3181",
    ),
    DebianDoc(
        "debian_groff_pdfmark.pdf",
        "groff",
        "1.22.4-10",
        "/usr/share/doc/groff-base/pdf/pdfmark.pdf.gz",
        "71321248980549345b78e5afa16798d0c266634984bc3130d62b07601ea36c60",
    ),
    DebianDoc(
        "debian_texlive_clsguide.pdf",
        "texlive-latex-base-doc",
        "2022.20230122-3",
        "/usr/share/doc/texlive-doc/latex/base/clsguide.pdf",
        "7f4ff05faf7307e9a3228fa4ab0e295921e3a155422e10521cd885862e8c99d7",
    ),
    DebianDoc(
        "debian_developers-reference.pdf",
        "developers-reference",
        "12.18",
        "/usr/share/developers-reference/developers-reference.pdf",
        "88e5ac4d15444fd3adb821dc863bd91b820e99a27e65728e74975ab1752652f5",
    ),
    DebianDoc(
        "debian_dblatex_manual.pdf",
        "dblatex-doc",
        "0.3.12py3-2",
        "/usr/share/doc/dblatex/manual.pdf.gz",
        "df5135701ca7b58397c26f405272b937a8fc9c605e33565f7cb0abac73495bc9",
    ),
    DebianDoc(
        "debian_debmake-doc_ru.pdf",
        "debmake-doc",
        "1.17-7",
        "/usr/share/doc/debmake-doc/debmake-doc.ru.pdf",
        "74382ee37d9deeabe4d1fc2eadcb0554c849334e2bb8863f41003fbaae23121d",
    ),
    DebianDoc(
        "debian_texlive_lshort-ukr.pdf",
        "texlive-lang-cyrillic",
        "2022.20230122-1",
        "/usr/share/doc/texlive-doc/latex/lshort-ukr/lshort-ukr.pdf",
        "18b6df40f64491026e7206d292b9e0ee48e05379334d381410c33e621e80a5d6",
    ),
    DebianDoc(
        "debian_texlive_mpman-ru.pdf",
        "texlive-lang-cyrillic",
        "2022.20230122-1",
        "/usr/share/doc/texlive-doc/metapost/mpman-ru/mpman-ru.pdf",
        "119f1e37b7fdc04c4b62bb38ae5a50a5abb8f9c329ac591a16fa29e892868baf",
    ),
    DebianDoc(
        "debian_r-doc_R-intro.pdf",
        "r-doc-pdf",
        "4.2.2.20221110-2",
        "/usr/share/R/doc/manual/R-intro.pdf",
        "337ccd0b490b1e66f7e783b45f4588d0599730b4206c0c051edfe1419c568c51",
    ),
    DebianDoc(
        "debian_r-doc_R-ints.pdf",
        "r-doc-pdf",
        "4.2.2.20221110-2",
        "/usr/share/R/doc/manual/R-ints.pdf",
        "cdcca722b4de6682a9100550b4361dcd3dd41b5b274d97b9a6230572be63901f",
    ),
    DebianDoc(
        "debian_texlive_caption.pdf",
        "texlive-latex-recommended-doc",
        "2022.20230122-3",
        "/usr/share/doc/texlive-doc/latex/caption/caption.pdf",
        "12541208650d12a9e3ad7af10af81ae602b673b10e04c5ec6d95c824207d1908",
    ),
    DebianDoc(
        "debian_texlive_polyglossia.pdf",
        "texlive-latex-recommended-doc",
        "2022.20230122-3",
        "/usr/share/doc/texlive-doc/latex/polyglossia/polyglossia.pdf",
        "cbe8265b0db057f834d4be1e8c834002c6977defed8b9b878f2cd009e1642f8d",
    ),
    DebianDoc(
        "debian_debian-faq.pdf",
        "debian-faq",
        "11.1",
        "/usr/share/doc/debian/FAQ/debian-faq.en.pdf.gz",
        "ea67ca925863324d97a30b5c926aed95efc687c689aa16788c9bed54525c0b47",
    ),
]

TYPESET = [
    TypesetDoc("typeset_pandoc_report-en.docx", "report_en.md", "pandoc"),
    TypesetDoc("typeset_pandoc_report-en.html", "report_en.md", "pandoc-html"),
    TypesetDoc("typeset_lo_report-en.docx", "report_en.md", "lo"),
    TypesetDoc("typeset_lo_essay-en.odt", "essay_en.md", "lo"),
    TypesetDoc("typeset_lo_essay-en_endnotes.pdf", "essay_en.md", "lo-endnotes"),
    TypesetDoc("typeset_lo_zametki-ru.pdf", "zametki_ru.md", "lo"),
    TypesetDoc("typeset_lo_zametki-ru_endnotes.odt", "zametki_ru.md", "lo-endnotes"),
    TypesetDoc("typeset_latex_paper-en.pdf", "paper_en.tex", "latex"),
    TypesetDoc("typeset_latex_statya-ru.pdf", "statya_ru.tex", "latex"),
    TypesetDoc("typeset_lo_opinion-en.pdf", "opinion_en.md", "lo-court"),
    TypesetDoc("typeset_lo_opinion-en.docx", "opinion_en.md", "lo-court"),
    TypesetDoc("typeset_lo_opinion-en_endnotes.pdf", "opinion_en.md", "lo-endnotes"),
    TypesetDoc("typeset_lo_opinion-en_indent.pdf", "opinion_en.md", "lo-court-indent"),
    TypesetDoc("typeset_lo_opinion-en_period.pdf", "opinion_en.md", "lo-court-period"),
    TypesetDoc("typeset_lo_opinion-en_longrule.pdf", "opinion_en.md", "lo-court-longrule"),
    TypesetDoc("typeset_lo_opinion-en_header.pdf", "opinion_en.md", "lo-court-header"),
    TypesetDoc("typeset_lo_opinion-en_bodysize.pdf", "opinion_en.md", "lo-court-bodysize"),
    TypesetDoc("typeset_lo_opinion2-en_indent.pdf", "opinion2_en.md", "lo-court-indent"),
    TypesetDoc("typeset_lo_opinion2-en_period.pdf", "opinion2_en.md", "lo-court-period"),
    TypesetDoc("typeset_lo_opinion2-en_longrule.pdf", "opinion2_en.md", "lo-court-longrule"),
    TypesetDoc("typeset_lo_opinion2-en_header.pdf", "opinion2_en.md", "lo-court-header"),
    TypesetDoc("typeset_lo_opinion2-en.pdf", "opinion2_en.md", "lo-court"),
    TypesetDoc("typeset_lo_opinion2-en_bodysize.pdf", "opinion2_en.md", "lo-court-bodysize"),
    TypesetDoc("typeset_lo_opinion2-en_endnotes.pdf", "opinion2_en.md", "lo-endnotes"),
    TypesetDoc("typeset_latex_opinion-en_ownline.pdf", "opinion_en.md", "latex-court-ownline"),
    TypesetDoc("typeset_lo_opinion-en_labelline.pdf", "opinion_en.md", "lo-court-ownline"),
    TypesetDoc("typeset_lo_opinion-en_lineno.pdf", "opinion_en.md", "lo-court-lineno"),
    TypesetDoc("typeset_lo_opinion2-en_labelline.pdf", "opinion2_en.md", "lo-court-ownline"),
    TypesetDoc("typeset_lo_opinion2-en_lineno.pdf", "opinion2_en.md", "lo-court-lineno"),
    TypesetDoc("typeset_latex_opinion2-en_ownline.pdf", "opinion2_en.md", "latex-court-ownline"),
    TypesetDoc("typeset_latex_opinion3-en.pdf", "opinion3_en.tex", "latex-court"),
    TypesetDoc("typeset_latex_opinion3-en_period.pdf", "opinion3_en.tex", "latex-court-period"),
    TypesetDoc("typeset_latex_opinion3-en_wp.pdf", "opinion3_en.tex", "latex-court-wp"),
    TypesetDoc("typeset_latex_opinion3-en_norule.pdf", "opinion3_en.tex", "latex-court-wp-norule"),
    TypesetDoc("typeset_latex_opinion3-en_tight.pdf", "opinion3_en.tex", "latex-court-tight"),
]
# The slip opinions (``src/opinion{4,5,6}_en.tex``): file suffix -> ``latex-slip*`` recipe, and
# which of them each opinion is set with (4: dev; 5: dev, made for the held-out split and moved;
# 6: held out).
_SLIP_DOCS = {
    "slip": "latex-slip",
    "symbols": "latex-slip-symbols",
    "hundreds": "latex-slip-hundreds-period",
    "bodysize": "latex-slip-bodysize",
    "spaced-markers": "latex-slip-spaced-markers",
    "plain-labels": "latex-slip-plain-labels",
    "raised-bodysize": "latex-slip-raised-bodysize",
    "raised": "latex-slip-raised",
}
_SLIP_SETS = {
    "opinion4": ["slip", "symbols", "hundreds", "bodysize", "spaced-markers", "plain-labels",
                 "raised-bodysize"],
    "opinion5": ["slip", "symbols", "raised", "spaced-markers", "plain-labels"],
    "opinion6": list(_SLIP_DOCS),
}  # fmt: skip
TYPESET += [
    TypesetDoc(f"typeset_latex_{stem}-en_{kind}.pdf", f"{stem}_en.tex", _SLIP_DOCS[kind])
    for stem, kinds in _SLIP_SETS.items()
    for kind in kinds
]


def sha256(path: Path) -> str:
    """A file's SHA-256, hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- Debian -------------------------------------------------------------------------------------


def fetch_debian(out: Path = OUT / "debian") -> list[str]:
    """Download and extract each Debian document not yet in ``out``; the problems, as lines."""
    problems = []
    out.mkdir(parents=True, exist_ok=True)
    by_package: dict[tuple[str, str], list[DebianDoc]] = {}
    for doc in DEBIAN:
        if not (out / doc.name).exists():
            by_package.setdefault((doc.package, doc.version), []).append(doc)
    for (package, version), docs in by_package.items():
        with tempfile.TemporaryDirectory(prefix="footnote-docs-") as tmp:
            got = subprocess.run(
                ["apt-get", "download", f"{package}={version}"],
                cwd=tmp,
                capture_output=True,
                text=True,
            )
            debs = list(Path(tmp).glob("*.deb"))
            if got.returncode != 0 or not debs:
                problems.append(
                    f"{package}={version}: apt-get download failed: {got.stderr.strip()}"
                )
                continue
            subprocess.run(["dpkg-deb", "-x", str(debs[0]), f"{tmp}/x"], check=True)
            for doc in docs:
                inside = Path(tmp) / "x" / doc.path.lstrip("/")
                if not inside.exists():
                    problems.append(f"{doc.name}: {doc.path} is not in {package} {version}")
                    continue
                _copy_out(inside, out / doc.name)
    for doc in DEBIAN:
        target = out / doc.name
        if target.exists() and sha256(target) != doc.sha256:
            problems.append(f"{doc.name}: not the file the gold was made from (SHA-256 differs)")
    return problems


def _copy_out(inside: Path, target: Path) -> None:
    """Copy a file out of an extracted package; Debian gzips large documentation files."""
    if inside.suffix == ".gz":
        with gzip.open(inside, "rb") as packed, target.open("wb") as out:
            shutil.copyfileobj(packed, out)
    else:
        shutil.copyfile(inside, target)


# ---- typeset ------------------------------------------------------------------------------------


def _run(cmd: list[str], cwd: Path) -> None:
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, timeout=600)


def _edit_odt(odt: Path, edits: dict[str, Callable[[bytes], bytes]]) -> None:
    """Rewrite members of an .odt in place (``edits``: member name -> new bytes of old)."""
    with zipfile.ZipFile(odt) as z:
        members = [(info, z.read(info.filename)) for info in z.infolist()]
    tmp = odt.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as z:
        for info, data in members:
            if info.filename in edits:
                data = edits[info.filename](data)
            # the mimetype member first and stored, as ODF requires
            kind = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            z.writestr(info.filename, data, compress_type=kind)
    tmp.replace(odt)


def _as_endnotes(odt: Path) -> None:
    """Turn every footnote of an .odt into an endnote (LibreOffice then numbers them i, ii...)."""
    _edit_odt(
        odt,
        {
            "content.xml": lambda data: data.replace(
                b'text:note-class="footnote"', b'text:note-class="endnote"'
            )
        },
    )


# ---- a word-processor court opinion ------------------------------------------------------------

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
}
_SERIF = "Liberation Serif"  # Times New Roman's metrics; the font LibreOffice has here
# How a US court's word processor sets an opinion: the body 12 pt and double-spaced, the
# notes at the body's size but single-spaced, their labels raised in the note zone too, a
# short rule above them, headings in body type, the page number centred at the foot (pandoc's
# reference.odt already has that footer). Style name -> (paragraph, text) properties.
_COURT_STYLES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "Standard": ({}, {"style:font-name": _SERIF, "fo:font-size": "12pt"}),
    "Text_20_body": (
        {
            "fo:line-height": "200%",
            "fo:margin-top": "0in",
            "fo:margin-bottom": "0in",
            "fo:text-indent": "0.5in",
            "fo:text-align": "justify",
        },
        {},
    ),
    "Heading": (
        {"fo:margin-top": "0.17in", "fo:margin-bottom": "0.17in"},
        {"style:font-name": _SERIF, "fo:font-size": "12pt"},
    ),
    "Heading_20_1": ({"fo:text-align": "center"}, {"fo:font-size": "100%"}),
    "Heading_20_2": ({}, {"fo:font-size": "12pt", "fo:font-style": "normal"}),
    "Footnote": (
        {
            "fo:line-height": "100%",
            "fo:margin-left": "0in",
            "fo:text-indent": "0.5in",
            "fo:margin-bottom": "0.08in",
            "fo:text-align": "justify",
        },
        {"fo:font-size": "12pt"},
    ),
    "Footnote_20_Symbol": ({}, {"style:text-position": "super 58%"}),
}


def _set_properties(style: etree._Element, paragraph: dict[str, str], text: dict[str, str]) -> None:
    for kind, props in (("paragraph-properties", paragraph), ("text-properties", text)):
        if not props:
            continue
        node = style.find(f"style:{kind}", _NS)
        if node is None:
            node = etree.SubElement(style, f"{{{_NS['style']}}}{kind}")
        for name, value in props.items():
            prefix, local = name.split(":")
            node.set(f"{{{_NS[prefix]}}}{local}", value)


def _court_styles(data: bytes) -> bytes:
    """styles.xml restyled as ``_COURT_STYLES`` says, with a centred "Centered" paragraph
    style (the caption) and a solid, short note separator."""
    root = etree.fromstring(data)
    fonts = root.find("office:font-face-decls", _NS)
    face = etree.SubElement(fonts, f"{{{_NS['style']}}}font-face")
    face.set(f"{{{_NS['style']}}}name", _SERIF)
    face.set(f"{{{_NS['svg']}}}font-family", f"'{_SERIF}'")
    face.set(f"{{{_NS['style']}}}font-family-generic", "roman")
    styles = root.find("office:styles", _NS)
    centered = etree.SubElement(styles, f"{{{_NS['style']}}}style")
    for name, value in [("name", "Centered"), ("family", "paragraph")]:
        centered.set(f"{{{_NS['style']}}}{name}", value)
    centered.set(f"{{{_NS['style']}}}parent-style-name", "Standard")
    _set_properties(centered, {"fo:text-align": "center", "fo:margin-bottom": "0.06in"}, {})
    for style in styles.iterfind("style:style", _NS):
        props = _COURT_STYLES.get(style.get(f"{{{_NS['style']}}}name", ""))
        if props is not None:
            _set_properties(style, *props)
    for sep in root.iter(f"{{{_NS['style']}}}footnote-sep"):
        sep.set(f"{{{_NS['style']}}}line-style", "solid")
        sep.set(f"{{{_NS['style']}}}rel-width", "25%")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _star_first_note(data: bytes) -> bytes:
    """content.xml with the first footnote marked "*" (the opinion heading's note: a custom
    mark, which LibreOffice leaves out of the numbering)."""
    root = etree.fromstring(data)
    citation = root.find(".//text:note/text:note-citation", _NS)
    if citation is None:
        raise ValueError("the court opinion's source has no note to mark with a star")
    citation.set(f"{{{_NS['text']}}}label", "*")
    citation.text = "*"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _as_court_opinion(odt: Path) -> None:
    """Style a pandoc .odt as a word-processor court opinion (see ``_COURT_STYLES``)."""
    _edit_odt(odt, {"styles.xml": _court_styles, "content.xml": _star_first_note})


# ---- other word-processor conventions for the same opinion --------------------------------------
# Each variant restyles the "lo-court" opinion the way other word processors and court
# templates set their notes: recipe -> (its own changes to styles.xml, to content.xml).
_NOTES_CONFIG = f"{{{_NS['text']}}}notes-configuration"


def _style(root: etree._Element, name: str) -> etree._Element:
    for style in root.iter(f"{{{_NS['style']}}}style"):
        if style.get(f"{{{_NS['style']}}}name") == name:
            return style
    raise ValueError(f"styles.xml has no style {name!r}")


def _footnote_config(root: etree._Element) -> etree._Element:
    for config in root.iter(_NOTES_CONFIG):
        if config.get(f"{{{_NS['text']}}}note-class") == "footnote":
            return config
    raise ValueError("styles.xml has no footnote configuration")


def _separator(root: etree._Element, **props: str) -> None:
    for sep in root.iter(f"{{{_NS['style']}}}footnote-sep"):
        for name, value in props.items():
            sep.set(f"{{{_NS['style']}}}{name.replace('_', '-')}", value)


def _period_labels(root: etree._Element) -> None:
    """Note labels full size and followed by a period ("1. The court ..."), flush left, notes
    11 pt under the 12 pt body, no separator line (its width 0)."""
    # LibreOffice prints the label in the note area in the configuration's citation style
    # (its citation-body style is the marker in the text)
    body_label = _footnote_config(root).get(f"{{{_NS['text']}}}citation-style-name", "")
    _set_properties(_style(root, body_label), {}, {"style:text-position": "0% 100%"})
    _footnote_config(root).set(f"{{{_NS['style']}}}num-suffix", ". ")
    _set_properties(_style(root, "Footnote"), {"fo:text-indent": "0in"}, {"fo:font-size": "11pt"})
    _separator(root, width="0in", line_style="none")


def _long_rule(root: etree._Element) -> None:
    """The separator drawn across the whole text width, notes 10 pt."""
    _separator(root, rel_width="100%", line_style="solid", width="0.0071in")
    _set_properties(_style(root, "Footnote"), {}, {"fo:font-size": "10pt"})


def _body_size_notes(root: etree._Element) -> None:
    """Notes at the body's size (12 pt) with full-size "1." labels on a hanging indent, under a
    separator across the text width: only the rule and the single spacing set them off."""
    _period_labels(root)
    _long_rule(root)
    _set_properties(
        _style(root, "Footnote"),
        {"fo:margin-left": "0.25in", "fo:text-indent": "-0.25in"},
        {"fo:font-size": "12pt"},
    )


def _running_header(root: etree._Element, case: str) -> None:
    """An e-filed document's two-line running header on every page (case, document, page,
    date filed; the short title under it, ruled off), the page number centred at the foot."""
    text, style = _NS["text"], _NS["style"]
    master = root.find(".//style:master-page", _NS)
    header = etree.Element(f"{{{style}}}header")
    master.insert(0, header)
    first = etree.SubElement(header, f"{{{text}}}p")
    first.set(f"{{{text}}}style-name", "Header")
    first.text = f"Case: {case}"
    for label, value in (("Document: ", "41"), ("Page: ", None), ("Date Filed: ", "05/02/2025")):
        gap = etree.SubElement(first, f"{{{text}}}s")
        gap.set(f"{{{text}}}c", "4")
        gap.tail = label + (value or "")
        if value is None:
            number = etree.SubElement(first, f"{{{text}}}page-number")
            number.set(f"{{{text}}}select-page", "current")
            number.text = "1"
    second = etree.SubElement(header, f"{{{text}}}p")
    second.set(f"{{{text}}}style-name", "Header_20_ruled")
    second.text = "Electronically filed document"
    styles = root.find("office:styles", _NS)
    for name, parent, paragraph in (
        ("Header", "Standard", {"fo:text-align": "center"}),
        (
            "Header_20_ruled",
            "Header",
            {"fo:border-bottom": "0.5pt solid #000000", "fo:padding-bottom": "0.02in"},
        ),
    ):
        node = etree.SubElement(styles, f"{{{style}}}style")
        node.set(f"{{{style}}}name", name)
        node.set(f"{{{style}}}family", "paragraph")
        node.set(f"{{{style}}}parent-style-name", parent)
        _set_properties(node, paragraph, {"fo:font-size": "10pt"})
    for layout in root.iter(f"{{{style}}}header-style"):
        props = etree.SubElement(layout, f"{{{style}}}header-footer-properties")
        props.set(f"{{{_NS['fo']}}}min-height", "0in")
        props.set(f"{{{_NS['fo']}}}margin-bottom", "0.2in")


def _after_labels(element: str) -> Callable[[bytes], bytes]:
    """A content.xml edit that puts a ``text:<element>`` between each note's label and its
    text: a tab (the label then stands at the paragraph's first-line indent, the text at the
    next tab stop) or a line break (the label on a line of its own above the text)."""

    def edit(data: bytes) -> bytes:
        root = etree.fromstring(_star_first_note(data))
        for body in root.iter(f"{{{_NS['text']}}}note-body"):
            first = body.find("text:p", _NS)
            if first is None:
                continue
            gap = etree.Element(f"{{{_NS['text']}}}{element}")
            gap.tail, first.text = first.text, None
            first.insert(0, gap)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    return edit


def _line_numbers(root: etree._Element) -> None:
    """Pleading paper: every text line numbered in the left margin, from 1 on each page (the
    notes' lines not counted)."""
    text = _NS["text"]
    for old in root.iter(f"{{{text}}}linenumbering-configuration"):
        old.getparent().remove(old)
    config = etree.SubElement(
        root.find("office:styles", _NS), f"{{{text}}}linenumbering-configuration"
    )
    for name, value in (
        ("number-lines", "true"),
        ("restart-on-page", "true"),
        ("increment", "1"),
        ("number-position", "left"),
        ("offset", "0.25in"),
        ("count-empty-lines", "false"),
    ):
        config.set(f"{{{text}}}{name}", value)
    config.set(f"{{{_NS['style']}}}num-format", "1")


_COURT_VARIANTS: dict[str, Callable[[etree._Element, str], None]] = {
    "lo-court-ownline": lambda root, case: None,  # lo-court, each label on a line of its own
    "lo-court-lineno": lambda root, case: _line_numbers(root),
    "lo-court-indent": lambda root, case: None,  # lo-court's 0.5 in first-line indent + a tab
    "lo-court-period": lambda root, case: _period_labels(root),
    "lo-court-longrule": lambda root, case: _long_rule(root),
    "lo-court-header": _running_header,
    "lo-court-bodysize": lambda root, case: _body_size_notes(root),
}


def _as_court_variant(odt: Path, recipe: str, source: Path) -> None:
    """Style a pandoc .odt as "lo-court" does, then as ``recipe`` varies it."""
    found = re.search(r"^No\. (\S+)", source.read_text(encoding="utf-8"), re.M)
    case = found.group(1) if found else "00-0000"

    def styles(data: bytes) -> bytes:
        root = etree.fromstring(_court_styles(data))
        _COURT_VARIANTS[recipe](root, case)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    content = {
        "lo-court-indent": _after_labels("tab"),
        "lo-court-ownline": _after_labels("line-break"),
    }.get(recipe, _star_first_note)
    _edit_odt(odt, {"styles.xml": styles, "content.xml": content})


# A court opinion as older word processors print it: 12-point body double-spaced, notes in
# 10-point type, each note's number on a line of its own (not raised) above its text.
_OWNLINE_PREAMBLE = r"""\documentclass[12pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{mathptmx}
\usepackage[letterpaper,left=1.5in,right=1.5in,top=1in,bottom=1in]{geometry}
\usepackage{hyperref}
\usepackage{setspace}
\providecommand{\tightlist}{\setlength{\itemsep}{0pt}\setlength{\parskip}{0pt}}
\makeatletter
\renewcommand\@makefntext[1]{\noindent\hspace*{2em}\@thefnmark\par\noindent\hspace*{2em}#1}
\makeatother
\begin{document}
\doublespacing
\input{body}
\end{document}
"""


def _latex_court(source: Path, target: Path, tmp: Path) -> None:
    """pandoc writes the opinion's body as LaTeX; pdfLaTeX sets it with ``_OWNLINE_PREAMBLE``."""
    _run(["pandoc", str(source), "-t", "latex", "-o", "body.tex"], tmp)
    (tmp / "opinion.tex").write_text(_OWNLINE_PREAMBLE, encoding="utf-8")
    for _ in range(2):
        _run(["pdflatex", "-interaction=nonstopmode", "opinion.tex"], tmp)
    shutil.copyfile(tmp / "opinion.pdf", target)


# A court opinion written in LaTeX (``src/opinion3_en.tex``) \inputs ``court-style.tex``: each
# recipe's page. Shared: 12-point Times text, notes in 10-point type under LaTeX's short rule,
# ``\starnote{mark}{text}`` for the unnumbered "*" and "**" notes.
_COURT_STYLE = r"""\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{textcomp}
\usepackage{mathptmx}
\usepackage[letterpaper,margin=1in]{geometry}
\usepackage{setspace}
\makeatletter
\def\fnpunct{}
\newcommand\starnote[2]{\begingroup\def\thefootnote{#1}\def\fnpunct{}\footnote[0]{#2}\endgroup}
"""
_COURT_STYLE_VARIANTS = {
    # double-spaced text; each marker's digits in text objects of their own (as some word
    # processors write every glyph), notes with raised labels
    "latex-court": r"""\doublespacing
\def\@splitmark#1#2\@nil{#1\ifx\relax#2\relax\else\pdfliteral{}#2\fi}
\renewcommand\@makefnmark{\hbox{\@textsuperscript{\normalfont
  \expandafter\@splitmark\@thefnmark\@nil}}}
""",
    # 1.5-spaced text; each note's number full size, followed by a period and a tab's gap
    "latex-court-period": r"""\onehalfspacing
\def\fnpunct{.}
\renewcommand\@makefntext[1]{\noindent\hspace*{1.5em}\@thefnmark\fnpunct\hspace{1.2em}#1}
""",
    # notes at the body's 12 points, single-spaced, each raised number on a line of its own
    # above its note (as WordPerfect sets federal opinions), so notes often run onto the next page
    "latex-court-wp": r"""\doublespacing
\let\footnotesize\normalsize
\renewcommand\@makefntext[1]{\noindent\hspace*{1.5em}\@makefnmark\par
  \noindent\hspace*{1.5em}#1}
""",
    # the same without the rule above the notes, on a 6 by 9 inch page
    "latex-court-wp-norule": r"""\doublespacing
\geometry{paperwidth=6in,paperheight=9in,margin=0.75in}
\renewcommand\footnoterule{}
\let\footnotesize\normalsize
\renewcommand\@makefntext[1]{\noindent\hspace*{1.5em}\@makefnmark\par
  \noindent\hspace*{1.5em}#1}
""",
    # notes in 9 points on 9.5-point leading under single-spaced text: many notes to a page
    "latex-court-tight": r"""\singlespacing
\renewcommand\footnotesize{\fontsize{9}{9.5}\selectfont}
""",
}


# A slip opinion (``src/opinion4_en.tex``): the court style above with running heads that carry
# the page number at the top ("Opinion of the Court" under the short title; "Syllabus" on the
# syllabus page) and nothing at the foot, the text single-spaced; each recipe numbers or prints
# the notes its own way.
_SLIP_PAGE = r"""\usepackage{fancyhdr}
\geometry{headheight=28pt}
\fancypagestyle{syllabus}{\fancyhf{}\renewcommand\headrulewidth{0pt}%
  \fancyhead[L]{\small (Slip Opinion)\hfill OCTOBER TERM, 2024\hfill 1\\
  \hspace*{\fill}Syllabus\hspace*{\fill}}}
\pagestyle{fancy}\fancyhf{}\renewcommand\headrulewidth{0pt}
\fancyhead[L]{\small\thepage\hfill \shorttitle\hfill\mbox{}\\
  \hspace*{\fill}Opinion of the Court\hspace*{\fill}}
"""
_SLIP_VARIANTS = {
    # notes in 10 points under a short rule, raised labels
    "latex-slip": "",
    # LaTeX's own note symbols (* † ‡ § ¶ ‖ ** †† ‡‡ §§ ¶¶), counted again in each
    # section: the sixth, ‖, prints as two bars ("||") in the text of the PDF
    "latex-slip-symbols": r"""\renewcommand\thefootnote{\ifcase\value{footnote}\or*\or\dag\or\ddag
  \or\S\or\P\or\textbardbl\or**\or\dag\dag\or\ddag\ddag\or\S\S\or\P\P\fi}
\let\plainsection\section \renewcommand\section{\setcounter{footnote}{0}\plainsection}
\let\plainsubsection\subsection
\renewcommand\subsection{\setcounter{footnote}{0}\plainsubsection}
""",
    # the notes of a long opinion's later part: numbered from 141, each number full size and
    # followed by a period
    "latex-slip-hundreds-period": r"""\AtBeginDocument{\setcounter{footnote}{140}}
\def\fnpunct{.}
\renewcommand\@makefntext[1]{\noindent\hspace*{1em}\@thefnmark\fnpunct\enspace#1}
""",
    # notes at the body's 12 points under a double-spaced text, no rule above them
    "latex-slip-bodysize": r"""\doublespacing
\let\footnotesize\normalsize
\renewcommand\footnoterule{}
""",
    # markers and note labels at full size, raised a quarter of an em (as a typewriter or a
    # word processor's "raised" position prints them), notes at the body's 12 points under a
    # double-spaced text
    "latex-slip-raised-bodysize": r"""\doublespacing
\let\footnotesize\normalsize
\renewcommand\@makefnmark{\raisebox{0.25em}{\normalfont\@thefnmark}}
""",
    # a space before each marker (so a line can begin with one), notes at the body's 12 points
    # under a double-spaced text and a short rule
    "latex-slip-spaced-markers": r"""\doublespacing
\let\footnotesize\normalsize
\let\plainfootnote\footnote
\renewcommand\footnote{\ \plainfootnote}
""",
    # notes at the body's 12 points under a double-spaced text, no rule above them, each
    # note's number full size (the markers in the text raised): only the spacing sets them off
    "latex-slip-plain-labels": r"""\doublespacing
\let\footnotesize\normalsize
\renewcommand\footnoterule{}
\renewcommand\@makefntext[1]{\noindent\hspace*{1.5em}\@thefnmark\enspace#1}
""",
    # the same raised full-size markers over notes in 10 points
    "latex-slip-raised": r"""\renewcommand\@makefnmark{\raisebox{0.25em}{\normalfont\@thefnmark}}
""",
}


def _latex_court_style(source: Path, target: Path, tmp: Path, recipe: str) -> None:
    """pdfLaTeX sets a LaTeX court opinion with the page ``recipe`` names."""
    shutil.copyfile(source, tmp / source.name)
    if recipe in _SLIP_VARIANTS:
        variant = _SLIP_PAGE + _SLIP_VARIANTS[recipe]
    else:
        variant = _COURT_STYLE_VARIANTS[recipe]
    style = _COURT_STYLE + variant + "\\makeatother\n"
    (tmp / "court-style.tex").write_text(style, encoding="utf-8")
    for _ in range(2):
        _run(["pdflatex", "-interaction=nonstopmode", source.name], tmp)
    shutil.copyfile(tmp / f"{source.stem}.pdf", target)


def _soffice(source: Path, kind: str, out_dir: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        _run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                kind,
                "--outdir",
                str(out_dir),
                str(source),
            ],
            out_dir,
        )
    return out_dir / f"{source.stem}.{kind}"


def typeset(doc: TypesetDoc, out_dir: Path) -> Path:
    """Build one document into ``out_dir``; returns its path. Needs pandoc, soffice, pdflatex."""
    out_dir.mkdir(parents=True, exist_ok=True)
    source = SOURCES / doc.source
    target = out_dir / doc.name
    suffix = target.suffix.lstrip(".")
    with tempfile.TemporaryDirectory(prefix="typeset-") as tmp_name:
        tmp = Path(tmp_name)
        if doc.recipe == "pandoc":
            _run(["pandoc", "-s", str(source), "-o", str(target)], tmp)
        elif doc.recipe == "pandoc-html":
            _run(["pandoc", "-s", "-t", "html5", str(source), "-o", str(target)], tmp)
        elif doc.recipe in ("lo", "lo-endnotes", "lo-court", *_COURT_VARIANTS):
            # pandoc writes the notes as ODF notes; LibreOffice then lays out and saves the file.
            odt = tmp / "pandoc" / f"{target.stem}.odt"
            odt.parent.mkdir()
            _run(["pandoc", "-s", str(source), "-o", str(odt)], tmp)
            if doc.recipe == "lo-endnotes":
                _as_endnotes(odt)
            elif doc.recipe == "lo-court":
                _as_court_opinion(odt)
            elif doc.recipe in _COURT_VARIANTS:
                _as_court_variant(odt, doc.recipe, source)
            built = _soffice(odt, suffix, tmp)
            shutil.copyfile(built, target)
        elif doc.recipe == "latex":
            shutil.copyfile(source, tmp / source.name)
            for _ in range(2):  # twice: the title's footnote mark settles on the second run
                _run(["pdflatex", "-interaction=nonstopmode", source.name], tmp)
            shutil.copyfile(tmp / f"{source.stem}.pdf", target)
        elif doc.recipe == "latex-court-ownline":
            _latex_court(source, target, tmp)
        elif doc.recipe in _COURT_STYLE_VARIANTS or doc.recipe in _SLIP_VARIANTS:
            _latex_court_style(source, target, tmp, doc.recipe)
        else:
            raise ValueError(f"unknown recipe {doc.recipe!r}")
    return target


def typeset_all(out_dir: Path = OUT / "typeset", refresh: bool = False) -> list[str]:
    """Build every typeset document; with ``refresh`` copy them over the committed ones."""
    missing = [t for t in ("pandoc", "soffice", "pdflatex") if shutil.which(t) is None]
    if missing:
        return [f"cannot typeset: {', '.join(missing)} not installed"]
    problems = []
    for doc in TYPESET:
        try:
            built = typeset(doc, out_dir)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            problems.append(f"{doc.name}: {exc}")
            continue
        if refresh:
            COMMITTED.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(built, COMMITTED / doc.name)
    return problems


def main(argv: list[str] | None = None) -> int:
    """``python -m eval.footnote_docs [--debian] [--typeset [--refresh]]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--debian", action="store_true", help="fetch the Debian PDFs")
    parser.add_argument("--typeset", action="store_true", help="rebuild the typeset documents")
    parser.add_argument("--refresh", action="store_true", help="copy rebuilt ones to docs/")
    args = parser.parse_args(argv)
    problems = []
    if args.debian:
        problems += fetch_debian()
    if args.typeset:
        problems += typeset_all(refresh=args.refresh)
    for line in problems:
        print(f"footnote-docs: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
