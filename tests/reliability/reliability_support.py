"""Helpers shared by the reliability tests (fixtures are in ``conftest.py``).

``CITESEARCH_SOAK=1`` selects the long variants (60 s of load, a 10,000-page PDF, more kill
points); ``CITESEARCH_FUZZ_EXAMPLES`` sets how many cases each fuzz test tries (``make fuzz``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO_ROOT / "corpus"
SOAK = os.environ.get("CITESEARCH_SOAK") == "1"
FUZZ_EXAMPLES = int(os.environ.get("CITESEARCH_FUZZ_EXAMPLES", "60"))
# `make test` replays the same cases every run (no flaky failures); `make fuzz` explores anew.
FUZZ_RANDOM = "CITESEARCH_FUZZ_EXAMPLES" in os.environ


def count_words(text: str) -> int:
    """A stand-in token counter for the chunker: one token per word, no model needed."""
    return len(text.split())


def _report_lines() -> list[str]:
    """Lines of the corpus that read like a report's body text, to fill generated pages."""
    text = (CORPUS_DIR / "belarus-asia-prospects-for-cooperation.txt").read_text(encoding="utf-8")
    lines = [" ".join(ln.split()) for ln in text.splitlines()]
    return [ln for ln in lines if 40 <= len(ln) <= 90 and ln.isascii() and "\\" not in ln]


def write_pages_pdf(path: Path, pages: int) -> Path:
    """A real PDF of ``pages`` small pages (made with pypdf's writer), each with its own line.

    A page holds one line of report text and its number; each line is unique (the first words of
    one corpus line and the last words of another), so the cleaner keeps it as body text rather
    than taking it for a running header.
    """
    lines = [line.split() for line in _report_lines()]
    n = len(lines)
    streams = []
    for i in range(pages):
        head, tail = lines[i % n], lines[(i // n + 7 * i + 3) % n]
        text = " ".join(head[: len(head) // 2] + tail[len(tail) // 2 :])
        text = text.replace("(", "[").replace(")", "]")
        streams.append(f"BT /F1 8 Tf 10 150 Td ({text}.) Tj 0 -100 Td ({i + 1}) Tj ET")
    return write_helvetica_pdf(path, streams, (320, 200))


def write_helvetica_pdf(
    path: Path,
    streams: Sequence[str],
    size: tuple[float, float] = (612, 792),
    first_label: int | None = None,
) -> Path:
    """A PDF of one page per content stream (text operators over Helvetica as ``/F1``);
    ``first_label`` numbers the pages as printed from there (/PageLabels)."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    resources = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    for ops in streams:
        stream = DecodedStreamObject()
        stream.set_data(ops.encode())
        page = writer.add_blank_page(*size)
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = resources
    if first_label is not None:
        writer.set_page_label(0, len(streams) - 1, style="/D", start=first_label)
    with path.open("wb") as out:
        writer.write(out)
    return path


# ---- servers over HTTP --------------------------------------------------------------------------

TOKEN = "reliability-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def wait_for_job(client: httpx.Client, job_id: str, timeout: float = 300.0) -> dict[str, Any]:
    """Poll a job until it has ended (done, failed or interrupted)."""
    deadline = time.monotonic() + timeout
    while True:
        # With the token: a job's error and file name are shown to its holder only.
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}", headers=AUTH).json()
        if job["status"] not in ("queued", "running"):
            return job
        assert time.monotonic() < deadline, f"job still {job['status']} after {timeout} s"
        time.sleep(0.1)


def document_ids(client: httpx.Client) -> set[str]:
    response = client.get("/api/documents")
    assert response.status_code == 200, response.text
    return {d["id"] for d in response.json()["documents"]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_process(
    index_dir: Path,
    *,
    token: str | None = None,
    stderr: Path | None = None,
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = 300.0,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`citesearch serve` on ``index_dir`` in its own process (with the write token, if given):
    its URL and process, once it answers ``/api/health``; stopped (or killed) at the end."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "CITESEARCH_API_TOKEN"}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    if token:
        env["CITESEARCH_API_TOKEN"] = token
    err = stderr.open("wb") if stderr is not None else None
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--index-dir", str(index_dir)]
        + ["--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=err if err is not None else subprocess.DEVNULL,
        preexec_fn=preexec_fn,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            assert proc.poll() is None, "the server exited"
            try:
                if httpx.get(f"{base_url}/api/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        yield base_url, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if err is not None:
            err.close()
