"""GET /api/v1/reports/usage/ over the hand-computed world: every group_by, periods, bad parameters
(400 with the field's message, never 500) and the rows a manager may see. Which principal may call
the endpoint at all is tests/test_access_matrix.py's job."""

import pytest

from tests.visits.reports.data import DAY

URL = "/api/v1/reports/usage/"
DAY_PARAMS = {"from": DAY.isoformat(), "to": DAY.isoformat()}


@pytest.fixture
def manager(manager_of, world):
    return manager_of(world.kiruna)


def get(client, **params):
    return client.get(URL, {**DAY_PARAMS, **params})


def test_the_total_report_carries_every_measure(admin):
    body = get(admin).json()

    assert (body["from"], body["to"], body["group_by"], body["period"]) == ("2026-03-10", "2026-03-10", "none", "total")
    (row,) = body["rows"]
    assert row["group"] is None and row["period"] is None and row["outlier"] is False
    expected = {
        "visits": 13, "need": 11, "need_unsure": 1, "need_declined": 1, "wanted": 8, "wanted_used": 3,
        "use_rate": 0.375, "gap": 5, "bookings": 6, "bookings_confirmed": 4, "bookings_completed": 2,
        "bookings_failed": 1, "bookings_cancelled": 1, "bookings_no_show": 1, "fulfilment_rate": 0.5,
        "connect_median_s": 120, "connect_p90_s": 1200, "minutes": 55, "cost_ore": 81975,
    }  # fmt: skip
    assert {key: row[key] for key in expected} == expected
    assert row["gap_by_reason"] == {
        "multilingual_staff": 1, "relative": 1, "child": 0, "english": 0, "visitor_declined": 0,
        "none_available": 1, "took_too_long": 0, "visitor_left": 0, "solved_without": 0, "unrecorded": 2,
    }  # fmt: skip
    assert row["use_rate_ci_low"] == pytest.approx(0.1368, abs=5e-5)  # Wilson 3 of 8
    assert row["use_rate_ci_high"] == pytest.approx(0.6943, abs=5e-5)
    assert body["national"] == {
        k: v for k, v in row.items() if k not in ("group", "label", "period") and not k.startswith("outlier")
    }


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        ("office", {"Servicekontor Kiruna": (3, 1), "Servicekontor Uppsala": (10, 5)}),
        ("county", {"Norrbottens län": (3, 1), "Uppsala län": (10, 5)}),
        ("authority", {"Försäkringskassan": (12, 6), "Skatteverket": (1, 0)}),
        (
            "language",
            {"Arabic (ar)": (8, 5), "No language need": (2, 0), "Somali (so)": (2, 1), "Tigrinya (ti)": (1, 0)},
        ),
        ("agency", {"Språkservice Syd": (None, 3), "Tolkförmedling Väst": (None, 3)}),
        ("modality", {"Phone": (None, 4), "Video": (None, 2)}),
    ],
)
def test_each_group_by_gives_one_row_per_group(admin, world, group_by, expected):
    response = get(admin, group_by=group_by)

    assert response.status_code == 200
    rows = response.json()["rows"]
    assert {r["label"]: (r["visits"], r["bookings"]) for r in rows} == expected
    assert [r["label"] for r in rows] == sorted(expected, key=str.casefold)


def test_group_keys_are_ids_codes_and_tags(admin, world):
    offices = {r["group"] for r in get(admin, group_by="office").json()["rows"]}
    counties = {r["group"] for r in get(admin, group_by="county").json()["rows"]}
    languages = {r["group"] for r in get(admin, group_by="language").json()["rows"]}
    agencies = {r["group"] for r in get(admin, group_by="agency").json()["rows"]}

    assert offices == {world.uppsala.pk, world.kiruna.pk}
    assert counties == {"C", "BD"}
    assert languages == {"ar", "so", "ti", ""}
    assert agencies == {world.ag1.pk, world.ag2.pk}


def test_periods_and_filters(admin, world):
    body = get(admin, group_by="office", period="month", **{"from": "2026-01-01", "to": "2026-03-31"}).json()
    assert [(r["period"], r["visits"]) for r in body["rows"]] == [("2026-03-01", 3), ("2026-03-01", 10)]
    assert all(r["outlier"] is False for r in body["rows"])  # outliers are judged on whole ranges only

    assert [r["visits"] for r in get(admin, county="BD").json()["rows"]] == [3]
    assert [r["visits"] for r in get(admin, authority="skatteverket").json()["rows"]] == [1]
    assert [r["bookings"] for r in get(admin, agency="sprak-syd", modality="video").json()["rows"]] == [1]
    assert [r["wanted"] for r in get(admin, language="SO").json()["rows"]] == [2]  # tags are normalised
    assert [r["visits"] for r in get(admin, office=world.kiruna.pk).json()["rows"]] == [3]


def test_an_empty_range_answers_no_rows_and_null_rates(admin):
    body = get(admin, **{"from": "2020-01-01", "to": "2020-01-31"}, group_by="office").json()

    assert body["rows"] == []
    national = body["national"]
    assert (national["visits"], national["use_rate"], national["use_rate_ci_low"], national["fulfilment_rate"]) == (
        0,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"group_by": "city"}, "group_by", "is not one of the choices"),
        ({"period": "fortnight"}, "period", "is not one of the choices"),
        ({"from": "2026-02-30"}, "from", "Write the date as YYYY-MM-DD"),
        ({"to": "tomorrow"}, "to", "Write the date as YYYY-MM-DD"),
        ({"from": "2026-03-11", "to": "2026-03-10"}, "from", "must not be after"),
        ({"from": "2024-01-01", "to": "2026-03-10", "period": "day"}, "to", "at most 400 days"),
        ({"county": "XX"}, "county", "is not one of the choices"),
        ({"authority": "nope"}, "authority", "Unknown authority."),
        ({"authority": "two words"}, "authority", "letters, numbers"),
        ({"agency": "nobody"}, "agency", "Unknown interpreter agency."),
        ({"language": "!!"}, "language", "not a valid language code"),
        ({"language": "x" * 36}, "language", "no more than 35 characters"),
        ({"modality": "telegraph"}, "modality", "is not one of the choices"),
        ({"office": "abc"}, "office", "A valid integer is required."),
        ({"office": "0"}, "office", "greater than or equal to 1"),
    ],
)
def test_bad_parameters_answer_400_with_the_fields_message(admin, params, field, message):
    response = get(admin, **params)

    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {field}, body
    assert any(message in str(m) for m in body[field]), body


def test_an_unknown_office_is_not_found(admin):
    assert get(admin, office=987654).status_code == 404


def test_a_manager_gets_only_their_offices_rows_and_no_national_block_from_two_offices(manager, world):
    body = get(manager, group_by="office").json()

    assert [(r["group"], r["visits"]) for r in body["rows"]] == [(world.kiruna.pk, 3)]
    # Two offices in the country: the national block would give away Uppsala's figures (13 - 3).
    assert body["national"] is None and "5" in body["national_note"]
    (total,) = get(manager).json()["rows"]
    assert total["visits"] == 3
    assert get(manager, group_by="language").json()["rows"][0]["label"] == "Arabic (ar)"
    assert {r["visits"] for r in get(manager, group_by="county").json()["rows"]} == {3}


def test_a_manager_asking_for_another_office_learns_nothing(manager, world):
    other = get(manager, office=world.uppsala.pk)
    missing = get(manager, office=987654)

    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
