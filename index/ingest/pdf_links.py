"""Web links a PDF carries as link annotations: a note whose words "the report" link to
https://example.org/report cites that address though its text never prints it.

PDFium lists a page's link annotations with their rectangles; a note takes the URI of every
link whose rectangle lies on one of its lines (its middle inside the line's height, the two
overlapping across). Links on body text are no note's.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

_SCHEMES = ("http://", "https://", "ftp://")  # a mailto: or a file's own pages are no source
_MAX_URI = 4096


@dataclass(frozen=True)
class Link:
    """A link annotation's web address and rectangle, in PDF units from the page's bottom left."""

    uri: str
    x0: float
    bottom: float
    x1: float
    top: float


def page_links(pdf: Any, page: Any) -> list[Link]:
    """The web links of a pypdfium2 page of ``pdf``, in the page's order."""
    import pypdfium2.raw as pdfium_c

    links: list[Link] = []
    position = ctypes.c_int(0)
    handle = pdfium_c.FPDF_LINK()
    rect = pdfium_c.FS_RECTF()
    while pdfium_c.FPDFLink_Enumerate(page.raw, ctypes.byref(position), ctypes.byref(handle)):
        action = pdfium_c.FPDFLink_GetAction(handle)
        if not action or pdfium_c.FPDFAction_GetType(action) != pdfium_c.PDFACTION_URI:
            continue
        size = pdfium_c.FPDFAction_GetURIPath(pdf.raw, action, None, 0)
        if not 1 < size <= _MAX_URI or not pdfium_c.FPDFLink_GetAnnotRect(handle, rect):
            continue
        buffer = ctypes.create_string_buffer(size)
        pdfium_c.FPDFAction_GetURIPath(pdf.raw, action, buffer, size)
        uri = buffer.value.decode("latin-1").strip()
        if uri.lower().startswith(_SCHEMES):
            bottom, top = sorted((rect.bottom, rect.top))
            x0, x1 = sorted((rect.left, rect.right))
            links.append(Link(uri, x0, bottom, x1, top))
    return links


def on_line(link: Link, x0: float, x1: float, base: float, size: float) -> bool:
    """Whether ``link`` lies on the line from ``x0`` to ``x1`` on baseline ``base``."""
    middle = (link.bottom + link.top) / 2
    low, high = base - 0.3 * size, base + 0.9 * size
    return low <= middle <= high and link.x0 < x1 and link.x1 > x0


def add_link_urls(urls: list[str], links: Iterable[Link]) -> list[str]:
    """``urls`` (those the note prints) followed by the links' URIs they do not already hold."""
    out = list(urls)
    seen = {_key(url) for url in urls}
    for link in links:
        if _key(link.uri) not in seen:
            seen.add(_key(link.uri))
            out.append(link.uri)
    return out


def _key(url: str) -> str:
    """A URL as compared: no scheme, no trailing slash, case-folded host and all."""
    bare = unquote(url).split("://", 1)[-1]
    return bare.rstrip("/").lower()


def links_on(lines: Sequence[Any], links: Sequence[Link]) -> list[Link]:
    """The links lying on any of ``lines`` (objects with x0, x1, base and size)."""
    return [
        link
        for link in links
        if any(on_line(link, line.x0, line.x1, line.base, line.size) for line in lines)
    ]
