"""R-intro.pdf is cited by its printed page numbers in search results, the JSON and exports.

The whole manual (front matter numbered T-1, i-iv, then 1-...) with its /PageLabels, indexed with
the hash encoder: which page a hit or the answer cites, and how it is labelled, is mechanics;
which passage ranks first is not what this checks (the real models' answers are tested on the
corpus).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from api.export import DocInfo, results_csv
from api.schema import SearchResponse
from index.build import build_index
from index.models.hash_encoder import HashEncoder
from retrieval.search import open_searcher


@pytest.fixture(scope="module")
def r_intro_index(
    shared_pdf: Callable[[str], Path],
    hash_encoder: HashEncoder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    import shutil

    folder = tmp_path_factory.mktemp("r-intro")
    shutil.copy(shared_pdf("R-intro.pdf"), folder / "R-intro.pdf")
    index_dir = tmp_path_factory.mktemp("r-intro-index") / "index"
    report = build_index([folder], index_dir, embedder=hash_encoder)
    assert report.added == ["R-intro"], report.summary()
    return index_dir


def test_hits_and_answer_cite_printed_pages(r_intro_index: Path, hash_encoder: HashEncoder) -> None:
    searcher = open_searcher(r_intro_index, embedder=hash_encoder)
    doc = searcher.store.document_text("R-intro")
    assert doc is not None
    printed = {p.number: p.printed for p in doc.pages}
    result = searcher.search("How do I read data from a file into a data frame?", k=10)
    assert result.hits and result.answer is not None
    for hit in result.hits:
        assert hit.page_label_start == printed[hit.page_start]
        assert hit.page_label_end == printed[hit.page_end]
        # Past the 6 front-matter pages, the printed number is the index minus 6.
        if hit.page_start > 6:
            assert hit.page_label_start == str(hit.page_start - 6)
    assert result.answer.page_label == printed[result.answer.page]

    response = SearchResponse.from_result(result)
    data = response.model_dump()
    first = data["results"][0]
    assert first["page_label_start"] == result.hits[0].page_label_start
    assert first["page_start"] == result.hits[0].page_start  # the index stays beside it
    assert data["answer"]["page_label"] == result.answer.page_label

    csv_text = results_csv(response, {"R-intro": DocInfo("An Introduction to R")})
    hit = result.hits[0]
    label = (
        f"p. {hit.page_label_start}"
        if hit.page_start == hit.page_end
        else f"pp. {hit.page_label_start}-{hit.page_label_end}"
    )
    assert f",{label}," in csv_text.splitlines()[1]
