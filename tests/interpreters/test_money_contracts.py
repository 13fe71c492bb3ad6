"""Issue 9's contracts through the API, as an outside check calls them: the price estimate's rows
for every tier boundary and surcharge case, the specialist levels, and bad parameters."""

import pytest
from rest_framework.test import APIClient

from tests.interpreters.factories import seed_price_lists

ESTIMATE = "/api/v1/price-estimate/"
KINDS = {
    "base",
    "step",
    "over_max",
    "unsocial",
    "weekend",
    "big_holiday",
    "social_charges",
    "admin_charge",
    "broker_fee",
}


@pytest.fixture(autouse=True)
def lists(db):
    return seed_price_lists()


@pytest.fixture
def api(officer):
    client = APIClient()
    client.force_authenticate(officer)
    return client


def estimate(api, *, start="2024-03-04T10:00:00+01:00", minutes=60, competence="ovrig", **extra):
    query = {"language": "ar", "modality": "phone", "competence": competence, "minutes": minutes, **extra}
    if start is not None:
        query["start"] = start
    response = api.get(ESTIMATE, query)
    assert response.status_code == 200, response.content
    body = response.json()
    assert {row["kind"] for row in body["rows"]} <= KINDS
    assert body["total_ore"] == sum(row["amount_ore"] for row in body["rows"])
    for row in body["rows"]:
        if row["kind"] not in ("social_charges", "admin_charge"):
            assert row["amount_ore"] == row["quantity"] * row["unit_price_ore"], row
    return {row["kind"]: row for row in body["rows"]}, body["total_ore"]


@pytest.mark.parametrize(
    ("minutes", "steps", "over_max"),
    [(59, 0, 0), (60, 0, 0), (61, 1, 0), (89, 1, 0), (90, 1, 0), (91, 2, 0), (329, 9, 0), (330, 9, 0), (331, 9, 1)],
)
def test_tier_boundaries_are_rows_of_their_own(api, minutes, steps, over_max):
    rows, _total = estimate(api, minutes=minutes)
    assert (rows["base"]["quantity"], rows["base"]["unit_price_ore"]) == (1, 33300)
    assert rows.get("step", {"quantity": 0})["quantity"] == steps
    assert rows.get("over_max", {"quantity": 0})["quantity"] == over_max
    if over_max:
        assert rows["over_max"]["unit_price_ore"] == 14400  # beyond 330 minutes the step price continues
    assert rows["broker_fee"]["amount_ore"] == 8500
    fee = sum(rows[k]["amount_ore"] for k in ("base", "step", "over_max") if k in rows)
    assert rows["social_charges"]["quantity"] == rows["admin_charge"]["quantity"] == fee


@pytest.mark.parametrize(
    ("start", "minutes", "surcharges"),
    [
        ("2024-03-04T17:30:00+01:00", 60, {"unsocial": 1}),  # across 18:00 on a Monday
        ("2024-03-04T06:30:00+01:00", 60, {"unsocial": 1}),  # before 07:00
        ("2024-03-09T10:00:00+01:00", 60, {"weekend": 2}),  # a Saturday
        ("2024-12-25T10:00:00+01:00", 60, {"big_holiday": 2}),  # juldagen
        ("2024-10-27T01:30:00+02:00", 120, {"weekend": 4}),  # DST night (a Sunday): 120 real minutes
        ("2024-03-04T10:00:00+01:00", 60, {}),
    ],
)
def test_surcharges_per_started_half_hour(api, start, minutes, surcharges):
    rows, _total = estimate(api, start=start, minutes=minutes, competence="utbildad")
    for kind in ("unsocial", "weekend", "big_holiday"):
        assert rows.get(kind, {"quantity": 0})["quantity"] == surcharges.get(kind, 0), kind


def test_both_specialist_levels_are_priced_as_specialist(api):
    _rows, health = estimate(api, competence="sjukvardstolk", minutes=61)
    _rows, legal = estimate(api, competence="rattstolk", minutes=61)
    rows, _total = estimate(api, competence="auktoriserad", minutes=61)
    assert health == legal == 84000 + 26393 + 588 + 8500
    assert rows["base"]["unit_price_ore"] == 45400


def test_without_start_an_on_demand_call_now_is_priced(api):
    rows, total = estimate(api, start=None, minutes=20)
    assert rows["base"]["unit_price_ore"] in (17000,)  # the on-demand list's minimum
    assert total > 0


@pytest.mark.parametrize(
    "query",
    [
        {"modality": "phone", "competence": "ovrig", "minutes": 30},  # no language
        {"language": "ar", "competence": "ovrig", "minutes": 30},  # no modality
        {"language": "ar", "modality": "phone", "minutes": 30},  # no competence
        {"language": "ar", "modality": "phone", "competence": "ovrig"},  # no minutes
        {"language": "ar", "modality": "on_site", "competence": "ovrig", "minutes": 30},
        {"language": "ar", "modality": "phone", "competence": "specialist", "minutes": 30},
        {"language": "ar", "modality": "phone", "competence": "ovrig", "minutes": -1},
        {"language": "ar", "modality": "phone", "competence": "ovrig", "minutes": 0},
        {"language": "ar", "modality": "phone", "competence": "ovrig", "minutes": 100000},
        {"language": "ar", "modality": "phone", "competence": "ovrig", "minutes": "ten"},
        {"language": "ar", "modality": "phone", "competence": "ovrig", "minutes": 30, "start": "2024-03-04T10:00"},
        {"language": "ar", "modality": "phone", "competence": "ovrig", "minutes": 30, "start": "yesterday"},
        {
            "language": "ar",
            "modality": "phone",
            "competence": "ovrig",
            "minutes": 30,
            "start": "2024-13-01T10:00+01:00",
        },
        {"language": "!!", "modality": "phone", "competence": "ovrig", "minutes": 30},
    ],
)
def test_bad_or_missing_parameters_are_400(api, query):
    assert api.get(ESTIMATE, query).status_code == 400
