"""The one working-day calendar (Sweden, Europe/Stockholm).

Holidays come from the maintained `holidays` package, never a hand-typed table:

- Non-working days: Saturdays, Sundays, Swedish public holidays, and the de-facto holidays
  julafton, midsommarafton and nyårsafton (category `de_facto` in the package).
- "Big holidays" (storhelg, priced with the big-holiday surcharge) are DATA: the setting
  `TOLKDESK_BIG_HOLIDAYS` (config/settings/base.py) lists holiday names as the package spells them
  in Swedish. Eves such as påskafton and pingstafton are looked up in the package's `optional`
  category too, so they can be listed without becoming non-working days.

Every function here takes and returns dates or timezone-aware datetimes. "Working hours" are whole
calendar hours of working days (the framework's 48-hour cancellation rule counts days, not office
hours): the span from Friday 12:00 to Monday 12:00 is 24 working hours.

Used by the cancellation fee rule (interpreters/services/pricing.py) and the appointment deadlines.
This module sits at the bottom of the import graph: it imports nothing from the project.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# julafton, midsommarafton, nyårsafton: not public holidays by law, but nobody works.
_NON_WORKING_CATEGORIES = ("public", "de_facto")
# Everything the package knows for Sweden, used only to name a day (for the big-holiday list).
_NAMING_CATEGORIES = ("public", "de_facto", "optional")


@lru_cache(maxsize=64)
def _calendar(year: int, categories: tuple[str, ...]) -> holidays.HolidayBase:
    return holidays.country_holidays("SE", years=year, categories=categories, language="sv")


def holiday_names(day: dt.date) -> list[str]:
    """Every Swedish name the package gives this date (public, de facto and optional days)."""
    return list(_calendar(day.year, _NAMING_CATEGORIES).get_list(day))


def is_holiday(day: dt.date) -> bool:
    """A public holiday or julafton/midsommarafton/nyårsafton (weekends not counted here)."""
    return day in _calendar(day.year, _NON_WORKING_CATEGORIES)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def big_holiday_names() -> frozenset[str]:
    configured = settings.TOLKDESK_BIG_HOLIDAYS
    return frozenset(name.strip().casefold() for name in configured)


def is_big_holiday(day: dt.date) -> bool:
    wanted = big_holiday_names()
    return any(_strip_note(name).casefold() in wanted for name in holiday_names(day))


def _strip_note(name: str) -> str:
    # The package adds notes such as "(från kl. 14.00)" to half days.
    return name.split(" (", 1)[0].strip()


def next_working_day(day: dt.date) -> dt.date:
    """The first working day strictly after `day`."""
    day += dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def previous_working_day(day: dt.date) -> dt.date:
    """The last working day strictly before `day`."""
    day -= dt.timedelta(days=1)
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def local(moment: dt.datetime) -> dt.datetime:
    """The same instant as Stockholm wall time. Refuses naive datetimes (they are ambiguous)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("workdays needs a timezone-aware datetime")
    return moment.astimezone(STOCKHOLM)


def at_local(day: dt.date, clock: dt.time) -> dt.datetime:
    """Stockholm wall time `clock` on `day`, as an aware datetime. A clock time that does not exist
    (the spring-forward hour) moves forward by the gap; an ambiguous one (autumn) takes the first."""
    naive = dt.datetime.combine(day, clock.replace(tzinfo=None))
    aware = naive.replace(tzinfo=STOCKHOLM)
    # Round trip through UTC normalises a non-existent wall time.
    return aware.astimezone(dt.UTC).astimezone(STOCKHOLM)


def add_working_days(moment: dt.datetime, days: int) -> dt.datetime:
    """Move `days` working days forward (or back when negative), keeping the Stockholm clock time.
    Starting on a non-working day, the first step lands on the nearest working day in that direction."""
    wall = local(moment)
    day = wall.date()
    step = next_working_day if days >= 0 else previous_working_day
    for _ in range(abs(days)):
        day = step(day)
    return at_local(day, wall.timetz())


def working_hours_between(start: dt.datetime, end: dt.datetime) -> float:
    """Hours between two instants that fall on working days (Stockholm calendar days). Negative
    when `end` is before `start`. A DST night counts its real length (23 or 25 hours)."""
    if end < start:
        return -working_hours_between(end, start)
    return working_time_between(start, end).total_seconds() / 3600


def working_time_between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """working_hours_between as a timedelta (exact, no float). `end` before `start` gives zero."""
    first, last = local(start), local(end)
    total = dt.timedelta(0)
    day = first.date()
    while day <= last.date():
        if is_working_day(day):
            day_start = at_local(day, dt.time(0))
            day_end = at_local(day + dt.timedelta(days=1), dt.time(0))
            lo, hi = max(first, day_start), min(last, day_end)
            if hi > lo:
                total += hi.astimezone(dt.UTC) - lo.astimezone(dt.UTC)
        day += dt.timedelta(days=1)
    return total
