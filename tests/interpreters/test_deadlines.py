"""Kammarkollegiet's answer deadlines by lead time (issue 11), table-tested at every boundary.

Calendar used (Stockholm): 2025-03-03 is a Monday; no holiday falls in March 2025; Easter 2025:
Good Friday 18 April and Easter Monday 21 April are holidays; DST starts on 30 March."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from interpreters.services.deadlines import answer_by_resolve, answer_deadline, working_days_ahead
from visits.errors import DomainError

STHLM = ZoneInfo("Europe/Stockholm")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STHLM)


# (ordered at, interpreter's start, working days ahead, rule, answer by)
TABLE = [
    # More than 20 working days ahead: 4 working days, same clock time.
    ("2025-03-03 09:15", "2025-04-01 10:00", 21, "4_working_days", "2025-03-07 09:15"),
    # Exactly 20: not "more than 20" -> 2 working days.
    ("2025-03-03 09:15", "2025-03-31 10:00", 20, "2_working_days", "2025-03-05 09:15"),
    # More than 10 (11): 2 working days.
    ("2025-03-03 09:15", "2025-03-18 10:00", 11, "2_working_days", "2025-03-05 09:15"),
    # Exactly 10: 15:00 the next working day.
    ("2025-03-03 09:15", "2025-03-17 10:00", 10, "next_day_15", "2025-03-04 15:00"),
    # Exactly 2 (Monday for Wednesday): 15:00 the next working day.
    ("2025-03-03 16:45", "2025-03-05 08:00", 2, "next_day_15", "2025-03-04 15:00"),
    # Friday for Tuesday is 2 working days ahead: the next working day is Monday.
    ("2025-03-07 11:00", "2025-03-11 08:00", 2, "next_day_15", "2025-03-10 15:00"),
    # The day before, before 14:00: 16:30 the same day.
    ("2025-03-03 13:59", "2025-03-04 08:00", 1, "same_day_1630", "2025-03-03 16:30"),
    # The day before at 14:00 exactly: the officer sets it.
    ("2025-03-03 14:00", "2025-03-04 08:00", 1, "officer", None),
    # "The day before" a Monday is the Friday.
    ("2025-03-07 10:00", "2025-03-10 09:00", 1, "same_day_1630", "2025-03-07 16:30"),
    # Ordered on the Saturday for the Monday: later than the day before -> the officer.
    ("2025-03-08 10:00", "2025-03-10 09:00", 0, "officer", None),
    # The same day: the officer.
    ("2025-03-04 07:00", "2025-03-04 15:00", 0, "officer", None),
    # The day before Easter Tuesday is Thursday 17 April (Good Friday and Easter Monday are holidays).
    ("2025-04-17 09:00", "2025-04-22 09:00", 1, "same_day_1630", "2025-04-17 16:30"),
    ("2025-04-16 09:00", "2025-04-22 09:00", 2, "next_day_15", "2025-04-17 15:00"),
    # N working days skip holidays and keep the clock time: from Wednesday 16 April, 4 working
    # days are Thu 17, Tue 22, Wed 23, Thu 24.
    ("2025-04-16 10:30", "2025-06-02 09:00", 29, "4_working_days", "2025-04-24 10:30"),
    # Over a DST change (30 March 2025) the Stockholm clock time is kept.
    ("2025-03-27 10:00", "2025-04-30 10:00", 22, "4_working_days", "2025-04-02 10:00"),
]


@pytest.mark.parametrize(("ordered", "start", "ahead", "rule", "answer_by"), TABLE)
def test_the_answer_deadline_follows_the_framework_at_each_boundary(ordered, start, ahead, rule, answer_by):
    deadline = answer_deadline(ordered_at=at(ordered), start=at(start))
    assert working_days_ahead(ordered_at=at(ordered), start=at(start)) == ahead
    assert deadline.rule == rule
    assert deadline.working_days_ahead == ahead
    if answer_by is None:
        assert deadline.answer_by is None
    else:
        assert deadline.answer_by == at(answer_by)
        assert deadline.answer_by.astimezone(STHLM).strftime("%Y-%m-%d %H:%M") == answer_by


def test_a_start_on_a_weekend_counts_to_the_working_day_before_it():
    # Saturday 8 March: the day before is Friday 7 March.
    assert working_days_ahead(ordered_at=at("2025-03-07 09:00"), start=at("2025-03-08 10:00")) == 1
    assert working_days_ahead(ordered_at=at("2025-03-06 09:00"), start=at("2025-03-08 10:00")) == 2


def test_an_order_given_in_utc_is_judged_by_the_stockholm_clock():
    # 12:30 UTC on a winter day is 13:30 in Stockholm: before 14:00.
    ordered = datetime.fromisoformat("2025-03-03T12:30:00+00:00")
    deadline = answer_deadline(ordered_at=ordered, start=at("2025-03-04 08:00"))
    assert deadline.rule == "same_day_1630"
    # 13:30 UTC is 14:30 in Stockholm: too late for the same-day rule.
    late = datetime.fromisoformat("2025-03-03T13:30:00+00:00")
    assert answer_deadline(ordered_at=late, start=at("2025-03-04 08:00")).rule == "officer"


def test_at_short_notice_the_officers_deadline_is_taken():
    chosen = at("2025-03-04 10:00")
    assert (
        answer_by_resolve(ordered_at=at("2025-03-04 07:00"), start=at("2025-03-04 15:00"), requested=chosen) == chosen
    )


@pytest.mark.parametrize(
    ("ordered", "start", "requested", "code"),
    [
        ("2025-03-04 07:00", "2025-03-04 15:00", None, "required"),
        ("2025-03-04 07:00", "2025-03-04 15:00", "2025-03-04 06:59", "past"),
        ("2025-03-04 07:00", "2025-03-04 15:00", "2025-03-04 15:00", "after_start"),
        ("2025-03-03 09:15", "2025-04-01 10:00", "2025-03-05 09:00", "set_by_framework"),
    ],
)
def test_a_missing_or_impossible_officer_deadline_is_refused_on_answer_by(ordered, start, requested, code):
    with pytest.raises(DomainError) as exc:
        answer_by_resolve(ordered_at=at(ordered), start=at(start), requested=at(requested) if requested else None)
    assert exc.value.field == "answer_by"
    assert exc.value.code == code


def test_the_framework_deadline_may_be_repeated_in_the_request():
    deadline = at("2025-03-07 09:15")
    assert (
        answer_by_resolve(ordered_at=at("2025-03-03 09:15"), start=at("2025-04-01 10:00"), requested=deadline)
        == deadline
    )
