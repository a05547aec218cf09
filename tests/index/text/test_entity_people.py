"""People named by the form of the text (index/text/entity_people.py), each on a real sentence of
a manual, an abstract, a whitepaper or a court opinion with the spans spaCy's en_core_web_sm
gave it (a stand-in tagger returns them, so no model loads)."""

from __future__ import annotations

from index.text.entities import tag_chunks
from tests.index.text.test_entities import _chunk, _mentions, _tagger


def _tag(texts: list[str], spans: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    chunks = [_chunk(text, n) for n, text in enumerate(texts)]
    tag_chunks(chunks, english=_tagger(spans))
    return [(kind, name) for kind, name in _mentions(chunks) if kind != "date"]


def test_names_of_initials_and_a_surname_are_people_even_joined_by_an_ampersand() -> None:
    # R-intro.pdf, its title page; CISI abstract 803.
    text = "Copyright c© 1992 W. N. Venables & D. M. Smith\n\nCopyright c© 1997 R. Gentleman & R. Ihaka"
    spans = {
        "W. N. Venables & D. M. Smith": ("org", "ORG"),
        "R. Gentleman & R. Ihaka": ("org", "ORG"),
    }
    assert _tag([text], spans) == [
        ("person", "W. N. Venables"),
        ("person", "D. M. Smith"),
        ("person", "R. Gentleman"),
        ("person", "R. Ihaka"),
    ]
    text = (
        "The term 'informatics' was first advanced formally by the Director of Viniti, "
        "A.I. Mikhailov, and his colleagues A.I. Chernyi and R.S. Gilyarevskii, in their paper"
    )
    spans = {
        "Viniti": ("org", "ORG"),
        "A.I. Mikhailov": ("org", "ORG"),
        "A.I. Chernyi": ("org", "ORG"),
        "R.S. Gilyarevskii": ("person", "PERSON"),
    }
    assert _tag([text], spans) == [
        ("org", "Viniti"),
        ("person", "A.I. Mikhailov"),
        ("person", "A.I. Chernyi"),
        ("person", "R.S. Gilyarevskii"),
    ]


def test_initials_before_an_address_word_or_a_part_of_a_document_name_no_one() -> None:
    text = "Day Pitney LLP, P.O. Box 1945, Morristown. See Appendix A. Blockchain Paradigm."
    spans = {"P.O. Box": ("org", "ORG"), "Appendix A. Blockchain Paradigm": ("person", "PERSON")}
    assert ("person", "P.O. Box") not in _tag([text], spans)
    assert ("person", "A. Blockchain") not in _tag([text], spans)


def test_authors_cited_by_year_are_people() -> None:
    # The Ethereum yellow paper, its introduction.
    text = (
        "Dwork and Naor [1992] provided the first work into the usage of a cryptographic proof. "
        "Back [2002] later produced a system in a similar vein. Early work on smart contracts "
        "has been done by Szabo [1997] and Miller [1997]."
    )
    spans = {"Naor": ("org", "ORG"), "Szabo": ("place", "GPE"), "Miller": ("person", "PERSON")}
    assert _tag([text], spans) == [
        ("person", "Dwork"),
        ("person", "Naor"),
        ("person", "Back"),
        ("person", "Szabo"),
        ("person", "Miller"),
    ]


def test_a_partys_role_is_no_name_and_is_cut_from_the_name_it_opens() -> None:
    # Travelers v. Dammann (3d Cir. 2010), its counsel; Bordelon v. Commissioner (T.C. 2020).
    text = (
        "Counsel for Appellee, Dammann & Co.\n\nGeorge A. Prutting, Jr. (Argued)\n\n"
        "Counsel for Appellee, The\n\nTravelers Indemnity Company"
    )
    spans = {
        "Appellee, Dammann & Co.": ("org", "ORG"),
        "George A. Prutting": ("person", "PERSON"),
        "Appellee": ("person", "PERSON"),
        "The\n\nTravelers Indemnity Company": ("org", "ORG"),
    }
    assert _tag([text], spans) == [
        ("org", "Dammann & Co."),
        ("person", "George A. Prutting, Jr."),
        ("org", "Travelers Indemnity Company"),
    ]
    text = "Petitioners Rock Bordelon and Torie Bordelon resided in Louisiana."
    spans = {
        "Petitioners Rock Bordelon": ("person", "PERSON"),
        "Torie Bordelon": ("person", "PERSON"),
        "Louisiana": ("place", "GPE"),
    }
    assert _tag([text], spans)[0] == ("person", "Rock Bordelon")


def test_a_surname_or_its_plural_tagged_an_organisation_is_the_person() -> None:
    # Bordelon v. Commissioner (T.C. 2020): "Rock Bordelon" first, "the Bordelons" after.
    texts = [
        "Rock Bordelon and Torie Bordelon resided in Louisiana.",
        "The Bordelons resided in Louisiana when they filed their petitions. For 2008 and "
        "2009, the Bordelons properly filed their Forms 1040.",
    ]
    spans = {
        "Rock Bordelon": ("person", "PERSON"),
        "Torie Bordelon": ("person", "PERSON"),
        "Louisiana": ("place", "GPE"),
        "Bordelons": ("org", "ORG"),
    }
    found = _tag(texts, spans)
    assert found.count(("person", "Bordelons")) == 2 and ("org", "Bordelons") not in found


def test_a_name_of_initials_the_tagger_passed_by_is_a_person_when_its_surname_is_no_word() -> None:
    # The Ethereum yellow paper, its references: spaCy took "B.A. Davey and" alone.
    text = "B.A. Davey and H.A. Priestley. Introduction to Lattices and Order."
    assert _tag([text], {"B.A. Davey and": ("org", "ORG")}) == [
        ("person", "B.A. Davey"),
        ("person", "H.A. Priestley"),
    ]


def test_names_one_a_line_under_authors_or_reviewers_are_people() -> None:
    # The CNCF supply chain best practices (v2), its title page: spaCy found four of the
    # eight names; "Original White Paper" is a line under "Authors" too.
    text = (
        "SOFTWARE\n\nSUPPLY CHAIN\n\nBEST PRACTICES\n\nV2\n\nAuthors\n\nOriginal White Paper\n\n"
        "authors\n\nMarina Moore\n\nMichael Lieberman\n\nJohn Kjell\n\nJames Carnegie\n\n"
        "Ben Cotton\n\nAditya Sirish A Yelgundhalli\n\nReviewers\n\nAonan Guan\n\nJustin Cappos"
        "\n\nPublished\n\nxxxxxxxxx\n\nSCOPE\n\nThis new publication modernizes the original."
    )
    spans = {n: ("person", "PERSON") for n in ("Michael Lieberman", "John Kjell", "Ben Cotton")}
    spans["James Carnegie"] = ("person", "PERSON")
    people = [name for kind, name in _tag([text], spans) if kind == "person"]
    assert people == [
        "Marina Moore",
        "Michael Lieberman",
        "John Kjell",
        "James Carnegie",
        "Ben Cotton",
        "Aditya Sirish A Yelgundhalli",
        "Aonan Guan",
        "Justin Cappos",
    ]
    # pakistan-belarus-relations-akram-2021.txt: spaCy ran the title into "Author".
    text = (
        "Reinvigorating Pakistan-Belarus Relations\n\nAuthor\n\nKhalid Taimur Akram\n\n"
        "Executive Director,\n\nPakistan Research Center for a Community with Shared Future "
        "(PRCCSF), Islamabad"
    )
    spans = {
        "Reinvigorating Pakistan-Belarus Relations\n\nAuthor\n\n": ("org", "ORG"),
        "Pakistan Research Center": ("org", "ORG"),
        "Islamabad": ("place", "GPE"),
    }
    assert ("person", "Khalid Taimur Akram") in _tag([text], spans)


def test_a_name_the_document_writes_as_a_things_is_no_person() -> None:
    # Google's SRE book, "Practical Alerting": Gmail and Workqueue are systems.
    text = (
        "In the very early days of Gmail, the service was built on a retrofitted distributed "
        "process management system called Workqueue. Workqueue was adapted to long-lived "
        "processes and subsequently applied to Gmail, but certain bugs in the relatively "
        "opaque codebase in the scheduler proved hard to beat.\n\nAt that time, the Gmail "
        "monitoring was structured such that alerts fired when individual tasks were "
        "de-scheduled by Workqueue."
    )
    spans = {"Gmail": ("person", "PERSON"), "Workqueue": ("person", "PERSON")}
    assert ("person", "Gmail") not in _tag([text], spans)
    # A surname of the document's full name stays a person ("the Lukashenko regime").
    texts = [
        "Belarusian President Alexander Lukashenko met the minister.",
        "Sanctions against the Lukashenko regime were lifted; Lukashenko thanked Pakistan.",
    ]
    spans = {"Alexander Lukashenko": ("person", "PERSON"), "Lukashenko": ("person", "PERSON")}
    assert _tag(texts, spans).count(("person", "Lukashenko")) == 2
