"""The picker finds the names people say (catalogue search words), and an uncatalogued tag still
gets a readable label."""

import pytest

from tests.factories import LanguageFactory
from visits.languages import language_names
from visits.picker import label_for_language, language_label
from visits.reference_data import LANGUAGE_CODES, LANGUAGE_SEARCH_ALIASES


@pytest.mark.parametrize(
    ("said", "codes"),
    [
        ("farsi", {"fa", "prs"}),
        ("sorani", {"ckb"}),
        ("badini", {"kmr"}),
        ("mandarin", {"zh"}),
        ("kurdiska", {"ckb", "kmr"}),
    ],
)
def test_search_words_find_the_languages_people_name(db, said, codes):
    tiles = [
        label_for_language(LanguageFactory(code=code, search_aliases=LANGUAGE_SEARCH_ALIASES.get(code, "")))
        for code in LANGUAGE_CODES
    ]
    assert {tile.code for tile in tiles if said in tile.search_text.lower()} == codes


def test_every_kurdish_variety_is_found_by_kurdiska():
    kurdish = {code for code, words in LANGUAGE_SEARCH_ALIASES.items() if "kurdiska" in words}
    assert {"ckb", "kmr", "sdh", "ku", "kur"} <= kurdish


def test_a_three_letter_code_gets_the_name_of_its_two_letter_twin():
    names = language_names("kur")
    assert (names.name_sv, names.name_en) == ("kurdiska", "Kurdish")
    assert language_label("kur", overrides={}).name_sv == "kurdiska"  # no catalogue row: CLDR alone


def test_an_unnamed_code_reads_as_a_language_code_not_the_code_twice():
    names = language_names("xyz")
    assert names.name_sv == "språkkod xyz" and names.name_en == "language code xyz"
