"""The one pricing module, on the demo's 2024 price lists (seed_agencies' data)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from interpreters.models import PriceListKind
from interpreters.services.pricing import (
    booking_cancellation_fee,
    booking_price,
    price_compute,
    price_estimate,
    price_for,
    round_half_up,
)
from tests.interpreters.factories import AgencyFactory, BookingFactory, seed_price_lists
from visits.errors import DomainError

pytestmark = pytest.mark.django_db
STHLM = ZoneInfo("Europe/Stockholm")
MONDAY_10 = dt.datetime(2024, 3, 4, 10, 0, tzinfo=STHLM)


@pytest.fixture
def lists():
    framework, on_demand = seed_price_lists()
    return framework, on_demand


def framework(competence, start, minutes):
    return price_for(kind=PriceListKind.FRAMEWORK, competence=competence, start=start, minutes=minutes)


def kinds(price):
    return {row.kind: (row.quantity, row.unit_price_ore, row.amount_ore) for row in price.rows}


@pytest.mark.parametrize(
    ("minutes", "steps", "over_max"),
    [
        (0, 0, 0),
        (59, 0, 0),
        (60, 0, 0),
        (61, 1, 0),
        (89, 1, 0),
        (90, 1, 0),
        (91, 2, 0),
        (329, 9, 0),
        (330, 9, 0),
        (331, 9, 1),
        (360, 9, 1),
        (361, 9, 2),
    ],
)
def test_framework_tiers_are_base_then_started_half_hours_then_over_max(lists, minutes, steps, over_max):
    price = framework("ovrig", MONDAY_10, minutes)
    rows = kinds(price)
    assert rows["base"] == (1, 33300, 33300)
    assert rows.get("step", (0, 14400, 0)) == (steps, 14400, steps * 14400)
    # Beyond 330 minutes the step price continues, as a row of its own.
    assert rows.get("over_max", (0, 14400, 0)) == (over_max, 14400, over_max * 14400)
    assert not {"unsocial", "weekend", "big_holiday"} & rows.keys()
    fee = 33300 + (steps + over_max) * 14400
    assert rows["social_charges"] == (fee, 3142, round_half_up(fee * 3142, 10000))
    assert rows["admin_charge"] == (fee, 70, round_half_up(fee * 70, 10000))
    assert rows["broker_fee"] == (1, 8500, 8500)
    assert price.total_ore == sum(row.amount_ore for row in price.rows)


@pytest.mark.parametrize(
    ("competence", "minutes", "total_ore"),
    [
        # 333 kr + 31.42 % (104.6286 -> 104.63) + 0.7 % (2.331 -> 2.33) + 85 kr broker fee
        ("ovrig", 60, 33300 + 10463 + 233 + 8500),
        # 477 kr fee: social 149.8734 -> 149.87, admin 3.339 -> 3.34
        ("ovrig", 61, 47700 + 14987 + 334 + 8500),
        # 621 kr fee: social 195.1182 -> 195.12, admin 4.347 -> 4.35
        ("ovrig", 91, 62100 + 19512 + 435 + 8500),
        # rattstolk and sjukvardstolk are priced as specialist: 582 kr + 258 kr
        ("rattstolk", 61, 84000 + 26393 + 588 + 8500),
        ("sjukvardstolk", 61, 84000 + 26393 + 588 + 8500),
    ],
)
def test_totals_in_ore_match_hand_computed_kronor(lists, competence, minutes, total_ore):
    assert framework(competence, MONDAY_10, minutes).total_ore == total_ore


def test_percentage_charges_round_half_up_to_whole_ore_each_on_its_own(lists):
    framework_list, _on_demand = lists
    row = framework_list.rows.get(level="ovrig")
    row.base_ore = 500  # 0.7 % of 500 öre = 3.5 öre -> 4; 31.42 % = 157.1 -> 157
    price = price_compute(price_list=framework_list, row=row, start=MONDAY_10, minutes=30, broker_fee=False)
    assert kinds(price)["admin_charge"][2] == 4
    assert kinds(price)["social_charges"][2] == 157
    assert price.total_ore == 500 + 157 + 4
    assert [round_half_up(n, 10) for n in (14, 15, 25, 16)] == [1, 2, 3, 2]


@pytest.mark.parametrize(
    ("start", "minutes", "surcharges"),
    [
        # Crossing 18:00 on a weekday: 30 minutes after 18:00 = one started half hour.
        (dt.datetime(2024, 3, 4, 17, 0, tzinfo=STHLM), 90, {"unsocial": 1}),
        (dt.datetime(2024, 3, 4, 17, 45, tzinfo=STHLM), 30, {"unsocial": 1}),
        (dt.datetime(2024, 3, 4, 17, 0, tzinfo=STHLM), 60, {}),
        (dt.datetime(2024, 3, 4, 17, 0, tzinfo=STHLM), 91, {"unsocial": 2}),
        (dt.datetime(2024, 3, 4, 6, 0, tzinfo=STHLM), 120, {"unsocial": 2}),
        # A Saturday.
        (dt.datetime(2024, 3, 9, 10, 0, tzinfo=STHLM), 60, {"weekend": 2}),
        # Juldagen (a Wednesday in 2024): big holiday, not weekend.
        (dt.datetime(2024, 12, 25, 10, 0, tzinfo=STHLM), 60, {"big_holiday": 2}),
        # Nationaldagen: a holiday, not a big one: priced as weekend.
        (dt.datetime(2024, 6, 6, 10, 0, tzinfo=STHLM), 30, {"weekend": 1}),
        # Friday 23:30 to Saturday 00:30: 30 min unsocial on Friday, 30 min weekend after midnight.
        (dt.datetime(2024, 3, 8, 23, 30, tzinfo=STHLM), 60, {"unsocial": 1, "weekend": 1}),
    ],
)
def test_surcharges_count_started_half_hours_in_each_class(lists, start, minutes, surcharges):
    rows = kinds(framework("utbildad", start, minutes))
    units = {"unsocial": 11500, "weekend": 18000, "big_holiday": 23000}
    for kind, unit in units.items():
        count = surcharges.get(kind, 0)
        assert rows.get(kind, (0, unit, 0)) == (count, unit, count * unit), kind


def test_a_dst_night_is_priced_on_real_minutes(lists):
    # 27 October 2024: 01:30 CEST + 120 real minutes = 02:30 CET (the wall clock shows only 60).
    start = dt.datetime(2024, 10, 27, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    rows = kinds(framework("ovrig", start, 120))
    assert rows["step"][0] == 2
    assert rows["weekend"][0] == 4  # a Sunday: 120 minutes = 4 started half hours
    # 31 March 2024 (påskdagen, big holiday): 01:30 CET + 60 min = 03:30 CEST.
    spring = dt.datetime(2024, 3, 31, 1, 30, tzinfo=STHLM)
    assert kinds(framework("ovrig", spring, 60))["big_holiday"][0] == 2


def test_on_demand_is_a_minimum_then_started_quarter_hours(lists):
    now = MONDAY_10
    rows = kinds(price_estimate(competence="ovrig", minutes=31, start=None, now=now))
    assert rows["base"] == (1, 17000, 17000)
    assert rows["step"] == (2, 7200, 14400)
    assert "over_max" not in rows
    assert kinds(price_estimate(competence="ovrig", minutes=10, start=None, now=now)).get("step") is None


@pytest.mark.parametrize("minutes", [-1, 24 * 60 + 1, 10**9])
def test_negative_or_absurd_minutes_are_refused_on_the_minutes_field(lists, minutes):
    with pytest.raises(DomainError) as exc:
        framework("ovrig", MONDAY_10, minutes)
    assert exc.value.field == "minutes"


def test_a_date_without_a_valid_list_is_refused_on_the_start_field(lists):
    with pytest.raises(DomainError) as exc:
        framework("ovrig", dt.datetime(2023, 12, 31, 10, tzinfo=STHLM), 60)
    assert exc.value.field == "start"


def test_a_pre_booked_call_is_priced_at_least_at_its_ordered_length(lists):
    booking = BookingFactory(
        scheduled_for=MONDAY_10, minutes_ordered=60, interpreter_competence="ovrig", started_at=MONDAY_10
    )
    short = booking_price(booking=booking, minutes=20)
    assert short is not None and short.total_ore == framework("ovrig", MONDAY_10, 60).total_ore
    on_demand = BookingFactory(
        scheduled_for=None, minutes_ordered=60, interpreter_competence="ovrig", started_at=MONDAY_10
    )
    actual = booking_price(booking=on_demand, minutes=20)
    assert actual is not None and kinds(actual)["step"][0] == 1  # 15 min minimum + 1 started quarter


# ------------------------------------------------------------------------------------------------
# Cancellation fees: 48 working hours


def pre_booked(start):
    return BookingFactory(
        scheduled_for=start, minutes_ordered=60, competence_required="ovrig", agency=AgencyFactory(), status="confirmed"
    )


@pytest.mark.parametrize(
    ("start", "now", "full"),
    [
        # Monday 23 Dec 10:00, cancelled Friday 20 Dec 10:00: 14 h Friday + 10 h Monday = 24 working hours.
        (dt.datetime(2024, 12, 23, 10, tzinfo=STHLM), dt.datetime(2024, 12, 20, 10, tzinfo=STHLM), True),
        # Cancelled Wednesday 18 Dec 09:00: 15 + 24 + 24 + 10 = 73 working hours.
        (dt.datetime(2024, 12, 23, 10, tzinfo=STHLM), dt.datetime(2024, 12, 18, 9, tzinfo=STHLM), False),
        # Across Christmas: Friday 27 Dec 10:00 from Monday 23 Dec 09:00 = 15 + 10 = 25 (24-26 do not count).
        (dt.datetime(2024, 12, 27, 10, tzinfo=STHLM), dt.datetime(2024, 12, 23, 9, tzinfo=STHLM), True),
        # Exactly 48 working hours before: not "less than 48", so the broker fee only.
        (dt.datetime(2024, 3, 6, 10, tzinfo=STHLM), dt.datetime(2024, 3, 4, 10, tzinfo=STHLM), False),
        (dt.datetime(2024, 3, 6, 10, tzinfo=STHLM), dt.datetime(2024, 3, 4, 10, 1, tzinfo=STHLM), True),
    ],
)
def test_cancelling_within_48_working_hours_costs_the_full_ordered_price(lists, start, now, full):
    booking = pre_booked(start)
    fee = booking_cancellation_fee(booking=booking, reason="other", now=now)
    if full:
        assert fee.total_ore == framework("ovrig", start, 60).total_ore
    else:
        assert [(row.kind, row.amount_ore) for row in fee.rows] == [("broker_fee", 8500)]


def test_system_and_agency_cancellations_and_on_demand_calls_cost_nothing(lists):
    start = dt.datetime(2024, 12, 23, 10, tzinfo=STHLM)
    now = dt.datetime(2024, 12, 23, 9, tzinfo=STHLM)
    booking = pre_booked(start)
    assert booking_cancellation_fee(booking=booking, reason="system_visit_closed", now=now).total_ore == 0
    assert booking_cancellation_fee(booking=booking, reason="agency_cancelled", now=now).total_ore == 0
    on_demand = BookingFactory(scheduled_for=None, agency=AgencyFactory(), status="confirmed", requested_at=now)
    assert booking_cancellation_fee(booking=on_demand, reason="visitor_left", now=now).total_ore == 0
    never_sent = BookingFactory(scheduled_for=start, minutes_ordered=60, agency=None)
    assert booking_cancellation_fee(booking=never_sent, reason="other", now=now).total_ore == 0
