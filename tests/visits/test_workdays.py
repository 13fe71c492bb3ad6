import datetime as dt

import pytest

from visits import workdays

STHLM = workdays.STOCKHOLM


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=STHLM)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2024, 12, 20), True),  # Friday
        (dt.date(2024, 12, 21), False),  # Saturday
        (dt.date(2024, 12, 22), False),  # Sunday
        (dt.date(2024, 12, 23), True),  # Monday before julafton (a half day at banks, still working)
        (dt.date(2024, 12, 24), False),  # julafton (de facto)
        (dt.date(2024, 12, 25), False),  # juldagen
        (dt.date(2024, 12, 26), False),  # annandag jul
        (dt.date(2024, 12, 27), True),
        (dt.date(2024, 12, 31), False),  # nyårsafton (de facto)
        (dt.date(2025, 1, 1), False),  # nyårsdagen
        (dt.date(2024, 6, 21), False),  # midsommarafton (de facto, a Friday)
        (dt.date(2024, 6, 6), False),  # nationaldagen
        (dt.date(2024, 3, 29), False),  # långfredagen
        (dt.date(2024, 4, 1), False),  # annandag påsk
        (dt.date(2024, 4, 30), True),  # valborgsmässoafton: an ordinary working day
        (dt.date(2024, 5, 10), True),  # klämdag: optional, still a working day
    ],
)
def test_working_days_follow_the_swedish_calendar(day, working):
    assert workdays.is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "big"),
    [
        (dt.date(2024, 12, 24), True),
        (dt.date(2024, 12, 25), True),
        (dt.date(2024, 3, 30), True),  # påskafton: only in the package's optional category
        (dt.date(2024, 6, 6), False),  # nationaldagen is a holiday but not a big one
        (dt.date(2024, 5, 1), False),
        (dt.date(2024, 12, 21), False),  # a plain Saturday
    ],
)
def test_big_holidays_are_the_configured_names(day, big):
    assert workdays.is_big_holiday(day) is big


def test_the_big_holiday_list_is_data_in_settings(settings):
    settings.TOLKDESK_BIG_HOLIDAYS = ["Nationaldagen"]
    assert workdays.is_big_holiday(dt.date(2024, 6, 6)) is True
    assert workdays.is_big_holiday(dt.date(2024, 12, 25)) is False


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (at(2024, 12, 19, 14, 30), 1, at(2024, 12, 20, 14, 30)),
        (at(2024, 12, 20, 14, 30), 1, at(2024, 12, 23, 14, 30)),  # over a weekend
        (at(2024, 12, 23, 9), 1, at(2024, 12, 27, 9)),  # over julafton, juldagen, annandag jul
        (at(2024, 12, 23, 9), 2, at(2024, 12, 30, 9)),
        (at(2024, 12, 21, 10), 1, at(2024, 12, 23, 10)),  # from a Saturday
        (at(2024, 12, 27, 9), -1, at(2024, 12, 23, 9)),
        (at(2024, 12, 27, 9), 0, at(2024, 12, 27, 9)),
        # Over the spring DST change (31 March 2024): the wall clock stays at 10:00.
        (at(2024, 3, 28, 10), 1, at(2024, 4, 2, 10)),
    ],
)
def test_adding_working_days_keeps_the_clock_time(start, days, expected):
    result = workdays.add_working_days(start, days)
    assert result == expected
    assert result.astimezone(STHLM).time() == start.time()


def test_adding_working_days_works_from_utc_input():
    start = dt.datetime(2024, 12, 20, 13, 30, tzinfo=dt.UTC)  # 14:30 in Stockholm
    assert workdays.add_working_days(start, 1) == at(2024, 12, 23, 14, 30)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        workdays.add_working_days(dt.datetime(2024, 12, 20, 10), 1)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (at(2024, 12, 18, 12), at(2024, 12, 20, 12), 48),
        (at(2024, 12, 20, 12), at(2024, 12, 23, 12), 24),  # the weekend does not count
        (at(2024, 12, 20, 12), at(2024, 12, 25, 12), 36),  # Fri 12h + Mon 24h; julafton, juldagen not
        (at(2024, 12, 21, 8), at(2024, 12, 22, 20), 0),
        (at(2024, 12, 23, 12), at(2024, 12, 23, 12), 0),
        (at(2024, 12, 23, 12), at(2024, 12, 20, 12), -24),
        # The autumn DST night (27 October 2024, a Sunday) does not count; Monday is 24 hours.
        (at(2024, 10, 25, 0), at(2024, 10, 29, 0), 48),
        # Easter 2024 with the spring DST change on påskdagen: Wed, Thu and Tue count, Fri-Mon not.
        (at(2024, 3, 27, 0), at(2024, 4, 3, 0), 72),
    ],
)
def test_working_hours_count_only_working_days(start, end, hours):
    assert workdays.working_hours_between(start, end) == hours


def test_working_hours_count_the_real_length_of_a_dst_day(monkeypatch):
    # Swedish DST changes fall on Sundays, so treat every day as working to see the day's length.
    monkeypatch.setattr(workdays, "is_working_day", lambda day: True)
    assert workdays.working_time_between(at(2024, 3, 31, 0), at(2024, 4, 1, 0)) == dt.timedelta(hours=23)
    assert workdays.working_time_between(at(2024, 10, 27, 0), at(2024, 10, 28, 0)) == dt.timedelta(hours=25)


@pytest.mark.parametrize(
    ("day", "previous", "following"),
    [
        (dt.date(2024, 12, 23), dt.date(2024, 12, 20), dt.date(2024, 12, 27)),
        (dt.date(2024, 12, 25), dt.date(2024, 12, 23), dt.date(2024, 12, 27)),
        (dt.date(2024, 6, 20), dt.date(2024, 6, 19), dt.date(2024, 6, 24)),  # midsommar weekend
    ],
)
def test_previous_and_next_working_day_skip_weekends_and_holidays(day, previous, following):
    assert workdays.previous_working_day(day) == previous
    assert workdays.next_working_day(day) == following
