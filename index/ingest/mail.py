"""E-mail (.eml, .msg) as source text, with the attachments citesearch reads as files of their own.

A message's source text is its subject as a heading line, the From/To/Cc/Date lines and the list
of attachments, then the body: text/plain when there is one, else the HTML part's main text
(``index/ingest/web.py``). Each attachment of a type citesearch reads (pdf, docx, odt, html, txt, md, and
messages forwarded as .eml or .msg) comes back as bytes with the suffix of its type; the pipeline
parses it with that type's loader as a document of its own (``index/parse.py``).

.eml goes through the standard library's ``email`` package (``policy.default``: RFC 5322 and
MIME, encoded words, charsets). .msg (Outlook's OLE container) goes through extract-msg, the
maintained reader of that format (MAPI properties, embedded messages, RTF-only bodies).
An encrypted message (S/MIME enveloped data, PGP/MIME) holds no readable text: ``LoadError``.
"""

from __future__ import annotations

import email
import email.utils
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message, MIMEPart
from pathlib import Path, PurePath
from typing import Any

from index.ingest.source import LoadError, SourceText, decode_text, read_file_bytes

MAIL_SUFFIXES = frozenset({".eml", ".msg"})
# Messages attached to messages are read this many levels deep; deeper ones are left out with a
# warning on the message that holds them (each level is a document, and its id grows).
MAX_NESTING = 10

# The attachment types citesearch reads, by MIME type (when the file name has no known suffix).
_SUFFIX_OF_TYPE = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "text/html": ".html",
    "application/xhtml+xml": ".xhtml",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "message/rfc822": ".eml",
    "application/vnd.ms-outlook": ".msg",
}
_READABLE = frozenset(
    {".pdf", ".docx", ".odt", ".html", ".htm", ".xhtml", ".txt", ".md", ".eml", ".msg"}
)
_MAIL_HEADERS = (
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "received",
)
_ENCRYPTED = "encrypted message, not indexed"


@dataclass
class Attachment:
    """An attachment to index: its name as sent, its bytes and the suffix of its type."""

    name: str
    data: bytes
    suffix: str


@dataclass
class MailMessage:
    """A message read: its text (headers and body), what its headers say, its attachments."""

    source: SourceText
    subject: str
    sender: str
    date: str | None  # ISO 8601
    attachments: list[Attachment] = field(default_factory=list)


def read_message(path: Path) -> MailMessage:
    """Read an .eml or .msg file; raises LoadError when it is empty, broken or encrypted."""
    data = read_file_bytes(path)
    if path.suffix.lower() == ".msg":
        return _read_msg(path)
    return read_eml_bytes(data)


def attachment_suffix(name: str, content_type: str) -> str | None:
    """The suffix citesearch reads an attachment as (its name's, else its type's), or None."""
    suffix = PurePath(name).suffix.lower() if name else ""
    if suffix in _READABLE:
        return suffix
    return _SUFFIX_OF_TYPE.get(content_type.lower())


# ---- .eml ---------------------------------------------------------------------------------------


def read_eml_bytes(data: bytes) -> MailMessage:
    """A MIME message's text and attachments (see ``read_message``)."""
    msg = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    if not any(msg.get(name) is not None for name in _MAIL_HEADERS):
        raise LoadError("not an e-mail message: no mail headers (a damaged or misnamed file?)")
    _refuse_encrypted(msg)
    warnings: list[str] = []
    if any(
        type(defect).__name__ in ("CloseBoundaryNotFoundDefect", "StartBoundaryNotFoundDefect")
        for part in msg.walk()
        for defect in part.defects
    ):
        warnings.append("the message is cut short or damaged (a MIME boundary is missing)")

    body_part = msg.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        body = _part_text(body_part, warnings)
        if body_part.get_content_type() == "text/html":
            body = _html_text(body, warnings)

    attachments: list[Attachment] = []
    for part in _attachment_parts(msg, body_part):
        name = part.get_filename() or ""
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload(0) if part.is_multipart() else None
            if not isinstance(inner, Message):
                warnings.append(f"attached message {name or '(unnamed)'} could not be read")
                continue
            name = name or f"{_header(inner, 'subject') or 'message'}.eml"
            attachments.append(Attachment(name, inner.as_bytes(policy=policy.default), ".eml"))
            continue
        suffix = attachment_suffix(name, ctype)
        if suffix is None:
            if name or part.get_content_disposition() == "attachment":
                warnings.append(
                    f"attachment {name or '(unnamed)'} ({ctype}) not indexed: "
                    "not a type citesearch reads"
                )
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            warnings.append(f"attachment {name or ctype} could not be decoded")
            continue
        attachments.append(Attachment(name or f"attachment{suffix}", payload, suffix))

    subject = _header(msg, "subject")
    sender = _header(msg, "from")
    date = _iso_date(_header(msg, "date"))
    headers = [(label, _header(msg, label.lower())) for label in ("From", "To", "Cc", "Date")]
    text = _source_text(subject, headers, [a.name for a in attachments], body)
    return MailMessage(SourceText(text, None, warnings), subject, sender, date, attachments)


