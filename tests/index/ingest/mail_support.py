"""Hostile e-mails the mail tests share (issue 24): a broken attachment, a deep chain."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

BODY = "The contract for the Zubr reserve survey is attached; the census figures follow.\n"


def _message(subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = "Anna Petrova <anna@example.org>"
    msg["To"] = "desk@example.org"
    msg["Date"] = "Tue, 01 Dec 2026 09:30:00 +0000"
    msg.set_content(body)
    return msg


def broken_docx_eml(path: Path) -> Path:
    """A message with a .docx attached that is no Word file at all (not even a zip)."""
    msg = _message("Survey contract", BODY)
    msg.add_attachment(
        b"not a zip",
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="contract.docx",
    )
    path.write_bytes(bytes(msg))
    return path


def nested_eml(path: Path, levels: int) -> Path:
    """A message forwarding a message forwarding ... ``levels`` messages deep, each with its own
    words (``level<N>``) and a subject long enough that the ids of the chain grow fast."""
    inner = _message(f"Forwarded census figures, level {levels}", f"Figures of level{levels}.\n")
    for level in range(levels - 1, -1, -1):
        outer = _message(f"Forwarded census figures, level {level}", f"Figures of level{level}.\n")
        outer.add_attachment(inner)
        inner = outer
    path.write_bytes(bytes(inner))
    return path
