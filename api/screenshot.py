"""Regenerate ``docs/screenshot.png`` and ``docs/screenshot-viewer.png``: serve an index, ask a
real question in headless Chromium, then open the answer's document.

    python -m api.screenshot --index-dir var/index --out docs/screenshot.png \
        --viewer-out docs/screenshot-viewer.png

Uses Debian's Chromium (``make browser``) through Playwright; no browser is downloaded.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from urllib.request import urlopen

CHROMIUM_PATH = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_QUERY = "How many countries did Belarus supply food products to in January-March?"


def launch_chromium(playwright: Any) -> Any:
    """Headless Debian Chromium driven by Playwright (a ``Browser``)."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
    )


def take_screenshot(
    base_url: str,
    query: str,
    out: Path,
    *,
    viewer_out: Path | None = None,
    width: int = 1280,
    height: int = 1400,
) -> None:
    """Search ``query`` on the page at ``base_url``, open the answer's footnote, save a PNG to
    ``out``; then open the answer's document (its sentence highlighted) and save ``viewer_out``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{base_url}/?{urlencode({'q': query})}")
            page.wait_for_selector("#results .hit", timeout=60_000)
            # Show a note open: the answer's own footnote when it has one, else the first hit's.
            for selector in ("#answer .fn-btn", "#results .hit .fn-btn"):
                marker = page.locator(selector).first
                if marker.count():
                    marker.click()
                    break
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=False)
            if viewer_out is not None:
                _open_answer_document(page)
                viewer_out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(viewer_out), full_page=False)
        finally:
            browser.close()


def _open_answer_document(page: Any) -> None:
    """Open the answer's document (the first hit's without an answer), at its sentence."""
    page.keyboard.press("Escape")  # the note opened for the first picture
    link = page.locator("#answer .answer-source a")
    (link if link.count() else page.locator("#results .hit .open-doc")).first.click()
    page.locator("#doc-view .notes-list").wait_for(timeout=60_000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=Path("var/index"))
    parser.add_argument("--out", type=Path, default=Path("docs/screenshot.png"))
    parser.add_argument(
        "--viewer-out",
        type=Path,
        default=Path("docs/screenshot-viewer.png"),
        help="the document viewer's picture",
    )
    parser.add_argument("--query", default=DEFAULT_QUERY)
    parser.add_argument("--width", type=int, default=1280, help="viewport width in CSS pixels")
    parser.add_argument("--height", type=int, default=1400)
    args = parser.parse_args(argv)
    if not CHROMIUM_PATH.exists():
        print(f"{CHROMIUM_PATH} not found: run `make browser`", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from api.app import create_app
    from api.local_server import running_server

    app = create_app(args.index_dir, api_token=None)
    with running_server(app) as base_url:
        # The first query of a process warms the model up; the picture should show a usual one.
        with urlopen(f"{base_url}/api/search?{urlencode({'q': args.query})}", timeout=300):
            pass
        take_screenshot(
            base_url,
            args.query,
            args.out,
            viewer_out=args.viewer_out,
            width=args.width,
            height=args.height,
        )
    print(f"wrote {args.out} and {args.viewer_out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
