"""A build tells its caller where it is: files parsed, texts embedded, then publishing."""

from __future__ import annotations

from pathlib import Path

from index.build import BuildProgress, build_index
from index.models.embedder import Embedder

DOC = (
    "Potash from Soligorsk\n\n"
    "Belaruskali shipped potash to Brazil through Klaipeda until 2022. The port then closed to "
    "Belarusian fertiliser, and shipments moved to Russian ports.\n\n"
    "Tractors from Minsk\n\n"
    "The Minsk Tractor Works assembled tractors in Nigeria from kits. Local partners built the "
    "cabins. The first hundred tractors left the line in 2021.\n"
)


def test_progress_runs_parse_embed_publish_in_order(tmp_path: Path, embedder: Embedder) -> None:
    source = tmp_path / "potash-tractors.txt"
    source.write_text(DOC, encoding="utf-8")
    seen: list[BuildProgress] = []
    report = build_index([source], tmp_path / "index", embedder=embedder, on_progress=seen.append)
    assert report.added == ["potash-tractors"]

    stages = [p.stage for p in seen]
    first_embedding, publishing = stages.index("embedding"), stages.index("publishing")
    assert set(stages[:first_embedding]) == {"parsing"}
    assert seen[0] == BuildProgress("parsing", 0, 1)
    assert seen[first_embedding - 1] == BuildProgress("parsing", 1, 1)
    embedding = seen[first_embedding:publishing]
    assert {p.stage for p in embedding} == {"embedding"}
    counts = [p.done for p in embedding]
    assert counts == sorted(counts) and counts[-1] == embedding[-1].total
    # Every chunk and every sentence of it reaches the model once (nothing is cached yet).
    assert embedding[-1].total == report.chunks_embedded + report.sentences_embedded
    assert seen[-1] == BuildProgress("publishing", 0, 1)

    # Nothing changed: nothing is parsed or embedded, and no progress is told.
    again: list[BuildProgress] = []
    build_index([source], tmp_path / "index", embedder=embedder, on_progress=again.append)
    assert again == []
