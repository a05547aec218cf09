"""BM25 tokenization, shared by indexing and queries so both sides see the same terms.

Lower-cased Unicode word tokens (letters and digits of any script), less English stop words
(bm25s's ``STOPWORDS_EN_PLUS``: NLTK's 179 words) and Russian stop words, then:

- Cyrillic and accented Latin words are romanised (Лукашэнка -> lukashenka, Łukašenka ->
  lukashenka), so a name matches whatever script or romanisation a report or a query uses;
- an English possessive is no term (the "s" of "Brazil's", as Lucene's EnglishPossessiveFilter
  drops it), and no word position either, so "Brazil's president" matches the phrase "Brazil
  president";
- English Snowball stemming;
- a name key for stems no English word has (names, mostly): Russian kh -> h, a final -a/-o/-u
  dropped (Lukashenka, Lukashenko and the dative Lukashenku meet), -iy/-ii -> -i and -ey -> -ei
  (Yuriy/Yurii, Makey/Makei). Stems of English words are left alone, so the rules cannot merge two
  English words.

Other scripts (Greek, CJK, ...) are kept as they are. ``terms_at`` gives each term with its word
position and character span, for phrase matching and for showing the word a term came from.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import NamedTuple

import Stemmer

# anyascii: maintained, pure Python, no native library (PyICU needs ICU's C++ headers to build),
# and one table for every script; cyrtranslit covers Cyrillic only, one language at a time, and we
# cannot know whether a name is written in Russian or Belarusian.
from anyascii import anyascii

# NLTK's English list (bm25s ships it as STOPWORDS_EN_PLUS), not Lucene's 33 words: question words
# are no terms (docs/DECISIONS.md: NLTK's 179 English stop words).
from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_RUSSIAN

from index.text.lexicon import english_words

# Version of the rules below; stored in the index manifest, so a change forces a rebuild.
TOKENIZER_VERSION = "words-nltk179-possessive-translit-snowball-en-namekey/4"

# Letters and digits of any script (underscores are \w but not word material in prose), and a
# possessive ending, which is matched so that it is no word of its own.
_WORD = re.compile(r"([^\W_]+)(?:['’ʼ][sS](?![^\W_]))?")
# Cyrillic, Latin letters with diacritics (Latin-1 Supplement to Latin Extended-B) and combining
# marks (lower-casing "İ" leaves one).
_ROMANISE = re.compile(r"[\u00C0-\u024F\u0300-\u036F\u0400-\u04FF]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]")
# Czech and Belarusian Latin (Łacinka) letters, spelled as English romanisations spell them
# (anyascii would drop the caron: š -> s).
_LATIN_DIGRAPHS = str.maketrans({"š": "sh", "ž": "zh", "č": "ch"})
_STOP_EN = frozenset(STOPWORDS_EN_PLUS)
_STOP_RU = frozenset(STOPWORDS_RUSSIAN)
_NAME_Y = re.compile(r"([aeiou])y(?![aeiou])")
_NAME_FINAL_I = re.compile(r"(?:iy|ii|yi|yy)$")

# PyStemmer objects are not thread-safe (the API serves queries from a thread pool), so each
# thread gets its own; it keeps a small cache of recent words, which makes reuse pay.
_local = threading.local()


class TermAt(NamedTuple):
    """A BM25 term, the position of its word among all words (stop words counted), its span."""

    term: str
    position: int
    start: int
    end: int


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = Stemmer.Stemmer("english")
        _local.stemmer = stemmer
    return stemmer


@functools.cache
def english_stems() -> frozenset[str]:
    """The stems of the English word list (the model's whole-word vocabulary)."""
    stemmer = Stemmer.Stemmer("english")
    return frozenset(stemmer.stemWord(w) for w in english_words() if w.isascii())


def romanise(word: str) -> str:
    """A lower-case word in ASCII letters when it is Cyrillic or accented Latin, else unchanged.

    >>> romanise("лукашэнка"), romanise("łukašenka"), romanise("naïve"), romanise("北京")
    ('lukashenka', 'lukashenka', 'naive', '北京')
    """
    if not _ROMANISE.search(word):
        return word
    # The soft and hard signs become apostrophes; they are not letters of the romanised word.
    return _NOT_ASCII_WORD.sub("", anyascii(word.translate(_LATIN_DIGRAPHS)).lower())


def name_key(stem: str) -> str:
    """Spelling variants of a (Slavic) name romanised different ways, brought to one key.

    >>> [name_key(s) for s in ("lukashenko", "lukashenka", "makey", "makei", "yuriy", "mikhail")]
    ['lukashenk', 'lukashenk', 'makei', 'makei', 'yuri', 'mihail']
    """
    key = stem.replace("kh", "h")
    if len(key) >= 5 and key[-1] in "aou":
        key = key[:-1]
    key = _NAME_FINAL_I.sub("i", key)
    return _NAME_Y.sub(r"\1i", key)


# Words repeat (Zipf): keeping recent words' terms makes tokenizing about three times faster.
@functools.lru_cache(maxsize=1 << 18)
def _term(word: str) -> str | None:
    """The term of one lower-cased word, or None for a stop word."""
    if _CYRILLIC.search(word) and word in _STOP_RU:
        return None
    word = romanise(word)
    if not word or word in _STOP_EN:
        return None
    stem = _stemmer().stemWord(word)
    if stem.isascii() and stem.isalpha() and stem not in english_stems():
        return name_key(stem)
    return stem


def terms_at(text: str) -> list[TermAt]:
    """Each BM25 term of a text with its word position and character span, in order.

    >>> [(t.term, t.position) for t in terms_at("Ministry of Foreign Affairs")]
    [('ministri', 0), ('foreign', 2), ('affair', 3)]
    """
    found: list[TermAt] = []
    for position, match in enumerate(_WORD.finditer(text)):
        term = _term(match.group(1).lower())
        if term is not None:
            found.append(TermAt(term, position, match.start(1), match.end(1)))
    return found


def tokenize(text: str) -> list[str]:
    """The BM25 terms of a text, in order.

    >>> tokenize("The Ministers met Лукашенко in Минске on 12 March")
    ['minist', 'met', 'lukashenk', 'minsk', '12', 'march']
    """
    terms = (_term(word.lower()) for word in _WORD.findall(text))  # findall: the group
    return [term for term in terms if term is not None]
