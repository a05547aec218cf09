"""Indexing a collection: only changed work is redone, bad files are skipped, one indexer at a
time, and a reader never sees half an index.

Mechanics, not meaning: the encoder is the hash encoder (``index.models.hash_encoder``), which
counts its calls and texts as a model does; what the real models make of the corpus is tested in
``tests/retrieval`` and ``tests/eval`` on the session's corpus index.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index.build import build_index
from index.models.encoder import Encoder
from index.models.hash_encoder import HashEncoder
from index.stores.base import IndexLocked, IndexMismatch
from index.stores.embedded.manifest import MANIFEST_FILE
from index.stores.embedded.store import EmbeddedStore

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
PDFS = Path(__file__).resolve().parents[3] / "shared" / "pdfs"
SMALL = ("pakistan-belarus-foreign-ministers-meeting", "pakistan-belarus-relations-akram-2021")
EDITED = "belarus-asia-africa-latin-america-2021"


@pytest.fixture()
def embedder() -> HashEncoder:
    return HashEncoder.with_second()


def copy_corpus(target: Path, doc_ids: tuple[str, ...] | None = None) -> Path:
    target.mkdir(parents=True)
    shutil.copy(CORPUS / "manifest.json", target)
    for path in CORPUS.glob("*.txt"):
        if doc_ids is None or path.stem in doc_ids:
            shutil.copy(path, target)
    return target


def open_index(index_dir: Path, embedder: Encoder) -> EmbeddedStore:
    return EmbeddedStore.open(
        index_dir,
        expect_model=embedder.model_name,
        expect_dim=embedder.dimension,
        expect_weights_hash=embedder.weights_hash,
    )


def test_incremental_builds_redo_only_what_changed(tmp_path: Path, embedder: Encoder) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "var" / "index"
    all_ids = sorted(p.stem for p in corpus.glob("*.txt"))

    encoded = embedder.texts_encoded
    first = build_index([corpus], index_dir, embedder=embedder)
    assert sorted(first.added) == all_ids
    assert first.published and first.chunks_total > 150
    # Every chunk text went to the model once (a text repeated in two chunks, once), and so did
    # every sentence text that is not also a chunk's (a sentence in two overlapping chunks, once).
    assert 0.95 * first.chunks_total <= first.chunks_embedded <= first.chunks_total
    assert first.sentences_embedded > 3 * first.chunks_total
    assert embedder.texts_encoded - encoded == first.chunks_embedded + first.sentences_embedded
    with open_index(index_dir, embedder) as store:
        chunks_before = {
            d: [c.text for c in store.chunks_of(d)]
            for d in (i.meta.doc_id for i in store.documents())
        }
        titles = {i.meta.doc_id: i.meta.title for i in store.documents()}
    assert titles[EDITED].startswith("Belarus' relations with Asia, Africa")  # from manifest.json

    # Second build, nothing changed (a touched file keeps its content): no model call at all.
    os.utime(corpus / f"{EDITED}.txt")
    calls, encoded = embedder.calls, embedder.texts_encoded
    second = build_index([corpus], index_dir, embedder=embedder)
    assert (embedder.calls, embedder.texts_encoded) == (calls, encoded)
    assert sorted(second.unchanged) == all_ids
    assert second.chunks_embedded == 0 and not second.published
    assert second.chunks_total == first.chunks_total

    # Edit one paragraph of one file: only that file is re-read, and only its changed chunks
    # reach the model; the new words are searchable.
    path = corpus / f"{EDITED}.txt"
    text = path.read_text(encoding="utf-8")
    paragraph = text.index("\n\n", len(text) // 2)
    path.write_text(
        text[:paragraph] + " Reporters counted 41 zebrafish cargo flights." + text[paragraph:],
        encoding="utf-8",
    )
    encoded = embedder.texts_encoded
    third = build_index([corpus], index_dir, embedder=embedder)
    assert third.updated == [EDITED]
    assert sorted(third.unchanged) == sorted(set(all_ids) - {EDITED})
    assert 1 <= third.chunks_embedded <= 3
    assert third.chunks_reused >= len(chunks_before[EDITED]) - 3
    # Only the new sentence (and at most the sentences a moved boundary joins) is embedded.
    assert 1 <= third.sentences_embedded <= 3
    assert embedder.texts_encoded - encoded == third.chunks_embedded + third.sentences_embedded
    with open_index(index_dir, embedder) as store:
        hits = store.bm25_search("zebrafish cargo flights", 3)
        assert hits and hits[0].chunk_id.startswith(EDITED)
        for doc_id in set(all_ids) - {EDITED}:
            assert [c.text for c in store.chunks_of(doc_id)] == chunks_before[doc_id]

    # A file deleted from the collection leaves the index.
    (corpus / f"{SMALL[0]}.txt").unlink()
    fourth = build_index([corpus], index_dir, embedder=embedder)
    assert fourth.removed == [SMALL[0]] and fourth.chunks_embedded == 0
    with open_index(index_dir, embedder) as store:
        assert SMALL[0] not in {i.meta.doc_id for i in store.documents()}
        assert not any(h.chunk_id.startswith(SMALL[0]) for h in store.bm25_search("ministers", 50))

    # Generations: the index path is a symlink to the newest complete one; old ones are pruned.
    assert index_dir.is_symlink()
    generations = sorted(p.name for p in index_dir.parent.iterdir() if p.name.startswith("index."))
    assert generations == ["index.2", "index.3", "index.lock"]
    assert os.readlink(index_dir) == "index.3"


def test_unreadable_files_are_skipped_and_reported(tmp_path: Path, embedder: Encoder) -> None:
    corpus = copy_corpus(tmp_path / "corpus", SMALL)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a PDF\n")
    (corpus / "empty.txt").write_text("   \n\n  ")
    notes = tmp_path / "notes.pptx"
    notes.write_bytes(b"PK\x03\x04")
    paths = [corpus, notes, tmp_path / "missing.md"]
    if (PDFS / "mdwtools-footnote.pdf").exists():
        paths.append(PDFS / "mdwtools-footnote.pdf")  # a real PDF, given as a file
    report = build_index(paths, tmp_path / "index", embedder=embedder)

    skipped = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(skipped) == {"broken.pdf", "empty.txt", "notes.pptx", "missing.md"}
    assert "PDF" in skipped["broken.pdf"]
    assert "empty" in skipped["empty.txt"]
    assert "not a supported file type" in skipped["notes.pptx"]
    assert "no such file" in skipped["missing.md"]
    expected = set(SMALL) | ({"mdwtools-footnote"} if len(paths) == 4 else set())
    assert set(report.added) == expected
    with open_index(tmp_path / "index", embedder) as store:
        assert {i.meta.doc_id for i in store.documents()} == expected


def test_a_second_indexer_is_refused(tmp_path: Path, embedder: Encoder) -> None:
    corpus = copy_corpus(tmp_path / "corpus", SMALL)
    index_dir = tmp_path / "index"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pathlib; from index.stores.embedded.lock import IndexLock\n"
            "with IndexLock(pathlib.Path(sys.argv[1])):\n"
            "    print('locked', flush=True); sys.stdin.read()",
            str(index_dir),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(IndexLocked, match=f"another citesearch indexer \\(pid {holder.pid}\\)"):
            build_index([corpus], index_dir, embedder=embedder)
    finally:
        holder.communicate("")
    assert build_index([corpus], index_dir, embedder=embedder).published  # free again


def test_an_index_of_another_model_needs_rebuild(tmp_path: Path, embedder: Encoder) -> None:
    corpus = copy_corpus(tmp_path / "corpus", SMALL)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, embedder=embedder)
    manifest_path = index_dir / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    manifest["model"]["weights_hash"] = "f" * 64  # as if built with other weights
    manifest_path.write_text(json.dumps(manifest))

    with pytest.raises(IndexMismatch, match="--rebuild"):
        build_index([corpus], index_dir, embedder=embedder)
    encoded = embedder.texts_encoded
    report = build_index([corpus], index_dir, embedder=embedder, rebuild=True, progress=True)
    assert sorted(report.added) == sorted(SMALL)
    assert report.chunks_embedded == report.chunks_total
    assert embedder.texts_encoded - encoded == report.chunks_embedded + report.sentences_embedded
    open_index(index_dir, embedder).close()


def test_an_open_reader_keeps_its_generation(tmp_path: Path, embedder: Encoder) -> None:
    corpus = copy_corpus(tmp_path / "corpus", SMALL)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, embedder=embedder)
    with open_index(index_dir, embedder) as before:
        (corpus / f"{SMALL[0]}.txt").unlink()
        build_index([corpus], index_dir, embedder=embedder)
        build_index([corpus, CORPUS / f"{SMALL[0]}.txt"], index_dir, embedder=embedder)
        # The reader opened first still answers from its own, complete generation...
        assert before.bm25_search("foreign ministers pledge", 1)[0].chunk_id.startswith(SMALL[0])
        assert len(before.documents()) == 2
    # ...and a new reader sees the newest one, complete.
    with open_index(index_dir, embedder) as after:
        assert {i.meta.doc_id for i in after.documents()} == set(SMALL)
        assert after.chunk_count == sum(i.chunks for i in after.documents())
