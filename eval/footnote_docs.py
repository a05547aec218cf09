"""The footnote evaluation's documents that are not in the repository: build or fetch them.

Two kinds (eval/data/footnotes/SOURCES.md lists every document):

- **Typeset here** from the sources in ``eval/data/footnotes/src/`` with pandoc, LibreOffice
  (``soffice --headless``) and pdfLaTeX. The outputs are small and committed in
  ``eval/data/footnotes/docs/`` so the evaluation and the tests need none of these tools;
  ``--typeset`` rebuilds them into ``var/footnote-docs/typeset/`` (and ``--refresh`` copies the
  rebuilt files over the committed ones) when the tools are installed.
- **PDFs that Debian packages ship**: ``apt-get download`` of the recorded package version,
  ``dpkg-deb -x``, the one file copied to ``var/footnote-docs/debian/`` (not committed: tens of
  MB of packages for a few PDFs). Each file's SHA-256 is checked against the one the gold was
  made from.

``make footnote-docs`` runs ``python -m eval.footnote_docs --debian`` (``make eval`` calls it).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

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
    recipe: str  # "pandoc", "pandoc-html", "lo", "lo-endnotes", "latex"


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
        "debian_texlive_clsguide.pdf",
        "texlive-latex-base-doc",
        "2022.20230122-3",
        "/usr/share/doc/texlive-doc/latex/base/clsguide.pdf",
        "7f4ff05faf7307e9a3228fa4ab0e295921e3a155422e10521cd885862e8c99d7",
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
                shutil.copyfile(inside, out / doc.name)
    for doc in DEBIAN:
        target = out / doc.name
        if target.exists() and sha256(target) != doc.sha256:
            problems.append(f"{doc.name}: not the file the gold was made from (SHA-256 differs)")
    return problems


# ---- typeset ------------------------------------------------------------------------------------


def _run(cmd: list[str], cwd: Path) -> None:
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, timeout=600)


def _as_endnotes(odt: Path) -> None:
    """Turn every footnote of an .odt into an endnote (LibreOffice then numbers them i, ii...)."""
    with zipfile.ZipFile(odt) as z:
        members = [(info, z.read(info.filename)) for info in z.infolist()]
    tmp = odt.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as z:
        for info, data in members:
            if info.filename == "content.xml":
                data = data.replace(b'text:note-class="footnote"', b'text:note-class="endnote"')
            # the mimetype member first and stored, as ODF requires
            kind = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            z.writestr(info.filename, data, compress_type=kind)
    tmp.replace(odt)


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
        elif doc.recipe in ("lo", "lo-endnotes"):
            # pandoc writes the notes as ODF notes; LibreOffice then lays out and saves the file.
            odt = tmp / "pandoc" / f"{target.stem}.odt"
            odt.parent.mkdir()
            _run(["pandoc", "-s", str(source), "-o", str(odt)], tmp)
            if doc.recipe == "lo-endnotes":
                _as_endnotes(odt)
            built = _soffice(odt, suffix, tmp)
            shutil.copyfile(built, target)
        elif doc.recipe == "latex":
            shutil.copyfile(source, tmp / source.name)
            for _ in range(2):  # twice: the title's footnote mark settles on the second run
                _run(["pdflatex", "-interaction=nonstopmode", source.name], tmp)
            shutil.copyfile(tmp / f"{source.stem}.pdf", target)
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
