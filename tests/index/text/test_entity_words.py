"""Capitalised common words are no organisations (index/text/entity_words.py), each on real text
of an abstract, a test suite or an RFC with the spans spaCy's en_core_web_sm gave it (a stand-in
tagger returns them, so no model loads)."""

from __future__ import annotations

from tests.index.text.test_entity_people import _tag


def test_a_headings_phrase_of_english_words_is_no_organisation() -> None:
    # CISI abstract 949: its title, then the first sentence.
    text = (
        "Library Practice in Hospitals\n\nAccording to a National Hospital Panel Survey "
        "conducted by the American Hospital Association in February 1970, 4,191 (72 percent) "
        "of the 5,820 community hospitals in the United States operated a library."
    )
    spans = {
        "Library Practice": ("org", "ORG"),
        "the American Hospital Association": ("org", "ORG"),
        "the United States": ("place", "GPE"),
    }
    assert _tag([text], spans) == [
        ("org", "American Hospital Association"),
        ("place", "United States"),
    ]


def test_an_organisation_in_a_heading_built_on_its_head_word_stays() -> None:
    # RFC 3392 (the Rust Leadership Council): a section's heading.
    text = "### Relationship to the Rust Foundation\n\nThe Council is responsible for the process."
    spans = {"Rust Foundation": ("org", "ORG"), "Council": ("org", "ORG")}
    assert _tag([text], spans) == [("org", "Rust Foundation"), ("org", "Council")]


def test_one_english_word_the_document_writes_in_small_letters_too_is_no_organisation() -> None:
    # The CNCF supply chain best practices (v1): "a Base OS" after "a base container image".
    texts = [
        "A container build starts with a base container image: effectively the filesystem "
        "from which a derived container is built.",
        "Organizations should investigate a distro supplier’s processes and uniformly "
        "implement a Base OS for all containers.",
    ]
    assert _tag(texts, {"Base": ("org", "ORG")}) == []
    # Named with "the", it is one (RFC 3392 writes "the council" and "The Council").
    texts = [
        "The council defaults to the consent decision making process for all decisions.",
        "The Council is responsible for establishing the process for selecting Project directors.",
    ]
    assert _tag(texts, {"Council": ("org", "ORG")}) == [("org", "Council")]


def test_a_word_no_dictionary_holds_is_common_when_the_text_writes_it_small() -> None:
    # CISI abstract 803: "the term 'informatics'", then "their paper Informatics".
    text = (
        "The term 'informatics' was first advanced formally by the Director of Viniti in their "
        "paper Informatics - new name for the theory of Scientific Information published at "
        "the end of 1966. Their definition is as stated above but they are careful to add the "
        "rider that Informatics does not investigate the specific content of scientific "
        "information."
    )
    spans = {"Viniti": ("org", "ORG"), "Informatics": ("org", "ORG")}
    assert _tag([text], spans) == [("org", "Viniti")]
