"""E-mail (.eml, .msg): the message and each readable attachment are documents linked both ways;
bad messages and bad attachments are reported and skipped while the rest is indexed."""

from __future__ import annotations

import base64
import email
import io
import struct
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from index.build import build_index, remove_documents
from index.ingest.source import LoadError
from index.models.embedder import Embedder
from index.parse import parse_documents, parse_file
from index.records import DocumentMeta
from index.stores.base import ModelInfo
from index.stores.factory import open_reader
from retrieval.search import open_searcher

SENDER = "Anna Petrova <anna@example.org>"
DATE = "Tue, 01 Dec 2026 09:30:00 +0000"
MEMO_BODY = (
    "Hello,\n\nattached is the documentation of the footnote package the styles desk asked "
    "about. It explains how footnotes work in tables and minipages.\n\nAnna\n"
)
NOTES_TXT = (
    b"Desk notes\n\nThe styles desk meets on Thursday at ten to settle how reports cite "
    b"their sources in footnotes.\n"
)
AGENDA_TXT = (
    b"Agenda\n\nThe agenda of the meeting lists the house style and the new footnote rules.\n"
)


def make_eml(
    path: Path,
    subject: str,
    body: str,
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    html: str | None = None,
) -> Path:
    """A MIME message written by the standard library: a text body (and an HTML alternative),
    then each (file name, bytes, MIME type) attached."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = SENDER
    msg["To"] = "desk@example.org"
    msg["Date"] = DATE
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    path.write_bytes(bytes(msg))
    return path


def make_msg(
    path: Path,
    subject: str,
    body: str,
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    class_type: str = "IPM.Note",
) -> Path:
    """A real Outlook .msg: an OLE compound file of MAPI property streams ([MS-OXMSG]), written
    with extract-msg's own OLE writer (extract-msg reads .msg, it has no message writer)."""
    from extract_msg.ole_writer import OleWriter

    ole = OleWriter()

    def properties(prefix: str, values: dict[int, str | bytes]) -> bytes:
        entries = b""
        for tag, value in values.items():
            data = value.encode("utf-16-le") if isinstance(value, str) else value
            ole.addEntry(f"{prefix}__substg1.0_{tag:08X}", data)
            size = len(data) + 2 if isinstance(value, str) else len(data)  # a string's NUL
            entries += struct.pack("<IIII", tag, 0x6, size, 0)
        return entries

    headers = (
        f"From: {SENDER}\r\nTo: desk@example.org\r\nSubject: {subject}\r\nDate: {DATE}\r\n\r\n"
    )
    top = properties(
        "", {0x001A001F: class_type, 0x0037001F: subject, 0x1000001F: body, 0x007D001F: headers}
    )
    sent = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    filetime = int((sent - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds()) * 10**7
    top += struct.pack("<IIQ", 0x00390040, 0x6, filetime)  # PR_CLIENT_SUBMIT_TIME
    n = len(attachments)
    ole.addEntry("__properties_version1.0", struct.pack("<8xIIII8x", n, n, 0, n) + top)
    ole.addEntry("__nameid_version1.0", storage=True)
    for stream in ("00020102", "00030102", "00040102"):
        ole.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    for i, (name, data, mime) in enumerate(attachments):
        storage = f"__attach_version1.0_#{i:08X}"
        ole.addEntry(storage, storage=True)
        entries = properties(
            f"{storage}/", {0x37010102: data, 0x3707001F: name, 0x3704001F: name, 0x370E001F: mime}
        )
        entries += struct.pack("<IIQ", 0x37050003, 0x6, 1)  # PR_ATTACH_METHOD: by value
        ole.addEntry(f"{storage}/__properties_version1.0", b"\0" * 8 + entries)
    ole.write(str(path))
    return path


def stored_metas(index_dir: Path, embedder: Embedder) -> dict[str, DocumentMeta]:
    with open_reader(index_dir, model=ModelInfo.of(embedder)) as store:
        return {info.meta.doc_id: info.meta for info in store.documents()}


def _first_pages(path: Path, pages: int) -> bytes:
    """The first pages of a real PDF as a PDF of their own (fewer pages for the model to embed)."""
    cut = pdfium.PdfDocument.new()
    cut.import_pages(pdfium.PdfDocument(path), list(range(pages)))
    buffer = io.BytesIO()
    cut.save(buffer)
    return buffer.getvalue()


def test_an_eml_with_a_pdf_is_two_linked_documents_and_the_pdf_answers(
    tmp_path: Path, embedder: Embedder, shared_pdf: Callable[[str], Path]
) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    pdf = _first_pages(shared_pdf("mdwtools-footnote.pdf"), 5)  # the answer is on page 4
    make_eml(
        folder / "styles-memo.eml",
        "Footnote package documentation for the styles desk",
        MEMO_BODY,
        [("footnote package.pdf", pdf, "application/pdf")],
    )
    index_dir = tmp_path / "index"
    report = build_index([folder], index_dir, embedder=embedder)
    attachment = "styles-memo--footnote-package"
    assert report.added == ["styles-memo", attachment] and not report.skipped

    metas = stored_metas(index_dir, embedder)
    message = metas["styles-memo"]
    assert message.title == "Footnote package documentation for the styles desk"
    assert message.authors == [SENDER] and message.published == "2026-12-01T09:30:00+00:00"
    assert message.attachments == [attachment] and message.parent is None
    assert metas[attachment].parent == "styles-memo"
    assert metas[attachment].title == "footnote package.pdf"

    searcher = open_searcher(index_dir, embedder=embedder)
    result = searcher.search("What does the savenotes declaration start?", k=3)
    assert result.answer is not None
    assert result.answer.doc_id == attachment and result.answer.page == 4
    assert "declaration starts saving footnotes" in result.answer.text
    top = result.hits[0]
    assert top.doc_id == attachment and top.attachment_of is not None
    assert top.attachment_of.doc_id == "styles-memo"
    assert top.attachment_of.title == message.title
    sender = searcher.search("Anna Petrova styles desk", k=1).hits[0]
    assert sender.doc_id == "styles-memo" and sender.attachment_of is None

    again = build_index([folder], index_dir, embedder=embedder)
    assert sorted(again.unchanged) == ["styles-memo", attachment] and not again.published

    removed = remove_documents(["styles-memo"], index_dir, embedder=embedder)
    assert removed.removed == ["styles-memo", attachment]
    assert stored_metas(index_dir, embedder) == {}


def test_a_changed_message_drops_the_attachments_it_lost_and_its_deletion_drops_all(
    tmp_path: Path, embedder: Embedder
) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    notes = ("desk notes.txt", NOTES_TXT, "text/plain")
    agenda = ("agenda.md", AGENDA_TXT, "text/markdown")
    make_eml(folder / "meeting.eml", "Styles desk meeting", "See the notes.", [notes, agenda])
    index_dir = tmp_path / "index"
    first = build_index([folder], index_dir, embedder=embedder)
    assert first.added == ["meeting", "meeting--desk-notes", "meeting--agenda"]

    make_eml(folder / "meeting.eml", "Styles desk meeting", "Only the notes now.", [notes])
    second = build_index([folder], index_dir, embedder=embedder)
    assert second.updated == ["meeting", "meeting--desk-notes"]
    assert second.removed == ["meeting--agenda"]
    assert stored_metas(index_dir, embedder)["meeting"].attachments == ["meeting--desk-notes"]

    (folder / "meeting.eml").unlink()
    (folder / "other.txt").write_text("Another report on the style of footnotes.\n")
    third = build_index([folder], index_dir, embedder=embedder)
    assert third.removed == ["meeting", "meeting--desk-notes"]
    assert set(stored_metas(index_dir, embedder)) == {"other"}


def test_attachment_ids_are_safe_unique_and_forwarded_messages_nest(tmp_path: Path) -> None:
    inner = make_eml(
        tmp_path / "inner.eml",
        "Fwd: agenda",
        "The agenda is attached.",
        [("agenda.md", AGENDA_TXT, "text/markdown")],
    )
    outer = EmailMessage()
    outer["Subject"], outer["From"], outer["Date"] = "Письмо редакции", SENDER, DATE
    outer.set_content("Two notes with one name, and the forwarded agenda.")
    for data in (NOTES_TXT, AGENDA_TXT):
        outer.add_attachment(data, maintype="text", subtype="plain", filename="Заметки.txt")
    outer.add_attachment(email.message_from_bytes(inner.read_bytes(), policy=policy.default))
    outer.add_attachment(b"\x89PNG\r\n\x1a\n", maintype="image", subtype="png", filename="logo.png")
    path = tmp_path / "letter.eml"
    path.write_bytes(bytes(outer))

    parsed = parse_documents(path)
    ids = [d.meta.doc_id for d in parsed.documents]
    assert ids == [
        "letter",
        "letter--Zametki",
        "letter--Zametki-2",
        "letter--Fwd-agenda",
        "letter--Fwd-agenda--agenda",
    ]
    by_id = {d.meta.doc_id: d.meta for d in parsed.documents}
    assert by_id["letter"].title == "Письмо редакции"
    assert by_id["letter"].attachments == ids[1:4]
    assert by_id["letter--Fwd-agenda"].title == "Fwd: agenda"
    assert by_id["letter--Fwd-agenda"].attachments == ["letter--Fwd-agenda--agenda"]
    assert by_id["letter--Fwd-agenda--agenda"].parent == "letter--Fwd-agenda"
    assert all(m.path == str(path) for m in by_id.values())
    assert "house style" in parsed.documents[4].body
    message = parsed.documents[0]
    assert "logo.png (image/png) not indexed" in " ".join(message.warnings)
    assert "Attachments: Заметки.txt, Заметки.txt, Fwd: agenda.eml" in message.source_text


def test_an_html_only_message_reads_its_main_text(tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["Date"] = "Newsletter", SENDER, DATE
    msg.set_content(
        "<html><body><nav>Home | Subscribe</nav><article><p>The reserve counted 77 lynx in the "
        "Naliboki forest in 2022, twice the count of 2012, with camera traps used for the first "
        "time.</p></article></body></html>",
        subtype="html",
    )
    path = tmp_path / "newsletter.eml"
    path.write_bytes(bytes(msg))
    doc = parse_file(path)
    assert doc.meta.title == "Newsletter" and "counted 77 lynx" in doc.body
    assert "<p>" not in doc.body


def test_an_outlook_msg_is_linked_to_its_attachments(
    tmp_path: Path, shared_pdf: Callable[[str], Path]
) -> None:
    pdf = shared_pdf("mdwtools-footnote.pdf").read_bytes()
    path = make_msg(
        tmp_path / "Styles memo.msg",
        "Styles memo",
        "Hello, the footnote package documentation is attached.",
        [("footnote package.pdf", pdf, "application/pdf"), ("notes.txt", NOTES_TXT, "text/plain")],
    )
    parsed = parse_documents(path)
    message, manual, notes = parsed.documents
    assert message.meta.doc_id == "Styles memo" and message.meta.title == "Styles memo"
    assert message.meta.authors == [SENDER]
    assert message.meta.published == "2026-12-01T09:30:00+00:00"
    assert "footnote package documentation is attached" in message.body
    # The message id is its file stem as always; the attachment's part is made safe.
    assert message.meta.attachments == ["Styles memo--footnote-package", "Styles memo--notes"]
    assert manual.meta.parent == notes.meta.parent == "Styles memo"
    assert len(manual.pages) == 16
    page4 = manual.pages[3]
    assert "declaration starts saving footnotes" in manual.source_text[page4.start : page4.end]
    assert "meets on Thursday at ten" in notes.body


SMIME = (
    b"From: " + SENDER.encode() + b"\r\nTo: desk@example.org\r\nSubject: Sources\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; "
    b'name="smime.p7m"\r\nContent-Transfer-Encoding: base64\r\n'
    b'Content-Disposition: attachment; filename="smime.p7m"\r\n\r\n'
    + base64.encodebytes(b"0\x82\x02\x00\x06\t*\x86H\x86\xf7\r\x01\x07\x03" + bytes(500))
)
PGP = (
    b"From: a@example.org\r\nSubject: Sources\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--b\r\n"
    b"Content-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n--b--\r\n"
)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.eml", b" \n", "the file is empty"),
        ("garbage.eml", bytes(range(256)) * 8, "not an e-mail message"),
        ("smime.eml", SMIME, "encrypted message, not indexed"),
        ("pgp.eml", PGP, "encrypted message, not indexed"),
        ("empty.msg", b"", "the file is empty"),
        ("garbage.msg", bytes(range(256)) * 8, "not a readable Outlook message"),
    ],
)
def test_bad_messages_are_reported(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError, match=reason):
        parse_documents(path)


