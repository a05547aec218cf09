"""BM25 tokenization, shared by indexing and queries so both sides see the same terms.

Lower-cased Unicode word tokens (letters and digits of any script, so Cyrillic survives), the
stop words Lucene's English analyzer drops (the list Pyserini's BM25 baselines use), then Snowball
stemming: English for Latin-script tokens, Russian for Cyrillic ones (with Russian stop words).
"""

from __future__ import annotations

import re
import threading

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_RUSSIAN

# Version of the rules below; stored in the index manifest, so a change forces a rebuild.
TOKENIZER_VERSION = "words-lucene33-snowball-en-ru/1"

# Letters and digits of any script; underscores are \w but not word material in prose.
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_STOP_EN = frozenset(STOPWORDS_EN)
_STOP_RU = frozenset(STOPWORDS_RUSSIAN)

# PyStemmer objects are not thread-safe (the API serves queries from a thread pool), so each
# thread gets its own pair; they keep a small cache of recent words, which makes reuse pay.
_local = threading.local()


def _stemmers() -> tuple[Stemmer.Stemmer, Stemmer.Stemmer]:
    pair = getattr(_local, "stemmers", None)
    if pair is None:
        pair = (Stemmer.Stemmer("english"), Stemmer.Stemmer("russian"))
        _local.stemmers = pair
    return pair


def tokenize(text: str) -> list[str]:
    """The BM25 terms of a text, in order.

    >>> tokenize("The Ministers met in Минске on 12 March")
    ['minist', 'met', 'минск', '12', 'march']
    """
    english, russian = _stemmers()
    terms: list[str] = []
    for word in _WORD.findall(text.lower()):
        if _CYRILLIC.search(word):
            if word not in _STOP_RU:
                terms.append(russian.stemWord(word))
        elif word not in _STOP_EN:
            terms.append(english.stemWord(word))
    return terms
