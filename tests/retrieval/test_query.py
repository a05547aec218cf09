"""The query language without an index: parsing, planning against a vocabulary, passage filters
and spelling suggestions. The same forms through the searcher, the API and the CLI are tested in
tests/retrieval/test_search_syntax.py, tests/api/test_query_syntax.py (API),
tests/api/test_cli_query.py (CLI) and tests/api/test_browser_query.py (the page)."""

from __future__ import annotations

import pytest

from index.records import Citation
from index.text.tokenize import terms_at, tokenize
from retrieval.query import (
    AnyOf,
    CitesFilter,
    DocFilter,
    Fuzzy,
    Not,
    Phrase,
    Prefix,
    QueryError,
    Vocabulary,
    Word,
    apply_corrections,
    finds_little,
    narrow_documents,
    parse_query,
    plan_query,
    spelled_from_passages,
    spelling_corrections,
    surface_form,
)

VOCAB = Vocabulary(
    {
        "tractor": 12,
        "tract": 1,
        "trade": 40,
        "export": 40,
        "africa": 25,
        "african": 9,
        "great": 5,
        "stone": 5,
        "pakistan": 30,
        "lukashenk": 11,
        "minist": 20,
    }
)
DOCS = ["belarus-new-export-markets", "pakistan-belarus-foreign-ministers-meeting"]


def plan(text: str):  # type: ignore[no-untyped-def]
    return plan_query(parse_query(text), VOCAB, DOCS)


def test_every_form_parses_to_its_node() -> None:
    query = parse_query(
        '"Great Stone" -tractors NOT Africa Pakistan OR Vietnam tract* tractr~ afrika~1 '
        "doc:belarus-new-export-markets -doc:x plain"
    )
    assert query.clauses == (
        Phrase("Great Stone"),
        Not(Word("tractors", 15, 23)),
        Not(Word("Africa", 28, 34)),
        AnyOf((Word("Pakistan", 35, 43), Word("Vietnam", 47, 54))),
        Prefix("tract"),
        Fuzzy("tractr", 2),
        Fuzzy("afrika", 1),
        DocFilter("belarus-new-export-markets"),
        Not(DocFilter("x")),
        Word("plain", 117, 122),
    )


def test_plain_questions_are_plain_words() -> None:
    query = parse_query("How much did trade between Belarus and Pakistan grow in 2020-2021?")
    assert all(isinstance(c, Word) for c in query.clauses)
    assert parse_query("Belarus-Pakistan trade").clauses[0] == Word("Belarus-Pakistan", 0, 16)
    # Lower-case "or" and "not" are words (stop words), not operators.
    assert all(isinstance(c, Word) for c in parse_query("tractors or trucks not cars").clauses)


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ('"Great Stone', "unbalanced quote"),
        ("Pakistan - tractors", "lone '-'"),
        ("Pakistan OR", "OR at the end"),
        ("OR Pakistan", "OR needs a word"),
        ("Pakistan OR OR Vietnam", "OR needs a word"),
        ("Pakistan NOT", "NOT or - at the end"),
        ("NOT NOT Pakistan", "NOT twice"),
        ("*", "'*' alone"),
        ("tract *", "'*' alone"),
        ("*tract", "at the end of a word"),
        ("t*", "at least 2 letters"),
        ("~", "lone '~'"),
        ('""', "no words"),
        ('"the of"', "no words"),
        ("doc:", "doc: needs a document id"),
        ("cites:", "cites: needs a domain or a name"),
        ("tractors OR cites:belta.by", "not cites: filters"),
        ("cites:the", "too common a word to look for in notes"),
        ('cites:"of the"', "too common a word to look for in notes"),
        ("-cites:belta.by", "only excludes or narrows"),
    ],
)
def test_malformed_queries_say_what_to_fix(query: str, says: str) -> None:
    with pytest.raises(QueryError, match=says):
        plan(query)


def test_unknown_document_and_nothing_to_search_for() -> None:
    with pytest.raises(QueryError, match="unknown document in doc:belarus-new-export") as err:
        plan("tractors doc:belarus-new-export")
    assert "did you mean doc:belarus-new-export-markets" in str(err.value)
    with pytest.raises(QueryError, match="only excludes or narrows"):
        plan("-tractors doc:belarus-new-export-markets")
    with pytest.raises(QueryError, match="too common"):
        plan("Pakistan -the")


def test_plan_terms_dense_text_and_filters() -> None:
    p = plan('"Great Stone" exports -tractors doc:belarus-new-export-markets')
    assert p.bm25_terms == ("great", "stone", "export")
    assert p.dense_text == "Great Stone exports"  # syntax removed
    assert p.doc_ids == frozenset({"belarus-new-export-markets"})
    assert p.filters
    assert not plan("tractors in Africa").filters


