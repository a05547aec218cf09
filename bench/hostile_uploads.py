"""Issue 24's acceptance run: six hostile files uploaded at once, then a one-line note.

A real ``citesearch serve`` on 127.0.0.1 (uploads on, with a token) over the corpus indexed with
the hash encoder (``--encoder hash``, the default: what is measured is the queue, the parse
limits and the server's own memory, not a model) or with the real models (``--encoder model``:
the memory a deployment has, the models included). A first upload is indexed before the run and
timed apart (warm); with ``--cold`` there is none: the six files are uploaded as soon as the
server answers, while it loads its models. The six files are made here in a temporary folder,
never kept:

- a .docx whose ``word/document.xml`` inflates to 200 MB (a few hundred KB on disk);
- a PDF of 500 image-only pages (each would go to OCR);
- an e-mail forwarding an e-mail ... 20 levels deep;
- an e-mail with a .docx attached that is no zip;
- a .docx that is no zip;
- a PDF whose one page is a 20,000 x 20,000-pixel image.

Measured: the server's resident memory sampled every 0.1 s (its parse children apart), the
seconds from the end of the note's upload to its being found by a search (goal 20 s), each
hostile job's state and message (clear, no path), and the processes left behind (parse
children, ``tesseract``) once the jobs end. Then the same again, with the server killed
(SIGKILL) while the slow files are read and started again: the jobs cut short must stay
``interrupted`` (not started again by themselves), the queued ones must run, nothing may be
left behind.

    python -m bench.hostile_uploads [--encoder hash|model] [--cold] [--repeat 3] [--out FILE]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.common import CORPUS_DIR, REPO_ROOT, free_port, offline_env

TOKEN = "bench-hostile-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOTE_NAME = "okapi-note.txt"
NOTE = b"The okapi census at the Dzerzhinsk reserve counted seventeen okapis this spring.\n"
NOTE_QUERY = "okapi census Dzerzhinsk"
GOAL_SECONDS = 20.0
RSS_BOUND_MB = 2.5 * 1024
ABSOLUTE_PATH = re.compile(r"""(?:^|[\s'"(\[=]|(?<!:/):)/[\w.~-]""")
ENDED = ("done", "failed", "interrupted")


# ---- the hostile files -------------------------------------------------------------------------


def docx_bomb(path: Path, inflated: int = 200_000_000) -> Path:
    """A Word package whose ``word/document.xml`` is ``inflated`` bytes of empty paragraphs."""
    chunk = b"<w:p/>" * (1_000_000 // 6)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/><Override '
            'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        package.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>",
        )
        with package.open("word/document.xml", "w") as member:
            member.write(
                b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
                b'main"><w:body>'
            )
            for _ in range(inflated // len(chunk)):
                member.write(chunk)
            member.write(b"</w:body></w:document>")
    return path


def image_pdf(path: Path, pages: int) -> Path:
    """A PDF of ``pages`` image-only pages, each two lines of printed words of the corpus,
    different on every page (Pillow)."""
    from PIL import Image, ImageDraw, ImageFont

    words = (CORPUS_DIR / "belarus-new-export-markets.txt").read_text(encoding="utf-8").split()
    rng = random.Random(24)
    font = ImageFont.load_default(size=36)
    images = []
    for number in range(1, pages + 1):
        image = Image.new("L", (1200, 240), 255)
        draw = ImageDraw.Draw(image)
        for line in range(2):
            text = " ".join(rng.choice(words) for _ in range(9))
            draw.text(
                (30, 50 + line * 80), f"{number}. {text}" if line == 0 else text, font=font, fill=0
            )
        images.append(image)
    images[0].save(path, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return path


def giant_page_pdf(path: Path, side: int = 20_000) -> Path:
    """A one-page PDF whose page is a ``side`` x ``side``-pixel white image (1 bit a pixel,
    deflated: 50 MB of pixels in some 50 KB), written object by object."""
    row = b"\xff" * ((side + 7) // 8)
    pixels = zlib.compressobj(9)
    data = b"".join(pixels.compress(row) for _ in range(side)) + pixels.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1440 1440] "
        b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 1 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
        % (side, side, len(data), data),
        b"<< /Length 30 >>\nstream\nq 1440 0 0 1440 0 0 cm /Im0 Do Q\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (6, xref))
    path.write_bytes(out.getvalue())
    return path


def _message(subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = "Anna Petrova <anna@example.org>"
    msg["To"] = "desk@example.org"
    msg["Date"] = "Tue, 01 Dec 2026 09:30:00 +0000"
    msg.set_content(body)
    return msg


def nested_eml(path: Path, levels: int = 20) -> Path:
    inner = _message(f"Forwarded census figures, level {levels}", f"Figures of level{levels}.\n")
    for level in range(levels - 1, -1, -1):
        outer = _message(f"Forwarded census figures, level {level}", f"Figures of level{level}.\n")
        outer.add_attachment(inner)
        inner = outer
    path.write_bytes(bytes(inner))
    return path


def broken_attachment_eml(path: Path) -> Path:
    msg = _message("Survey contract", "The contract for the Zubr reserve survey is attached.\n")
    msg.add_attachment(
        b"not a zip",
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="contract.docx",
    )
    path.write_bytes(bytes(msg))
    return path


def hostile_files(folder: Path) -> list[Path]:
    """The six files of the acceptance, written into ``folder``."""
    (folder / "notazip.docx").write_bytes(b"Plain words, not a Word file.\n" * 4)
    return [
        docx_bomb(folder / "bomb.docx"),
        image_pdf(folder / "scan-500.pdf", 500),
        nested_eml(folder / "nested-20.eml"),
        broken_attachment_eml(folder / "broken-attachment.eml"),
        folder / "notazip.docx",
        giant_page_pdf(folder / "giant-page.pdf"),
    ]


# ---- the server and what it leaves -------------------------------------------------------------


def build_index(index_dir: Path, encoder: str) -> None:
    """The corpus indexed with the hash encoder or the real models."""
    from index.build import build_index as build
    from index.models.embedder import Embedder
    from index.models.hash_encoder import HashEncoder

    embedder = HashEncoder(64) if encoder == "hash" else Embedder()
    build([CORPUS_DIR], index_dir, embedder=embedder)


class Served:
    """``citesearch serve`` with the token on a free loopback port (``env``: more settings)."""

    def __init__(self, index_dir: Path, log: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = offline_env() | (env or {})
        env["CITESEARCH_API_TOKEN"] = TOKEN
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--index-dir", str(index_dir)]
            + ["--host", "127.0.0.1", "--port", str(self.port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 600
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}); see {log}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the server did not start")
            time.sleep(0.2)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def left_behind(server_pid: int) -> list[str]:
    """Processes a server ``server_pid`` started that still run: its children (whatever they
    are), parse children that name it as their parent, and ``tesseract`` run in one of its
    parse folders (orphans of a killed server are found by those two)."""
    found = {}
    try:
        for child in psutil.Process(server_pid).children(recursive=True):
            found[child.pid] = child
    except psutil.NoSuchProcess:
        pass
    folder = f"citesearch-parse-{server_pid}-"
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            line = proc.info["cmdline"] or []
            if (
                "index.parse_worker" in line
                and str(server_pid) in line[-2:]
                or proc.info["name"] == "tesseract"
                and folder in proc.environ().get("TMPDIR", "")
            ):
                found[proc.pid] = proc
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    out = []
    for pid, proc in sorted(found.items()):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                out.append(f"{pid} {proc.name()}")
        except psutil.NoSuchProcess:
            pass
    return out


def left_once_idle(server_pid: int) -> list[str]:
    """``left_behind`` once the server's quick lane has let go of its parse child (kept
    ``QUICK_PARSER_IDLE_SECONDS`` after the lane's last job): what is still there then."""
    from api.live_index import QUICK_PARSER_IDLE_SECONDS

    deadline = time.monotonic() + QUICK_PARSER_IDLE_SECONDS + 15.0
    while (left := left_behind(server_pid)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


@dataclass
class MemorySampler:
    """Peak resident memory of the server and of its children (summed), every ``interval``."""

    pid: int
    interval: float = 0.1
    server_peak_mb: float = 0.0
    children_peak_mb: float = 0.0
    child_peak_mb: float = 0.0
    most_children: int = 0
    tesseract_seen: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        seen: set[int] = set()
        while not self._stop.wait(self.interval):
            try:
                server = psutil.Process(self.pid)
                rss = server.memory_info().rss / 2**20
                children = server.children(recursive=True)
            except psutil.NoSuchProcess:
                return
            sizes = []
            for child in children:
                try:
                    sizes.append(child.memory_info().rss / 2**20)
                    if child.name() == "tesseract":
                        seen.add(child.pid)
                except psutil.NoSuchProcess:
                    continue
            self.server_peak_mb = max(self.server_peak_mb, rss)
            self.children_peak_mb = max(self.children_peak_mb, sum(sizes))
            self.child_peak_mb = max([self.child_peak_mb, *sizes])
            self.most_children = max(self.most_children, len(sizes))
            self.tesseract_seen = len(seen)


# ---- one run -----------------------------------------------------------------------------------


def _upload(client: httpx.Client, path: Path) -> tuple[dict[str, Any], float]:
    """The job of an upload, and when its answer came (``time.monotonic``)."""
    response = client.post(
        "/api/documents", files={"file": (path.name, path.read_bytes())}, headers=AUTH
    )
    response.raise_for_status()
    return response.json(), time.monotonic()


def upload_all(client: httpx.Client, files: list[Path], note: Path) -> dict[str, Any]:
    """The six at once, then the note: job ids by file name, and when the note's upload ended."""
    began = time.monotonic()
    with ThreadPoolExecutor(len(files)) as pool:
        jobs = list(pool.map(lambda p: _upload(client, p), files))
    started = {job["filename"]: (job["id"], at) for job, at in jobs}
    note_job, note_uploaded = _upload(client, note)
    return {"hostile": started, "note": (note_job["id"], note_uploaded), "began": began}


def note_searchable(client: httpx.Client, since: float, timeout: float = 600.0) -> float:
    """Seconds from ``since`` until a search lists the note among its first three: by its words
    (published before its vectors, which may still be embedded)."""
    while time.monotonic() - since < timeout:
        response = client.get("/api/search", params={"q": NOTE_QUERY, "k": 3})
        hits = response.json()["results"] if response.status_code == 200 else []
        if Path(NOTE_NAME).stem in [hit["doc_id"] for hit in hits]:
            return time.monotonic() - since
        time.sleep(0.1)
    raise TimeoutError("the note never became searchable")


def wait_jobs(
    client: httpx.Client, ids: dict[str, str], timeout: float, since: float | None = None
) -> dict[str, Any]:
    """Each job's record once it has ended (or as it stands at ``timeout``), with the seconds
    since ``since`` (``time.monotonic``; default: now) when it was seen ended."""
    start = time.monotonic() if since is None else since
    ended: dict[str, Any] = {}
    while len(ended) < len(ids) and time.monotonic() - start < timeout:
        for name, job_id in ids.items():
            if name not in ended:
                job = client.get(f"/api/jobs/{job_id}", headers=AUTH).json()
                if job["status"] in ENDED:
                    ended[name] = job | {"seconds_after_start": round(time.monotonic() - start, 1)}
        time.sleep(0.25)
    for name, job_id in ids.items():
        ended.setdefault(name, client.get(f"/api/jobs/{job_id}", headers=AUTH).json())
    return ended


def plain_words(job: dict[str, Any], secret: str) -> bool:
    words = " ".join([job.get("error") or "", *job.get("warnings", [])])
    return secret not in words and not ABSOLUTE_PATH.search(words) and "Traceback" not in words


def run_once(
    work: Path, base_index: Path, files: list[Path], note: Path, *, cold: bool = False
) -> dict[str, Any]:
    """Upload, measure, check; then the kill and restart round. One result dict. ``cold``: no
    first upload before the six."""
    index_dir = _fresh_copy(base_index, work / "run-index")
    log = work / "server.log"
    served = Served(index_dir, log)
    sampler = MemorySampler(served.process.pid).start()
    try:
        with httpx.Client(base_url=served.url, timeout=120) as client:
            warm_up = None if cold else _warm_up(client, work)
            load = os.getloadavg()[0]
            sent = upload_all(client, files, note)
            note_id, note_end = sent["note"]
            searchable = note_searchable(client, note_end)
            ids = {name: job_id for name, (job_id, _) in sent["hostile"].items()}
            jobs = wait_jobs(client, ids | {NOTE_NAME: note_id}, 900, since=sent["began"])
            left = left_once_idle(served.process.pid)
    finally:
        sampler.stop()
        served.stop()
    secret = str(index_dir.parent)
    result: dict[str, Any] = {
        "first_upload_seconds": None if warm_up is None else round(warm_up, 2),
        "load_average_at_upload": round(load, 1),
        "note_searchable_seconds": round(searchable, 2),
        "server_peak_mb": round(sampler.server_peak_mb),
        "children_peak_mb": round(sampler.children_peak_mb),
        "one_child_peak_mb": round(sampler.child_peak_mb),
        "most_children_at_once": sampler.most_children,
        "tesseracts_seen": sampler.tesseract_seen,
        "left_behind": left,
        "jobs": {
            name: {
                "status": job["status"],
                "seconds_after_upload": job.get("seconds_after_start"),
                "error": job.get("error"),
                "warnings": job.get("warnings", [])[:3],
                "plain": plain_words(job, secret),
            }
            for name, job in jobs.items()
        },
    }
    result["killed"] = kill_round(work, base_index, files, note)
    return result


def kill_round(work: Path, base_index: Path, files: list[Path], note: Path) -> dict[str, Any]:
    """SIGKILL the server while the slow files are read; what is left, and what a restart does."""
    index_dir = _fresh_copy(base_index, work / "kill-index")
    log = work / "server-killed.log"
    served = Served(index_dir, log)
    with httpx.Client(base_url=served.url, timeout=120) as client:
        sent = upload_all(client, files, note)
        ids = {name: job_id for name, (job_id, _) in sent["hostile"].items()}
        ids[NOTE_NAME] = sent["note"][0]
        deadline = time.monotonic() + 120
        while not _reading_pages(served.process.pid):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        before = {
            n: client.get(f"/api/jobs/{i}", headers=AUTH).json()["status"] for n, i in ids.items()
        }
    pid = served.process.pid
    served.kill()
    at_kill = left_behind(pid)
    time.sleep(1.0)
    after_1s = left_behind(pid)
    time.sleep(4.0)
    after_5s = left_behind(pid)
    restarted = Served(index_dir, log)
    try:
        with httpx.Client(base_url=restarted.url, timeout=120) as client:
            first = {
                n: client.get(f"/api/jobs/{i}", headers=AUTH).json()["status"]
                for n, i in ids.items()
            }
            queued = {n: i for n, i in ids.items() if first[n] != "interrupted"}
            ended = wait_jobs(client, queued, timeout=900)
            time.sleep(5.0)  # long enough for an interrupted job to have been started again
            last = {
                n: client.get(f"/api/jobs/{i}", headers=AUTH).json()["status"]
                for n, i in ids.items()
            }
            left = left_once_idle(restarted.process.pid)
    finally:
        restarted.stop()
    return {
        "at_kill": before,
        "left_at_kill": at_kill,
        "left_1s_after_kill": after_1s,
        "left_5s_after_kill": after_5s,
        "after_restart": first,
        "queued_ended": {n: j["status"] for n, j in ended.items()},
        "at_end": last,
        "interrupted_started_again": [
            n for n in ids if first[n] == "interrupted" and last[n] != "interrupted"
        ],
        "left_behind_after_restart": left,
    }


def _warm_up(client: httpx.Client, work: Path) -> float:
    """Seconds to index a first upload: a server loads its passage model on the first (a
    one-time cost, not the queue's), so the measured run starts warm."""
    first = work / "files" / "warm-up.txt"
    first.write_bytes(b"A first upload: the passage model is loaded for it.\n")
    job, uploaded = _upload(client, first)
    wait_jobs(client, {first.name: job["id"]}, 900)
    return time.monotonic() - uploaded


def _reading_pages(server_pid: int) -> bool:
    """Whether a ``tesseract`` of the server reads a page now (not ``--list-langs``)."""
    for proc in psutil.Process(server_pid).children(recursive=True):
        try:
            line = proc.cmdline()
        except psutil.NoSuchProcess:
            continue
        if line and line[0].endswith("tesseract") and not any(a.startswith("--") for a in line):
            return True
    return False


def _fresh_copy(base_index: Path, root: Path) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(base_index.parent, root, symlinks=True)
    return root / base_index.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoder", choices=["hash", "model"], default="hash")
    parser.add_argument("--cold", action="store_true", help="no first upload before the six")
    parser.add_argument("--repeat", type=int, default=1, help="runs; medians are reported")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="citesearch-hostile-") as tmp:
        work = Path(tmp)
        try:
            runs = _runs(work, args.encoder, args.repeat, cold=args.cold)
        except Exception:
            for log in sorted(work.glob("*.log")):
                print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
            raise
    summary = _summary(runs, args.encoder) | {"cold": args.cold}
    print(json.dumps(summary, indent=2))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"summary": summary, "runs": runs}, indent=2) + "\n")
    return 0 if summary["passed"] else 1


def _runs(work: Path, encoder: str, repeat: int, *, cold: bool) -> list[dict[str, Any]]:
    (work / "files").mkdir()
    files = hostile_files(work / "files")
    note = work / "files" / NOTE_NAME
    note.write_bytes(NOTE)
    base = work / "base" / "index"
    build_index(base, encoder)
    return [run_once(work, base, files, note, cold=cold) for _ in range(repeat)]


def _summary(runs: list[dict[str, Any]], encoder: str) -> dict[str, Any]:
    def median(key: str) -> float | None:
        values = [r[key] for r in runs if r[key] is not None]
        return float(statistics.median(values)) if values else None

    checks = {
        "note searchable within 20 s": (median("note_searchable_seconds") or 0.0) <= GOAL_SECONDS,
        "server under 2.5 GB": max(r["server_peak_mb"] for r in runs) < RSS_BOUND_MB,
        "every message plain": all(j["plain"] for r in runs for j in r["jobs"].values()),
        "nothing left behind": all(not r["left_behind"] for r in runs),
        "no interrupted job started again": all(
            not r["killed"]["interrupted_started_again"] for r in runs
        ),
        "nothing left 5 s after the kill": all(not r["killed"]["left_5s_after_kill"] for r in runs),
        "nothing left after the restart": all(
            not r["killed"]["left_behind_after_restart"] for r in runs
        ),
    }
    return {
        "encoder": encoder,
        "runs": len(runs),
        "cpu_count": os.cpu_count(),
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "first_upload_seconds_median": median("first_upload_seconds"),
        "note_searchable_seconds_median": median("note_searchable_seconds"),
        "note_searchable_seconds": [r["note_searchable_seconds"] for r in runs],
        "load_average_at_upload": [r["load_average_at_upload"] for r in runs],
        "server_peak_mb_median": median("server_peak_mb"),
        "children_peak_mb_median": median("children_peak_mb"),
        "checks": checks,
        "passed": all(checks.values()),
        "jobs_first_run": runs[0]["jobs"],
        "killed_first_run": runs[0]["killed"],
    }


if __name__ == "__main__":
    raise SystemExit(main())
