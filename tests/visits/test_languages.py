import pytest

from visits.errors import DomainError
from visits.languages import language_names, normalize_language_tag


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("prs", "prs"), ("PRS", "prs"), ("ku-arab", "ku-Arab"), ("ar_sy", "ar-SY"), (" ckb ", "ckb"), ("kmr", "kmr")],
)
def test_it_normalises_case_and_keeps_individual_codes(raw, canonical):
    assert normalize_language_tag(raw) == canonical


@pytest.mark.parametrize("bad", ["", "xx", "klingon", "ar--SY", "a" * 40, "12"])
def test_it_rejects_invalid_tags_on_the_language_field(bad):
    with pytest.raises(DomainError) as err:
        normalize_language_tag(bad)
    assert list(err.value.as_dict()) == ["language"]


def test_names_come_from_cldr_in_swedish_english_and_own_script():
    names = language_names("ar")
    assert (names.name_sv, names.name_en, names.endonym, names.rtl) == ("arabiska", "Arabic", "العربية", True)
    assert language_names("ti").endonym == "ትግርኛ"
    assert language_names("pl").rtl is False


def test_tags_cldr_lacks_get_the_override_names():
    dari = language_names("prs")
    assert (dari.name_sv, dari.name_en, dari.rtl) == ("dari", "Dari", True)
    assert language_names("kmr").name_sv == "kurmanji"


def test_region_variants_are_qualified_by_cldr_region_names():
    assert language_names("ar-SY").name_sv == "arabiska (Syrien)"
    assert language_names("ar-SY").name_en == "Arabic (Syria)"