def test_prefix_and_fuzzy_expand_from_the_vocabulary() -> None:
    p = plan("tract* afrika~")
    assert p.expansions["tract*"] == ("tractor", "tract")
    assert p.expansions["afrika~"][0] == "africa"
    assert set(p.bm25_terms) >= {"tractor", "tract", "africa"}
    assert p.dense_text == "tract afrika"
    # A stem shorter than the prefix: "ministe*" still finds "minist" (minister, ministers).
    assert VOCAB.with_prefix("ministe") == ("minist",)
    assert VOCAB.with_prefix("Лукаш") == ("lukashenk",)  # romanised like the passages
    assert plan("afrika~1").expansions["afrika~1"] == ("africa",)  # african is 2 edits away


def test_phrase_checks_order_and_adjacency_by_position() -> None:
    great_stone = plan('"Great Stone"')
    stone_great = plan('"Stone Great"')
    text = terms_at("The China-Belarus Great Stone industrial park")
    assert great_stone.admits(text) and not stone_great.admits(text)
    assert not great_stone.admits(terms_at("a great deal of stone"))
    # Stop words hold their place: "Ministry of Foreign Affairs" is not "Ministry Foreign Affairs".
    ministry = plan('"Ministry of Foreign Affairs"')
    assert ministry.admits(terms_at("the Ministry of Foreign Affairs said"))
    assert not ministry.admits(terms_at("Ministry, Foreign Affairs"))


def test_exclusion_covers_stemmed_forms_phrases_and_prefixes() -> None:
    p = plan("Pakistan -tractors")
    assert not p.admits(terms_at("Pakistan buys a tractor"))
    assert not p.admits(terms_at("Tractors for Pakistan"))
    assert p.admits(terms_at("Pakistan buys trucks"))
    assert not plan('Pakistan -"Great Stone"').admits(terms_at("Great Stone and Pakistan"))
    assert not plan("Pakistan NOT tract*").admits(terms_at("tractors to Pakistan"))


def test_or_with_a_phrase_requires_one_alternative() -> None:
    p = plan('"Great Stone" OR Africa')
    assert p.admits(terms_at("African markets and Africa"))
    assert p.admits(terms_at("the Great Stone park"))
    assert not p.admits(terms_at("Pakistan"))
    assert not plan("Pakistan OR Africa").filters  # words alone are ranked, not required


def test_did_you_mean_corrects_only_words_the_collection_lacks() -> None:
    query = parse_query("tractr exports afrika")
    corrections = spelling_corrections(query, VOCAB)
    assert [(c.word.text, c.term) for c in corrections] == [
        ("tractr", "tractor"),
        ("afrika", "africa"),
    ]
    text = apply_corrections("tractr exports afrika", [(c.word, c.term) for c in corrections])
    assert text == "tractor exports africa"
    # "Brazil" is a real word the collection lacks: missing, not misspelt; no suggestion.
    assert spelling_corrections(parse_query("Brazil exports"), VOCAB) == []
    # Syntax is kept around a corrected word.
    query = parse_query('tractr -"Great Stone"')
    [fix] = spelling_corrections(query, VOCAB)
    assert apply_corrections('tractr -"Great Stone"', [(fix.word, "tractor")]) == (
        'tractor -"Great Stone"'
    )


def test_suggestion_shows_a_word_from_the_passages() -> None:
    texts = ["Belarusian tractors reached Africa", "one tractor plant in African markets"]
    assert surface_form("tractr", "tractor", texts) == "tractor"
    assert surface_form("Afrika", "africa", texts) == "Africa"
    assert surface_form("minsiter", "minist", []) == "minist"  # no passage: the term itself
    assert tokenize(surface_form("tractr", "tractor", texts)) == ["tractor"]


def test_finds_little() -> None:
    assert finds_little(bm25_matches=1, unknown_words=1, words=4)
    assert finds_little(bm25_matches=50, unknown_words=2, words=3)
    assert not finds_little(bm25_matches=50, unknown_words=1, words=4)


def test_suggestion_takes_words_from_the_passages() -> None:
    query = "tractr exports afrika?"
    corrections = spelling_corrections(parse_query(query), VOCAB)
    passages = {"tractor": ["Belarusian tractors and a tractor plant"], "africa": ["in Africa"]}
    fixes = spelled_from_passages(corrections, passages.__getitem__)
    assert apply_corrections(query, fixes) == "tractor exports africa?"  # the ? stays
    # A stem near the typed word whose passages' words are not near it: no suggestion.
    [consid] = spelling_corrections(parse_query("consignment"), Vocabulary({"consid": 3}))
    assert spelled_from_passages([consid], lambda term: ["they considered it"]) == []


def test_other_scripts_are_not_spelling_mistakes() -> None:
    vocab = Vocabulary({"stand": 5, "belarus": 40})
    assert spelling_corrections(parse_query("Какие страны граничат с Беларусью?"), vocab) == []


def test_doc_filters_narrow_the_documents_chosen() -> None:
    mine = plan(f"tractors doc:{DOCS[0]}")
    assert narrow_documents(None, mine, DOCS) == [DOCS[0]]
    assert narrow_documents(DOCS, mine, DOCS) == [DOCS[0]]
    with pytest.raises(QueryError, match="outside the documents chosen"):
        narrow_documents([DOCS[1]], mine, DOCS)
    assert narrow_documents(None, plan(f"tractors -doc:{DOCS[0]}"), DOCS) == [DOCS[1]]
    with pytest.raises(QueryError, match="leaves no document"):
        narrow_documents([DOCS[0]], plan(f"tractors -doc:{DOCS[0]}"), DOCS)
    assert narrow_documents(None, plan("tractors"), DOCS) is None


