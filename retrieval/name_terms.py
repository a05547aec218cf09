"""The names of a question written in another script than the collection, as BM25 terms.

A Russian question over English reports shares no common word with them, but its names do:
tokenization romanises them ("Лукашенко Имран Хан" -> lukashenk, imran, han, the terms of
"Lukashenko Imran Khan"). Only those terms go to BM25 beside the dense list; the question's
other words, romanised, would match English terms by accident at best.
"""

from __future__ import annotations

from collections.abc import Container

from index.text.tokenize import terms_at


def is_cyrillic_word(word: str) -> bool:
    """Whether a word is written in Cyrillic letters (any of them).

    >>> is_cyrillic_word("Хан"), is_cyrillic_word("Khan")
    (True, False)
    """
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


def name_terms(text: str, known: Container[str]) -> list[str]:
    """The BM25 terms of the names in ``text`` that ``known`` (the collection's vocabulary)
    holds, once each, in order.

    A name is a capitalised Cyrillic word (Russian capitalises names, and question words
    romanised are no English terms, so a capitalised first word counts too) or a word in another
    script (a Latin name or acronym in a Russian question). Lower-case Cyrillic words are left
    out: "пакистанском" is an adjective whose romanisation no English text holds.

    >>> name_terms("Когда Лукашенко встречался с Имран Ханом?", {"lukashenk", "imran", "han"})
    ['lukashenk', 'imran']
    >>> name_terms("Лукашенко и Imran Khan", {"lukashenk", "imran", "khan"})
    ['lukashenk', 'imran', 'khan']
    """
    found: dict[str, None] = {}
    for term in terms_at(text):
        word = text[term.start : term.end]
        if is_cyrillic_word(word) and not word[:1].isupper():
            continue
        if term.term in known:
            found.setdefault(term.term, None)
    return list(found)
