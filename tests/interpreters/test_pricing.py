import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from interpreters.services import booking_price_ore, rate_card_for
from tests.interpreters.factories import AgencyFactory, RateCardFactory

STHLM = ZoneInfo("Europe/Stockholm")
MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=STHLM)


@pytest.fixture
def remote(db):
    # Framework: remote (phone/video) 655 kr/h, minimum 328 kr covers 0-30 min, then 15-min steps.
    return RateCardFactory(hourly_rate_ore=65500, minimum_fee_ore=32800, minimum_minutes=30, step_minutes=15)


@pytest.fixture
def urgent_phone(db):
    # Urgent phone 980 kr/h, minimum 245 kr (the first 15 min), then 15-min steps.
    return RateCardFactory(urgent=True, hourly_rate_ore=98000, minimum_fee_ore=24500, minimum_minutes=15)


@pytest.mark.parametrize(
    ("minutes", "kronor"),
    [(0, "328.00"), (10, "328.00"), (30, "328.00"), (31, "491.75"), (45, "491.75"), (46, "655.50"), (61, "819.25")],
)
def test_remote_rate_minimum_then_quarter_hours(remote, minutes, kronor):
    assert f"{booking_price_ore(rate_card=remote, minutes=minutes, start=MONDAY_10) / 100:.2f}" == kronor


@pytest.mark.parametrize(
    ("minutes", "kronor"), [(5, "245.00"), (15, "245.00"), (16, "490.00"), (30, "490.00"), (31, "735.00")]
)
def test_urgent_phone_rate(urgent_phone, minutes, kronor):
    assert f"{booking_price_ore(rate_card=urgent_phone, minutes=minutes, start=MONDAY_10) / 100:.2f}" == kronor


@pytest.mark.parametrize(
    ("start", "percent"),
    [
        (MONDAY_10, 0),
        (dt.datetime(2026, 3, 2, 17, 59, tzinfo=STHLM), 0),
        (dt.datetime(2026, 3, 2, 18, 0, tzinfo=STHLM), 50),  # weekday evening
        (dt.datetime(2026, 3, 2, 21, 59, tzinfo=STHLM), 50),
        (dt.datetime(2026, 3, 2, 22, 0, tzinfo=STHLM), 100),  # night
        (dt.datetime(2026, 3, 3, 6, 30, tzinfo=STHLM), 100),  # still night (window past midnight)
        (dt.datetime(2026, 3, 3, 7, 0, tzinfo=STHLM), 0),
        (dt.datetime(2026, 3, 7, 11, 0, tzinfo=STHLM), 100),  # Saturday
        (dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), 0),  # 10:00 in Stockholm
        (dt.datetime(2026, 3, 2, 17, 30, tzinfo=dt.UTC), 50),  # 18:30 in Stockholm
    ],
)
def test_surcharge_by_stockholm_time_of_day_and_weekend(remote, start, percent):
    base = 32800
    assert booking_price_ore(rate_card=remote, minutes=20, start=start) == base * (100 + percent) // 100


def test_surcharge_windows_are_data(remote):
    remote.surcharge_windows = [{"weekdays": [0], "start": "09:00", "end": "11:00", "kind": "unsocial"}]
    remote.unsocial_surcharge_percent = 25
    remote.save()
    assert booking_price_ore(rate_card=remote, minutes=20, start=MONDAY_10) == 41000


def test_rate_card_prefers_agency_then_framework_and_urgent_then_ordinary(remote, urgent_phone):
    agency = AgencyFactory()
    today = dt.date(2026, 3, 2)
    assert rate_card_for(agency=agency, modality="phone", urgent=False, on=today) == remote
    assert rate_card_for(agency=agency, modality="phone", urgent=True, on=today) == urgent_phone
    assert rate_card_for(agency=agency, modality="video", urgent=True, on=today) is None
    own = RateCardFactory(agency=agency, hourly_rate_ore=60000, minimum_fee_ore=30000)
    assert rate_card_for(agency=agency, modality="phone", urgent=False, on=today) == own
    newer = RateCardFactory(hourly_rate_ore=70000, minimum_fee_ore=35000, valid_from=dt.date(2026, 3, 1))
    assert rate_card_for(agency=None, modality="phone", urgent=False, on=today) == newer
    assert rate_card_for(agency=None, modality="phone", urgent=False, on=dt.date(2026, 2, 1)) == remote