def _refuse_encrypted(msg: EmailMessage) -> None:
    ctype = msg.get_content_type()
    if ctype in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
        smime = str(msg.get_param("smime-type", "") or "").lower()
        if smime in ("", "enveloped-data", "authenveloped-data"):
            raise LoadError(f"{_ENCRYPTED} (S/MIME)")
        raise LoadError(
            "S/MIME message with its text inside the signature (opaque signing): not indexed"
        )
    if ctype == "multipart/encrypted":
        raise LoadError(f"{_ENCRYPTED} (PGP/MIME)")


def _attachment_parts(part: MIMEPart, body: MIMEPart | None) -> list[MIMEPart]:
    """Leaf parts sent as files (an attachment, a file name, or a readable non-text type), and
    attached messages (not opened here: each is read as a message of its own)."""
    if part is body:
        return []
    if part.get_content_type() == "message/rfc822":
        return [part]
    if part.is_multipart():
        return [
            found
            for sub in part.iter_parts()
            if isinstance(sub, MIMEPart)
            for found in _attachment_parts(sub, body)
        ]
    if part.get_content_disposition() == "attachment" or part.get_filename():
        return [part]
    ctype = part.get_content_type()
    if part.get_content_maintype() != "text" and ctype in _SUFFIX_OF_TYPE:
        return [part]
    return []  # the HTML alternative of the body, inline images and the like


def _part_text(part: MIMEPart, warnings: list[str]) -> str:
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content
    except (LookupError, ValueError, AssertionError):
        pass  # an unknown charset: decode the bytes as a text file's
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text, more = decode_text(payload)
    warnings += more
    return text


def _html_text(html: str, warnings: list[str]) -> str:
    from index.ingest.web import main_text

    try:
        return main_text(html)
    except LoadError as exc:
        warnings.append(f"HTML body: {exc}")
        return ""


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # a malformed header can fail to parse on access
        return ""
    return " ".join(str(value).split()) if value is not None else ""


# ---- .msg ---------------------------------------------------------------------------------------


def _read_msg(path: Path) -> MailMessage:
    import extract_msg
    from extract_msg.exceptions import ExMsgBaseException

    try:
        msg = extract_msg.openMsg(str(path))
    except ExMsgBaseException as exc:
        raise LoadError(f"not a readable Outlook message ({exc})") from exc
    except Exception as exc:  # olefile raises OSError and others on a damaged container
        raise LoadError(f"not a readable Outlook message ({type(exc).__name__}: {exc})") from exc
    try:
        return _msg_contents(msg)
    finally:
        msg.close()


def _msg_contents(msg: Any) -> MailMessage:
    from extract_msg.enums import AttachmentType

    class_type = str(getattr(msg, "classType", "") or "").lower()
    if class_type == "ipm.note.smime":  # Outlook's class of an encrypted (or opaque) S/MIME note
        raise LoadError(f"{_ENCRYPTED} (S/MIME)")
    warnings: list[str] = []
    try:
        body = _text(msg.body)
        if not body.strip() and getattr(msg, "htmlBody", None):
            html, more = decode_text(msg.htmlBody)
            warnings += more
            body = _html_text(html, warnings)
        subject, sender = _text(msg.subject), _text(msg.sender)
        to, cc = _text(msg.to), _text(msg.cc)
        sent = msg.date
        raw_attachments = list(msg.attachments)
    except Exception as exc:  # a damaged property stream fails on first access
        raise LoadError(f"not a readable Outlook message ({type(exc).__name__}: {exc})") from exc
    date = sent.isoformat() if isinstance(sent, datetime) else None

    attachments: list[Attachment] = []
    for att in raw_attachments:
        name = _text(getattr(att, "longFilename", None) or getattr(att, "shortFilename", None))
        kind = getattr(att, "type", None)
        try:
            if kind == AttachmentType.MSG:
                inner = att.data
                name = name or f"{inner.subject or 'message'}.msg"
                attachments.append(Attachment(name, inner.exportBytes(), ".msg"))
                continue
            suffix = attachment_suffix(name, str(getattr(att, "mimetype", "") or ""))
            data = att.data if kind == AttachmentType.DATA else None
        except Exception as exc:  # extract-msg fails per attachment on damaged storages
            warnings.append(f"attachment {name or '(unnamed)'} could not be read ({exc})")
            continue
        if suffix is None or not isinstance(data, bytes):
            if name:
                warnings.append(f"attachment {name} not indexed: not a type citesearch reads")
            continue
        attachments.append(Attachment(name or f"attachment{suffix}", data, suffix))

    headers = [("From", sender), ("To", to), ("Cc", cc), ("Date", date or "")]
    text = _source_text(subject, headers, [a.name for a in attachments], body)
    return MailMessage(SourceText(text, None, warnings), subject, sender, date, attachments)


def _text(value: object) -> str:
    """A MAPI string as text: some writers keep the terminating NUL in the stream."""
    return str(value or "").replace("\x00", "")


# ---- shared -------------------------------------------------------------------------------------


def _source_text(
    subject: str, headers: list[tuple[str, str]], attachment_names: list[str], body: str
) -> str:
    lines = [subject or "(no subject)", ""]
    lines += [f"{label}: {value}" for label, value in headers if value]
    if attachment_names:
        lines.append(f"Attachments: {', '.join(attachment_names)}")
    return "\n".join(lines) + "\n\n" + body.replace("\r\n", "\n").strip() + "\n"


def _iso_date(value: str) -> str | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        return None
