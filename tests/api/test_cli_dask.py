"""``citesearch index --dask``: the same index, and the same answers, as without it.

Both builds use MiniLM (an e5 build takes twice as long) over the corpus's three short reports;
the Dask one runs on a LocalCluster of two workers bound to 127.0.0.1, started and stopped by the
command itself. That the workers' vectors are the single process's, bit for bit, on many more
passages: ``tests/index/models/test_dask_embedder.py``.
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from api.cli import main

pytestmark = [pytest.mark.model, pytest.mark.integration]

SHORT_REPORTS = (
    "belarus-asia-africa-latin-america-2021",
    "pakistan-belarus-foreign-ministers-meeting",
    "pakistan-belarus-relations-akram-2021",
)
QUESTIONS = (
    "Which four Asian countries did Belarus become more engaged with in 2021?",
    "where are Belarusian tractors assembled",
    "potash exports to India",
    '"foreign ministers" Pakistan',
)


def _search(index_dir: Path, question: str, capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main(["search", question, "--index-dir", str(index_dir), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    result.pop("took_ms")
    return result  # type: ignore[no-any-return]


def test_indexing_on_two_dask_workers_gives_the_same_search_results(
    tmp_path: Path, corpus_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports_dir = tmp_path / "reports"
    reports_dir.mkdir()
    shutil.copy(corpus_dir / "manifest.json", reports_dir)
    for doc_id in SHORT_REPORTS:
        shutil.copy(corpus_dir / f"{doc_id}.txt", reports_dir)
    single, distributed = tmp_path / "single", tmp_path / "dask"
    reports = []
    for index_dir, extra in ((single, []), (distributed, ["--dask", "local:2"])):
        argv = ["index", str(reports_dir), "--index-dir", str(index_dir), "--model", "minilm"]
        assert main([*argv, "--json", *extra]) == 0
        reports.append(json.loads(capsys.readouterr().out))
    assert reports[0]["chunks_embedded"] == reports[1]["chunks_embedded"] > 20
    assert reports[0]["added"] == reports[1]["added"] == sorted(SHORT_REPORTS)
    for question in QUESTIONS:
        expected = _search(single, question, capsys)
        assert expected["results"], question
        assert _search(distributed, question, capsys) == expected, question


def test_an_unreachable_scheduler_is_reported_without_a_traceback(
    tmp_path: Path, corpus_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = ["index", str(corpus_dir), "--index-dir", str(tmp_path / "index"), "--model", "minilm"]
    assert main([*argv, "--dask", f"tcp://127.0.0.1:{port}"]) == 1
    err = capsys.readouterr().err
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in err
    assert "Traceback" not in err
    assert not (tmp_path / "index").exists()


def test_a_malformed_dask_target_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["index", "--dask", "local:zero"])
    assert exit_info.value.code == 2
    assert "local:N needs a number of workers" in capsys.readouterr().err
