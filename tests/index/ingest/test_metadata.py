"""The corpus manifest, and titles for files it does not list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.ingest.metadata import MANIFEST_NAME, load_manifest, title_from_text


def test_the_corpus_manifest_describes_every_document(corpus_dir: Path) -> None:
    metas = load_manifest(corpus_dir)
    assert sorted(metas) == sorted(p.stem for p in corpus_dir.glob("*.txt"))
    chapter = metas["belarus-asia-africa-latin-america-2021"]
    assert chapter.title == (
        "Belarus' relations with Asia, Africa and Latin America: "
        '"Boundless opportunities for us there"'
    )
    assert chapter.authors == ["Sergei Bogdan", "Angelika Pobedonostseva-Kaya"]
    assert chapter.kind == "yearbook chapter covering 2021"
    akram = metas["pakistan-belarus-relations-akram-2021"]
    assert akram.authors == ["Khalid Taimur Akram"] and akram.published == "2021-03-09"
    assert metas["pakistan-belarus-foreign-ministers-meeting"].published is None
    for doc_id, meta in metas.items():
        assert meta.doc_id == doc_id
        assert Path(meta.path) == corpus_dir / f"{doc_id}.txt" and Path(meta.path).is_file()


def test_no_manifest_means_no_metadata(tmp_path: Path) -> None:
    assert load_manifest(tmp_path) == {}


def test_a_plain_list_is_accepted_and_a_missing_title_falls_back_to_the_id(
    tmp_path: Path,
) -> None:
    entries = [{"file": "notes.md", "authors": ["A. Reporter"]}, {"file": "b.txt", "title": "B"}]
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(entries), encoding="utf-8")
    metas = load_manifest(tmp_path)
    assert metas["notes"].title == "notes" and metas["notes"].authors == ["A. Reporter"]
    assert metas["b"].title == "B" and metas["b"].authors == []


@pytest.mark.parametrize(
    "content",
    ['{"documents": [{"title": "no file"}]}', "{not json", '{"docs": []}', '{"documents": 3}'],
)
def test_a_malformed_manifest_stops_with_its_path(tmp_path: Path, content: str) -> None:
    (tmp_path / MANIFEST_NAME).write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=r"manifest\.json: not a valid manifest"):
        load_manifest(tmp_path)


def test_title_is_the_first_short_line(corpus_dir: Path) -> None:
    text = (corpus_dir / "belarus-asia-africa-latin-america-2021.txt").read_text("utf-8")
    assert title_from_text(text, "fallback") == (
        "Belarus’ relations with Asia, Africa and Latin America: “Boundless opportunities for us "
        "there”"
    )
    assert title_from_text("\n\n  Prospects   for effective\tcooperation \n\nIn June", "x") == (
        "Prospects for effective cooperation"
    )
    assert title_from_text("## Meeting notes\n\nText", "x") == "Meeting notes"
    assert title_from_text("word " * 60, "long-file") == "long-file"
    assert title_from_text(" \n\n", "empty-file") == "empty-file"
