"""The demo's reference data (visits/reference_data.py) is spelled as plain values because visits
must not import interpreters: every value must be one the models accept."""

from interpreters.models import CompetenceLevel, Gender, Modality, PriceLevel
from visits.languages import normalize_language_tag
from visits.models import County
from visits.reference_data import (
    AUTHORITIES,
    DEMO_AGENCIES,
    DEMO_INTERPRETERS,
    FRAMEWORK_2024_KR,
    LANGUAGE_CODES,
    OFFICES,
    ON_DEMAND_2024_KR,
)


def test_choice_values_are_the_models_values():
    assert {county for _name, _municipality, county in OFFICES} <= set(County.values)
    for agency in DEMO_AGENCIES:
        assert set(agency.modalities) <= set(Modality.values), agency.slug
        assert set(agency.languages or []) <= set(LANGUAGE_CODES), agency.slug
    slugs = {agency.slug for agency in DEMO_AGENCIES}
    for slug, _name, _languages, gender, competence, _phone in DEMO_INTERPRETERS:
        assert slug in slugs and gender in Gender.values and competence in CompetenceLevel.values
    assert set(FRAMEWORK_2024_KR) == set(ON_DEMAND_2024_KR) == set(PriceLevel.values)


def test_names_and_codes_are_unique_and_shares_add_up():
    assert len({name for name, _m, _c in OFFICES}) == len(OFFICES)
    assert len(set(LANGUAGE_CODES)) == len(LANGUAGE_CODES)
    assert all(normalize_language_tag(code) == code for code in LANGUAGE_CODES)
    assert abs(sum(share for _c, _n, share in AUTHORITIES) - 1) < 1e-9
    assert abs(sum(agency.share for agency in DEMO_AGENCIES) - 1) < 1e-9
