"""The Milvus benchmark at a few hundred passages, on servers of this module: every figure it
reports is read back from the servers it measured (no timing is asserted)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from server_support import (
    MilvusServer,
    PostgresServer,
    ServerUnavailable,
    remove_server_dir,
    temp_server_dir,
)

from bench.milvus_large import Plan, postgres_sizes, run, stage_rows, tables
from bench.passage_copies import swappable_pairs, varied_text
from index.stores.factory import open_reader

PASSAGES = 300


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[MilvusServer, PostgresServer, Path]]:
    work = temp_server_dir("citesearch-bench-milvus-")
    milvus, postgres = MilvusServer(work / "milvus"), PostgresServer(work / "postgres")
    try:
        milvus.start()
        postgres.start()
    except ServerUnavailable as error:
        milvus.stop()
        remove_server_dir(work)
        pytest.skip(f"the servers could not be started: {error}")
    yield milvus, postgres, work
    milvus.stop()
    postgres.stop()
    remove_server_dir(work)


@pytest.mark.integration
def test_the_report_holds_the_servers_own_figures(
    servers: tuple[MilvusServer, PostgresServer, Path], hash_corpus_index: Path
) -> None:
    milvus, postgres, work = servers
    plan = Plan([("corpus", hash_corpus_index)], PASSAGES, questions=3, warmup=2)
    result = run(milvus, postgres, work, plan)

    with open_reader(hash_corpus_index) as corpus:
        assert result["base"] == {"corpus": corpus.chunk_count}
    write = result["write"]
    assert write["written"] == result["rows"] == PASSAGES and write["stopped"] is None
    stages = {row["stage"]: row for row in result["stages"]}
    assert set(stages) >= {
        "PostgreSQL: documents, passages, sentences, cache",
        "Milvus insert (rows read back from PostgreSQL)",
        "Milvus index build and load",
        "publish (catalog transaction, alias, retire)",
    }
    assert result["stages"] == stage_rows(write)  # the writer's own records of this run

    assert milvus.process is not None
    resident = psutil.Process(milvus.process.pid).memory_info().rss
    assert 0.5 < result["milvus_rss_after_queries"] / resident < 2
    assert result["milvus_rss_empty"] < result["milvus_rss_loaded"]
    assert result["milvus_disk"] > 0 and result["postgres_disk"] > 0
    assert result["postgres"]["database"] <= result["postgres_disk"]
    chunks_now = postgres_sizes(postgres.url)["tables"]["chunks"]
    assert 0.9 < result["postgres"]["tables"]["chunks"] / chunks_now <= 1.0
    assert result["aliases"] is False  # milvus-lite has none

    for key in ("in_process", "http"):
        latency = result[key]["latency_s"]
        assert result[key]["questions"] == latency.n == 3 and latency.min > 0
    assert result["http"]["errors"] == 0 and result["http"]["server_rss"] > 0
    rendered = "".join(t.render() for t in tables(result))
    assert f"{PASSAGES:,} passages" in rendered and "no (milvus-lite)" in rendered


@pytest.mark.unit
def test_a_copy_moves_no_marker_entity_or_sentence_edge() -> None:
    text = "Exports rose by ten percent in 2019. Minsk signed the deal with Belarus last year."
    marker, entity = text.index("percent") + 7, text.index("Minsk")
    protected = [(marker - 1, marker + 1), (entity, entity + 5), (0, 1), (35, 36), (36, 37)]
    pairs = swappable_pairs(text, protected)
    copies = {varied_text(text, k, protected, pairs) for k in range(1, 40)}
    assert len(copies) > 10 and text not in copies
    for copy in copies:
        assert sorted(re.findall(r"\w+", copy)) == sorted(re.findall(r"\w+", text))
        assert all(copy[a:b] == text[a:b] for a, b in protected)


@pytest.mark.unit
def test_stage_rows_split_the_commit_and_refuse_records_that_do_not_add_up() -> None:
    recorded = {
        "PostgreSQL: documents, passages, sentences, cache": 8.0,
        "commit (whole)": 6.0,
        "Milvus insert (rows read back from PostgreSQL)": 3.0,
        "Milvus index build and load": 2.0,
    }
    # Every row exactly: the commit's own part is what its Milvus stages leave of it (6 - 3 - 2),
    # passages/s is the passages written over each stage's figure, and the whole commit is no row.
    expected = [
        ("PostgreSQL: documents, passages, sentences, cache", 8.0, 50.0),
        ("Milvus insert (rows read back from PostgreSQL)", 3.0, 400 / 3.0),
        ("Milvus index build and load", 2.0, 200.0),
        ("commit: vocabulary, note vocabulary, BM25 probe", 1.0, 400.0),
    ]
    rows = stage_rows({"stages_s": recorded, "written": 400, "wall_s": 15.0})
    table = [(row["stage"], row["seconds"], row["per_s"]) for row in rows]
    assert table == expected
    with pytest.raises(ValueError, match="do not add up"):
        stage_rows({"stages_s": recorded | {"commit (whole)": 4.0}, "written": 400, "wall_s": 15.0})
    with pytest.raises(ValueError, match="do not add up"):
        stage_rows({"stages_s": recorded, "written": 400, "wall_s": 12.0})