def test_a_cut_or_encrypted_msg_is_reported(tmp_path: Path) -> None:
    good = make_msg(
        tmp_path / "good.msg", "Notes", "Body text.", [("n.txt", NOTES_TXT, "text/plain")]
    )
    cut = tmp_path / "cut.msg"
    cut.write_bytes(good.read_bytes()[:3000])
    with pytest.raises(LoadError, match="not a readable Outlook message"):
        parse_documents(cut)
    sealed = make_msg(
        tmp_path / "sealed.msg",
        "Sources",
        "",
        [("smime.p7m", b"0\x82\x02\x00" + bytes(300), "application/pkcs7-mime")],
        class_type="IPM.Note.SMIME",
    )
    with pytest.raises(LoadError, match="encrypted message, not indexed"):
        parse_documents(sealed)


def test_a_message_cut_short_keeps_its_body_and_reports_the_broken_pdf(
    tmp_path: Path, shared_pdf: Callable[[str], Path]
) -> None:
    pdf = shared_pdf("mdwtools-footnote.pdf").read_bytes()
    whole = make_eml(
        tmp_path / "whole.eml", "Manual", MEMO_BODY, [("manual.pdf", pdf, "application/pdf")]
    ).read_bytes()
    cut = tmp_path / "cut.eml"
    cut.write_bytes(whole[: len(whole) // 2])  # in the middle of the PDF's base64
    parsed = parse_documents(cut)
    assert [d.meta.doc_id for d in parsed.documents] == ["cut"]
    assert "footnotes work in tables" in parsed.documents[0].body
    assert "cut short" in " ".join(parsed.documents[0].warnings)
    assert parsed.documents[0].meta.attachments == []
    ((name, why),) = parsed.skipped
    assert name == "manual.pdf" and "not a readable PDF" in why


def test_bad_messages_and_attachments_are_skipped_and_the_rest_indexed(
    tmp_path: Path, embedder: Embedder
) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    make_eml(
        folder / "good.eml",
        "Desk notes",
        "The notes are attached; the PDF did not survive the scanner.",
        [
            ("notes.txt", NOTES_TXT, "text/plain"),
            ("scan.pdf", b"%PDF-1.4 garbage", "application/pdf"),
        ],
    )
    make_msg(
        folder / "outlook.msg",
        "Agenda",
        "The agenda is attached.",
        [("agenda.md", AGENDA_TXT, "text/markdown")],
    )
    (folder / "empty.eml").write_bytes(b"")
    (folder / "garbage.eml").write_bytes(bytes(range(256)) * 8)
    (folder / "smime.eml").write_bytes(SMIME)
    (folder / "broken.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    report = build_index([folder], index_dir := tmp_path / "index", embedder=embedder)
    assert report.added == ["good", "good--notes", "outlook", "outlook--agenda"]
    skipped = {Path(s.path).name: s.reason for s in report.skipped}
    assert skipped["good.eml (attachment scan.pdf)"].startswith("not a readable PDF")
    assert skipped["empty.eml"] == "the file is empty"
    assert skipped["garbage.eml"].startswith("not an e-mail message")
    assert skipped["smime.eml"].startswith("encrypted message, not indexed")
    assert skipped["broken.msg"].startswith("not a readable Outlook message")
    assert len(skipped) == 5
    metas = stored_metas(index_dir, embedder)
    assert metas["good"].attachments == ["good--notes"]
    assert metas["outlook--agenda"].parent == "outlook"
