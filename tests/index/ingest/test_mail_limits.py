"""E-mail content never disappears without a word (issue 24, finding 4): an attachment that cannot
be read, or a message nested too deep, is a warning on the message that holds it; nesting depth
and id length are capped."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.hostile_uploads import broken_attachment_eml as broken_docx_eml
from bench.hostile_uploads import nested_eml
from index.ingest.doc_ids import MAX_ID_BYTES
from index.ingest.mail import MAX_NESTING
from index.parse import parse_documents

pytestmark = pytest.mark.unit


def test_a_broken_docx_attached_is_a_warning_on_its_message(tmp_path: Path) -> None:
    parsed = parse_documents(broken_docx_eml(tmp_path / "survey.eml"))
    [message] = parsed.documents
    assert "Zubr reserve" in message.body
    [warning] = [w for w in message.warnings if "contract.docx" in w]
    assert warning.startswith("attachment 'contract.docx' not indexed: ")
    assert "citesearch-mail-" not in warning and str(tmp_path) not in warning
    assert [name for name, _ in parsed.skipped] == ["contract.docx"]


def test_a_message_nested_twenty_deep_is_read_to_the_cap_with_a_warning(tmp_path: Path) -> None:
    parsed = parse_documents(nested_eml(tmp_path / "chain.eml", 20))
    # The message itself and MAX_NESTING levels of forwarded messages inside it.
    assert len(parsed.documents) == MAX_NESTING + 1
    bodies = " ".join(d.body for d in parsed.documents)
    assert f"level{MAX_NESTING}" in bodies and f"level{MAX_NESTING + 1}" not in bodies
    deepest = parsed.documents[-1]
    assert any(f"nested more than {MAX_NESTING} deep" in w for w in deepest.warnings)
    ids = [d.meta.doc_id for d in parsed.documents]
    assert len(set(ids)) == len(ids)
    assert all(len(i.encode()) <= MAX_ID_BYTES for i in ids), max(ids, key=len)
    # Each cut id says so on the message that holds the attachment.
    assert any("id was cut" in w for d in parsed.documents for w in d.warnings)
    # Every message still names its parent, so the chain stays linked.
    for parent, child in zip(parsed.documents, parsed.documents[1:], strict=False):
        assert child.meta.parent == parent.meta.doc_id
        assert parent.meta.attachments == [child.meta.doc_id]
