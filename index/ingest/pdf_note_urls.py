"""Whole URLs from a note's printed lines: a URL broken over lines (or at a space) is one URL.

A line that ends inside a URL, with no space after it, goes on with the next line's first word
when that word looks like more of an address (it holds ``/``, ``.``, ``-``, ``_``, ``#``, ``=`` or
is a file extension). A hyphen at such a break is either the URL's own or one the typesetter
added to split a word; it is kept when the half before it is a word the document uses elsewhere
and the two halves together are not ("across-" "an"), else dropped ("compromis-" "es"). A
URL that goes on after a space ("Past Workshops/2019") is joined with ``%20``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MORE = re.compile(r"[\w%~+@!$&'()*,;:=?#/.-]")
_URL_TRAILING = ".,;:)]}»\"'”’"
_EXTENSIONS = frozenset(
    ["html", "htm", "php", "asp", "aspx", "jsp", "pdf", "md", "txt", "xml", "json", "png", "svg"]
)


def note_urls(text: str, uses: Callable[[str], int]) -> tuple[list[str], list[str]]:
    """The URLs in a note's text (its lines as extracted, ``\\n`` between them), each whole, and
    a description of every guess made on the way. ``uses`` counts a word's occurrences in the
    document (lowercased)."""
    guesses: list[str] = []
    joined = _join_lines(text.split("\n"), uses, guesses)
    joined = _join_spaces(joined, guesses)
    urls: list[str] = []
    for match in _URL.finditer(joined):
        url = match.group().rstrip(_URL_TRAILING)
        if url.count("(") < url.count(")"):
            url = url[: url.rindex(")")]
        if url.lower().startswith("www."):
            url = "https://" + url
        if url not in urls:
            urls.append(url)
    return urls, guesses


def _join_lines(lines: list[str], uses: Callable[[str], int], guesses: list[str]) -> str:
    text = ""
    for line in lines:
        if not text:
            text = line.strip()
            continue
        piece = line.strip()
        tight = not line[:1].isspace() and not text.endswith(" ")
        last = text.rsplit(" ", 1)[-1]
        first = piece.split(" ", 1)[0]
        if tight and piece and _in_url(text) and _continues_url(last, first):
            text = join_break(text.rstrip(), piece, uses, guesses)
        else:
            text = text.rstrip() + " " + piece
    return text


def _in_url(text: str) -> bool:
    """Whether ``text`` ends inside a URL (its last word is, or ends, one)."""
    last = text.rstrip().rsplit(" ", 1)[-1]
    return bool(_URL.search(last)) and not text.endswith(" ")


def _continues_url(last: str, first: str) -> bool:
    if not first or not _MORE.match(first) or _URL.match(first):
        return False
    if last.endswith(("/", "-", "_", ".", "=", "&", "?", "#", "%")):
        return True
    bare = first.rstrip(_URL_TRAILING)
    return any(c in bare for c in "/.-_#=") or bare.lower() in _EXTENSIONS


def join_break(text: str, piece: str, uses: Callable[[str], int], guesses: list[str]) -> str:
    """``text`` (ending inside a URL) joined to ``piece`` with no space; a hyphen at the break
    is dropped when the word split around it is one (see the module's docstring)."""
    if not text.endswith("-"):
        return text + piece
    before = re.search(r"[^\W\d_]+-$", text)
    after = re.match(r"[^\W\d_]+", piece)
    if before and after:
        left, right = before.group()[:-1], after.group()
        # The half before the break occurs there once: as a word it must occur elsewhere too.
        if uses(left.lower()) > 1 and not uses((left + right).lower()):
            guesses.append(f"hyphen in “{left}-{right}” at a line break kept as the URL's own")
            return text + piece
        guesses.append(f"hyphen in “{left}-{right}” at a line break read as hyphenation")
        return text[:-1] + piece
    return text + piece


def _join_spaces(text: str, guesses: list[str]) -> str:
    """A URL followed by a space and a word that goes on with a path ("Past Workshops/2019")."""

    def glue(match: re.Match[str]) -> str:
        guesses.append(f"URL read on over a space: “{match.group()[:60]}”")
        return match.group(1) + "%20" + match.group(2)

    pattern = re.compile(r"((?:https?://|www\.)[^\s]*[\w%-])\s([\w%-]+/[^\s]*)", re.IGNORECASE)
    previous = None
    while previous != text:
        previous = text
        text = pattern.sub(glue, text, count=1)
    return text
