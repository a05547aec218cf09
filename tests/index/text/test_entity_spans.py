"""Repairs of the tagger's spans (index/text/entity_spans.py), each on a real sentence of a
court opinion, a report or a whitepaper with the spans spaCy's en_core_web_sm gave it (a
stand-in tagger returns them, so no model loads)."""

from __future__ import annotations

from index.text.entities import tag_chunks
from tests.index.text.test_entities import _chunk, _mentions, _tagger


def _tag(text: str, spans: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    chunks = [_chunk(text)]
    tag_chunks(chunks, english=_tagger(spans))
    return [(kind, name) for kind, name in _mentions(chunks) if kind != "date"]


def test_a_span_over_a_line_break_is_cut_and_an_honorific_makes_a_person() -> None:
    # Travelers v. Dammann (3d Cir. 2010), its caption page.
    chunks = [_chunk("District Judge: Honorable Dickinson R. Debevoise\n\nArgued December 2, 2009")]
    tag_chunks(
        chunks, english=_tagger({"Honorable Dickinson R. Debevoise\n\nArgued": ("org", "ORG")})
    )
    (mention,) = chunks[0].entities
    assert (mention.kind, mention.text, mention.name) == (
        "person",
        "Honorable Dickinson R. Debevoise",
        "Dickinson R. Debevoise",
    )


def test_names_in_capitals_then_in_small_letters_are_two_names() -> None:
    text = (
        "COOPERATIVE BUSINESS INTERNATIONAL, INC.\n\nand NATIONWIDE MUTUAL INSURANCE COMPANY "
        "International Flavors & Fragrances Inc.,"
    )
    span = "NATIONWIDE MUTUAL INSURANCE COMPANY International Flavors & Fragrances Inc."
    assert _tag(text, {span: ("org", "ORG")}) == [
        ("org", "NATIONWIDE MUTUAL INSURANCE COMPANY"),
        ("org", "International Flavors & Fragrances Inc."),
    ]


def test_a_persons_name_keeps_its_suffix_and_its_last_word() -> None:
    text = "Frank E. Borowsky, Jr. (Argued)\n\nMichael J. Frantz, Jr."
    spans = {
        "Frank E. Borowsky": ("person", "PERSON"),
        "Michael J. Frantz": ("person", "PERSON"),
        "Jr.": ("person", "PERSON"),
    }
    assert _tag(text, spans) == [
        ("person", "Frank E. Borowsky, Jr."),
        ("person", "Michael J. Frantz, Jr."),
    ]
    text = (
        "Lukashenko met with Venezuelan president's special envoy Adán Chávez Frías on October 7."
    )
    spans = {"Adán Chávez": ("person", "PERSON"), "Frías": ("place", "GPE")}
    assert _tag(text, spans) == [("person", "Adán Chávez Frías")]


def test_a_person_is_written_with_a_capital_and_without_a_trailing_word() -> None:
    text = (
        "Among the exporters are KolorMaster (polyvinyl chloride). In its third-party "
        "compl aint, Dammann al leged i t had bought t he contaminated beans from CBI."
    )
    spans = {
        "KolorMaster": ("org", "ORG"),
        "polyvinyl chloride": ("person", "PERSON"),
        "Dammann al": ("person", "PERSON"),
        "CBI": ("org", "ORG"),
    }
    assert _tag(text, spans) == [("org", "KolorMaster"), ("person", "Dammann"), ("org", "CBI")]


def test_a_company_takes_in_its_legal_form_and_the_name_before_it() -> None:
    text = (
        "Among the exporters are Milkavita OJSC, Kalinkovichi Dairy Plant UE (milk powder), "
        "Svetlogorsk Khimvolokno OJSC (chemical yarns). Four entities operate: Silk Road "
        "International LLC and OOO Molodechnomebel Trading House."
    )
    spans = {
        "Milkavita OJSC": ("person", "PERSON"),
        "Kalinkovichi Dairy Plant": ("person", "PERSON"),
        "Khimvolokno OJSC": ("person", "PERSON"),
    }
    assert _tag(text, spans) == [
        ("org", "Milkavita OJSC"),
        ("org", "Kalinkovichi Dairy Plant UE"),
        ("org", "Svetlogorsk Khimvolokno OJSC"),
        ("org", "Silk Road International LLC"),
        ("org", "OOO Molodechnomebel Trading House"),
    ]


def test_names_listed_with_companies_are_companies() -> None:
    text = (
        "Belarusian enterprises such as Gomselmash, Minsk Tractor Works, Mogilevliftmash, "
        "Minsk Automobile Plant, Amkodor. The enterprises presented their products in Hanoi: "
        "Belsolod, Spartak, Minskkristall, Minsk Sparkling Wine Factory, Slodych, Kommunarka, "
        "Krasny Pospelik, Mashpischeprod, Lidapischekontserty, Malorit."
    )
    spans = {
        "Belarusian": ("place", "NORP"),
        "Gomselmash": ("place", "GPE"),
        "Minsk Tractor Works": ("org", "ORG"),
        "Mogilevliftmash": ("person", "PERSON"),
        "Minsk Automobile Plant": ("org", "ORG"),
        "Amkodor": ("person", "PERSON"),
        "Hanoi": ("place", "GPE"),
        "Belsolod": ("org", "ORG"),
        "Spartak": ("org", "ORG"),
        "Minskkristall": ("place", "GPE"),
        "Minsk Sparkling Wine Factory": ("org", "ORG"),
        "Slodych": ("place", "GPE"),
        "Kommunarka": ("person", "PERSON"),
        "Krasny Pospelik": ("org", "ORG"),
        "Lidapischekontserty": ("person", "PERSON"),
        "Malorit": ("org", "ORG"),
    }
    found = _tag(text, spans)
    assert found[:2] == [("place", "Belarusian"), ("org", "Gomselmash")]
    assert [kind for kind, _ in found[2:6]] == ["org"] * 4
    assert ("place", "Hanoi") in found and ("org", "Mashpischeprod") in found
    assert {kind for kind, name in found if name not in ("Belarusian", "Hanoi")} == {"org"}


def test_a_companys_short_name_is_the_company_across_the_document() -> None:
    # The caption names "Dammann & Co., Inc."; the opinion then says "Dammann", which the
    # tagger reads as a person; a city opening a company's name stays a place.
    chunks = [
        _chunk("DAMMANN & CO., INC. v. COOPERATIVE BUSINESS INTERNATIONAL, INC.", 0),
        _chunk("Dammann also filed a third-party complaint. Minsk Tractor Works OJSC grew.", 1),
        _chunk("Trade with Minsk grew.", 2),
    ]
    english = _tagger(
        {
            "DAMMANN & CO.": ("org", "ORG"),
            "Dammann": ("person", "PERSON"),
            "Minsk Tractor Works OJSC": ("org", "ORG"),
            "Minsk": ("place", "GPE"),
        }
    )
    tag_chunks(chunks, english=english)
    kinds = {(m.kind, m.text) for c in chunks for m in c.entities}
    assert ("org", "DAMMANN & CO., INC.") in kinds and ("org", "Dammann") in kinds
    assert ("person", "Dammann") not in kinds and ("place", "Minsk") in kinds
    dammann = {m.key for c in chunks for m in c.entities if m.text.lower().startswith("dammann")}
    assert len(dammann) == 1


def test_the_places_of_an_address_the_names_of_judges_and_a_partnership() -> None:
    text = (
        "Leary, Bride, Tinker & Moran\n\n7 Ridgedale Avenue\n\nCedar Knolls, NJ 07927\n\n"
        "Before: FISHER, HARDIMAN and\n\nSTAPLETON, Circuit Judges.\n\nGUSTAFSON, Judge: "
    )
    spans = {
        "Cedar Knolls": ("person", "PERSON"),
        "NJ 07927": ("org", "ORG"),
        "HARDIMAN": ("org", "ORG"),
        "GUSTAFSON": ("org", "ORG"),
    }
    assert _tag(text, spans) == [
        ("org", "Leary, Bride, Tinker & Moran"),
        ("place", "Cedar Knolls"),
        ("place", "NJ"),
        ("person", "FISHER"),
        ("person", "HARDIMAN"),
        ("person", "STAPLETON"),
        ("person", "GUSTAFSON"),
    ]


def test_a_court_is_one_organisation_with_the_places_in_its_name() -> None:
    text = "On Appeal from the United States District Court for the District of New Jersey"
    spans = {
        "the United States": ("place", "GPE"),
        "the District of New Jersey": ("place", "GPE"),
    }
    assert _tag(text, spans) == [
        ("org", "United States District Court for the District of New Jersey")
    ]


def test_countries_joined_by_a_hyphen_a_direction_and_a_line_opening_word() -> None:
    text = (
        "Participants in the Belarusian-Afghan interaction. Export to this South-East Asian "
        "country.\n\n• Extending political support"
    )
    spans = {
        "Belarusian-Afghan": ("place", "LOC"),
        "South-East": ("place", "LOC"),
        "• Extending": ("org", "ORG"),
    }
    assert _tag(text, spans) == [("place", "Belarusian"), ("place", "Afghan")]


def test_a_span_ends_where_markup_or_an_address_begins() -> None:
    # The Rust blog's "Announcing the Keyword Generics Initiative" (a Markdown reference link)
    # and OpenOffice.org's Excel file format documentation (an author's mail link).
    text = (
        "We are excited to announce the start of the [Keyword Generics Initiative][kwi].\n"
        "Author\n\nDaniel Rentz ✉ mailto:dr@openoffice.org"
    )
    spans = {
        "Keyword Generics Initiative][kwi": ("org", "ORG"),
        "Daniel Rentz ✉": ("person", "PERSON"),
    }
    assert _tag(text, spans) == [
        ("org", "Keyword Generics Initiative"),
        ("person", "Daniel Rentz"),
    ]


def test_a_path_or_words_joined_by_slashes_name_nothing() -> None:
    # The Ethereum yellow paper's references and the CNCF supply chain whitepaper (v1).
    text = (
        "URL https://eips.ethereum. org/EIPS/eip-2930.\n"
        "Our target audience are Architects, Developers, Project/Product/Program Managers."
    )
    spans = {
        "org/EIPS/eip-2930": ("org", "ORG"),
        "Project/Product/Program Managers": ("org", "ORG"),
    }
    assert _tag(text, spans) == []


def test_a_person_has_no_digit_and_no_leader_of_dots() -> None:
    # The Waste Land's rear notes (a line number after a word) and the CNCF whitepaper's
    # table of contents; the Ethereum paper's "Vitalik Buterin" stays a person.
    text = (
        "Ta ta. Goonight.170\n"
        "Appendix II - Software Groups........................\n"
        "Vitalik Buterin and Martin Swende. EIP-3529: Reduction in refunds, April 2021."
    )
    spans = {
        "Goonight.170": ("person", "PERSON"),
        "Appendix II - Software Groups........................": ("person", "PERSON"),
        "Vitalik Buterin": ("person", "PERSON"),
    }
    assert _tag(text, spans) == [("person", "Vitalik Buterin")]


def test_the_last_company_of_a_list_after_and_is_one_too() -> None:
    # belarus-asia-prospects-for-cooperation.txt: spaCy tagged four companies, "Amkodor" a
    # place and passed "Integral" by.
    text = (
        "And such exporters as BelAZ, BMZ, MAZ, MTZ, Amkodor and Integral have good "
        "opportunities for expanding supplies here."
    )
    spans = {n: ("org", "ORG") for n in ("BelAZ", "BMZ", "MAZ", "MTZ")}
    spans["Amkodor"] = ("place", "GPE")
    assert _tag(text, spans) == [
        ("org", "BelAZ"),
        ("org", "BMZ"),
        ("org", "MAZ"),
        ("org", "MTZ"),
        ("org", "Amkodor"),
        ("org", "Integral"),
    ]


def test_a_name_in_a_list_of_peoples_full_names_is_a_person() -> None:
    # The OpenOffice.org Excel file format's title page: the first contributor comes at the
    # end of a span spaCy ran over four lines and called an organisation.
    text = (
        "http://sc.openoffice.org\n\nLicense\n\nPublic Documentation License\n\nContributors"
        "\n\nYves Hiltpold, James J. Keene, Sami Kuhmonen, John Marmion, Alexander Mavrin"
    )
    run = "http://sc.openoffice.org\n\nLicense\n\nPublic Documentation License\n\nContributors"
    spans = {f"{run}\n\nYves Hiltpold": ("org", "ORG")}
    spans |= {n: ("person", "PERSON") for n in ("James J. Keene", "Sami Kuhmonen", "John Marmion")}
    spans["Alexander Mavrin"] = ("person", "PERSON")
    found = _tag(text, spans)
    assert ("person", "Yves Hiltpold") in found and ("org", "Yves Hiltpold") not in found


def test_a_name_in_quotation_marks_after_its_descriptor_is_the_name() -> None:
    # belarus-new-export-markets.txt: spaCy ran the park's descriptor into its quoted name.
    text = (
        'In addition, they reviewed "the opportunities for Pakistani enterprises to do business '
        'in the framework of the Industrial Park "Great Stone", the main directions of the new '
        "automotive development policy in Pakistan"
    )
    spans = {
        "Pakistani": ("place", "NORP"),
        'the Industrial Park "Great Stone': ("org", "ORG"),
        "Pakistan ": ("place", "GPE"),
    }
    found = _tag(text, spans)
    assert ("org", "Great Stone") in found and ("org", "Industrial Park") not in found


def test_a_partnership_of_names_the_tagger_passed_by_is_an_organisation() -> None:
    # Travelers v. Dammann (3d Cir. 2010), its counsel: no span on the firm, one on the box.
    text = (
        "Frank E. Borowsky, Jr. (Argued)\n\nBorowsky & Borowsky\n\n59 Avenue at the Common\n\n"
        "Robert G. Rose (Argued)\n\nDay Pitney\n\nP.O. Box 1945\n\nMorristown, NJ 07962"
    )
    spans = {
        "Frank E. Borowsky": ("person", "PERSON"),
        "Robert G. Rose": ("person", "PERSON"),
        "P.O. Box": ("org", "ORG"),
    }
    found = _tag(text, spans)
    assert ("org", "Borowsky & Borowsky") in found
    assert ("org", "P.O. Box") not in found
