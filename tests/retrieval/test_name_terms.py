"""A question's names in another script, as the collection's BM25 terms (pure)."""

from __future__ import annotations

from index.text.tokenize import tokenize
from retrieval.name_terms import name_terms


def test_cyrillic_names_are_the_terms_of_their_latin_spelling() -> None:
    known = set(tokenize("Lukashenko met with Pakistani Prime Minister Imran Khan in Dushanbe"))
    assert name_terms("Лукашенко Имран Хан", known) == tokenize("Lukashenko Imran Khan")
    # Lower-case Russian words are no names; a name the collection lacks is no term.
    assert name_terms("встреча Лукашенко и Бразилии", known) == ["lukashenk"]
    assert name_terms("Какие страны граничат с Беларусью?", known) == []