# ---- cites: ---------------------------------------------------------------------------------

NOTES = Vocabulary({"belta.by": 102, "eng.belta.by": 2, "belt": 102, "pivovar": 8, "e": 90})


def cites_plan(text: str):  # type: ignore[no-untyped-def]
    return plan_query(parse_query(text), VOCAB, DOCS, NOTES)


def test_cites_parses_a_domain_a_name_and_a_quoted_name() -> None:
    query = parse_query('tractors cites:belta.by -cites:Pivovar cites:"World Bank" NOT cites:x.org')
    assert query.clauses == (
        Word("tractors", 0, 8),
        CitesFilter("belta.by", 9, 23),
        Not(CitesFilter("Pivovar", 25, 38)),
        CitesFilter("World Bank", 39, 57, phrase=True),
        Not(CitesFilter("x.org", 62, 73)),
    )
    assert query.words == [Word("tractors", 0, 8)]  # a cites: value is no word to rank by


def test_cites_values_are_planned_against_the_notes() -> None:
    p = cites_plan("tractors cites:www.BelTA.by cites:Pivovar")
    assert [(c.keys, c.domain, c.known) for c in p.cites] == [
        (("belta.by",), True, True),
        (("pivovar",), False, True),
    ]
    assert p.cite_keys == ("belta.by", "pivovar")  # what the store filters on
    assert p.bm25_terms == ("tractor",) and p.dense_text == "tractors"
    assert not p.filters  # one key each: the store's filter is exact, nothing to check after
    # A domain no note links to is still a domain, not known; so is a name no note holds.
    [bz] = cites_plan("cites:belta.bz").cites
    assert bz.domain and not bz.known and bz.shown == "cites:belta.bz"
    assert not cites_plan("cites:Pivovr").cites[0].known
    # A dotted name the notes hold is a name ("E. Pivovar" is how the notes sign it).
    [name] = cites_plan("cites:E.Pivovar").cites
    assert not name.domain and name.keys == ("e", "pivovar") and name.known
    assert cites_plan("cites:E.Pivovar").filters  # two terms: one note must hold both
    assert cites_plan("tractors -cites:belta.by").filters
    # Without a note vocabulary (an index of no notes) nothing is known.
    assert not plan("cites:belta.by").cites[0].known


def test_cites_alone_asks_which_passages_cite_it_but_doc_alone_asks_nothing() -> None:
    p = cites_plan("cites:belta.by")
    assert p.narrows_only and p.dense_text == "" and p.bm25_terms == ()
    assert not cites_plan("tractors cites:belta.by").narrows_only
    with pytest.raises(QueryError, match="only excludes or narrows"):
        cites_plan(f"doc:{DOCS[0]}")
    p = cites_plan(f"cites:Pivovar doc:{DOCS[0]}")  # narrowed twice, still a question
    assert p.narrows_only and p.doc_ids == frozenset({DOCS[0]})


def test_cites_names_the_notes_that_cite_it(parsed_doc) -> None:  # type: ignore[no-untyped-def]
    notes = [
        Citation(f.n, f.note, f.urls, 0, f.label)
        for f in parsed_doc("belarus-new-export-markets").footnotes
    ]
    belta = {c.n for c in notes if any("belta.by" in u for u in c.urls)}
    pivovar = {c.n for c in notes if "Pivovar" in (c.note or "")}
    [by_domain, by_name] = cites_plan("cites:belta.by cites:Pivovar").cites
    assert {c.n for c in notes if by_domain.cited_by(c)} == belta
    assert {c.n for c in notes if by_name.cited_by(c)} == pivovar
    # A phrase is one note's words in order; the same words the other way round are not.
    [phrase] = cites_plan('cites:"Electronic resource"').cites
    [reversed_] = cites_plan('cites:"resource Electronic"').cites
    assert sum(phrase.cited_by(c) for c in notes) > 50
    assert not any(reversed_.cited_by(c) for c in notes)
    # A passage's notes: each cites: must name one of them, no -cites: any.
    one_pivovar = [next(c for c in notes if c.n in pivovar)]
    assert cites_plan("tractors cites:Pivovar").admits_notes(one_pivovar)
    assert not cites_plan("tractors -cites:Pivovar").admits_notes(one_pivovar)
    assert not cites_plan("tractors cites:Pivovar").admits_notes([])


def test_a_word_only_the_notes_hold_is_no_spelling_mistake() -> None:
    passages = Vocabulary({"pivova": 3, "export": 40})
    query = parse_query("Pivovar exports")
    assert [c.term for c in spelling_corrections(query, passages)] == ["pivova"]
    assert spelling_corrections(query, passages, NOTES.frequencies) == []
