"""What the notes a passage cites are searched by: their words, and the domains they link to.

A passage's *notes document* is the terms of every note it cites, each note once: the note's BM25
terms (``index.text.tokenize``, with its URLs left out: a URL's path is a slug, not words), the
domains its links point to, and the words of those domains' names. Domain keys keep their dots
(``belta.by``), which no word term ever has, so they live in the same term space without meeting a
word: a query's words can match a note's text, and ``cites:belta.by`` can match exactly the notes
that link to belta.by or a subdomain of it.

Both store backends index these terms per passage (a BM25 index of its own, and a keyed look-up of
which passages hold a term); the query side matches ``cites:`` values against them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from index.records import Citation
from index.text.tokenize import tokenize

# URLs in note text (with a scheme, or starting www.) up to the next space: left out of its words.
_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+", re.IGNORECASE)
# A host label: letters (any script, for internationalised names), digits, hyphens.
_LABEL = re.compile(r"^[^\W_](?:[\w-]*[^\W_])?$")


def _host(text: str) -> str | None:
    """The host a URL or a bare domain names, lower-case, without ``www.``, a port or a final dot;
    None when it is no host of at least two labels whose last is a top-level domain's shape."""
    text = text.strip().strip("<>()[]\"'")
    if not text:
        return None
    if "://" not in text:
        text = "//" + text  # urlsplit reads a host only after //
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return None
    host = host.rstrip(".").lower()
    host = host.removeprefix("www.")
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return None
    top = labels[-1]
    if not (top.startswith("xn--") or (len(top) >= 2 and top.isalpha())):
        return None
    return host


def _ascii_host(host: str) -> str:
    """A host in its ASCII (punycode) form, so ``президент.бел`` and ``xn--...`` meet."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def url_domains(url: str) -> list[str]:
    """The domain keys a link cites: its host without ``www.``, then each parent domain of two
    labels or more (so ``cites:belta.by`` finds links to eng.belta.by too).

    >>> url_domains("https://eng.belta.by/economics/view/1")
    ['eng.belta.by', 'belta.by']
    >>> url_domains("https://www.belta.by/x"), url_domains("not a url")
    (['belta.by'], [])
    """
    host = _host(url)
    if host is None:
        return []
    labels = _ascii_host(host).split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def domain_key(text: str) -> str | None:
    """The domain key a ``cites:`` value names (a domain, a host or a URL), or None when it is no
    domain (a name).

    >>> domain_key("BelTA.by"), domain_key("https://www.belta.by/economics"), domain_key("Pivovar")
    ('belta.by', 'belta.by', None)
    """
    host = _host(text)
    return _ascii_host(host) if host is not None else None


def _domain_words(url: str) -> list[str]:
    """The terms of a link's domain name without its top-level domain (``belt``, the term of "belta" of belta.by)."""
    host = _host(url)
    if host is None:
        return []
    return tokenize(" ".join(host.split(".")[:-1]))


def without_urls(note: str) -> str:
    """A note's text with its URLs blanked out (same length: offsets stay valid)."""
    return _URL.sub(lambda m: " " * len(m.group()), note)


def note_text_terms(note: str | None) -> list[str]:
    """The BM25 terms of a note's own words, its URLs left out.

    >>> note_text_terms("Pivovar, E. Supplies grew / BelTA. - URL: https://www.belta.by/economics/view/x-1")
    ['pivovar', 'e', 'suppli', 'grew', 'belt', 'url']
    """
    return tokenize(without_urls(note)) if note else []


def note_terms(note: str | None, urls: Sequence[str]) -> list[str]:
    """The terms one note is searched by: its words, the domains it links to and their names.

    >>> note_terms("Pivovar, E. Supplies grew", ["https://www.belta.by/economics/view/x"])
    ['pivovar', 'e', 'suppli', 'grew', 'belta.by', 'belt']
    """
    terms = note_text_terms(note)
    for url in dict.fromkeys(urls):
        terms += url_domains(url)
        terms += _domain_words(url)
    return terms


def distinct_notes(citations: Iterable[Citation]) -> list[Citation]:
    """The notes a passage cites, each once (a note cited twice is one note), in order."""
    seen: dict[tuple[int, str], Citation] = {}
    for citation in citations:
        seen.setdefault((citation.n, citation.label), citation)
    return list(seen.values())


def passage_note_terms(citations: Iterable[Citation]) -> list[str]:
    """The notes document of a passage: the terms of each note it cites, each note once."""
    terms: list[str] = []
    for citation in distinct_notes(citations):
        terms += note_terms(citation.note, citation.urls)
    return terms
