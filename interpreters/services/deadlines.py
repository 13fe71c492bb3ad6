"""When an agency must answer a pre-booking: Kammarkollegiet's framework rules by lead time.

The lead time is counted in working days (visits/workdays.py, the Swedish calendar), from the day
the order is placed to the interpreter's start:

| ordered                                              | the agency answers by                 |
|------------------------------------------------------|---------------------------------------|
| more than 20 working days ahead                      | 4 working days later, same clock time |
| more than 10 working days ahead                      | 2 working days later, same clock time |
| at least 2 working days ahead                        | 15:00 the next working day            |
| the day before (the previous working day), < 14:00   | 16:30 the same day                    |
| later than that                                      | the officer sets it (`answer_by`)     |

"N working days ahead": the start is N working-day steps after the order's day, where the last
step is the start itself, or, when the start falls on a non-working day, the working day before
it. So an order placed on Monday for Wednesday is 2 working days ahead, and Tuesday is "the day
before"; an order placed on Saturday for Monday is later than the day before (Friday).
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils.translation import gettext as _

from visits.errors import DomainError
from visits.workdays import add_working_days, at_local, is_working_day, local, next_working_day, previous_working_day

DAY_BEFORE_ORDER_BEFORE = time(14, 0)
DAY_BEFORE_ANSWER_AT = time(16, 30)
NEXT_DAY_ANSWER_AT = time(15, 0)


@dataclass(frozen=True)
class AnswerDeadline:
    """The rule that applies (`rule`) and its deadline; `answer_by` is None when the officer must
    set it (rule "officer")."""

    rule: str  # "4_working_days", "2_working_days", "next_day_15", "same_day_1630", "officer"
    working_days_ahead: int
    answer_by: datetime | None


def working_days_ahead(*, ordered_at: datetime, start: datetime) -> int:
    """Working-day steps from the order's day to the start (see the module docstring); 0 when the
    order is placed on the start's last working day or later."""
    order_day = local(ordered_at).date()
    day_before = previous_working_day(local(start).date())
    if order_day > day_before:
        return 0
    steps = 1
    day: date = order_day
    while True:
        day = next_working_day(day)
        if day > day_before:
            return steps
        steps += 1


def answer_deadline(*, ordered_at: datetime, start: datetime) -> AnswerDeadline:
    """The framework's answer deadline for an order placed at `ordered_at` for an interpreter at
    `start` (both timezone-aware)."""
    ahead = working_days_ahead(ordered_at=ordered_at, start=start)
    wall = local(ordered_at)
    if ahead > 20:
        return AnswerDeadline("4_working_days", ahead, add_working_days(ordered_at, 4))
    if ahead > 10:
        return AnswerDeadline("2_working_days", ahead, add_working_days(ordered_at, 2))
    if ahead >= 2:
        return AnswerDeadline("next_day_15", ahead, at_local(next_working_day(wall.date()), NEXT_DAY_ANSWER_AT))
    if ahead == 1 and is_working_day(wall.date()) and wall.timetz().replace(tzinfo=None) < DAY_BEFORE_ORDER_BEFORE:
        return AnswerDeadline("same_day_1630", ahead, at_local(wall.date(), DAY_BEFORE_ANSWER_AT))
    return AnswerDeadline("officer", ahead, None)


def answer_by_resolve(*, ordered_at: datetime, start: datetime, requested: datetime | None) -> datetime:
    """The deadline to store on a pre-booking: the framework's, or at short notice the officer's
    `requested` one (after the order and before the start). Raises DomainError on "answer_by"."""
    deadline = answer_deadline(ordered_at=ordered_at, start=start)
    if deadline.answer_by is not None:
        if requested is not None and requested != deadline.answer_by:
            raise DomainError(
                _("The framework sets the answer deadline for this lead time (%(deadline)s); leave it out.")
                % {"deadline": local(deadline.answer_by).strftime("%Y-%m-%d %H:%M")},
                field="answer_by",
                code="set_by_framework",
            )
        return deadline.answer_by
    if requested is None:
        raise DomainError(
            _("Ordered this late, the officer sets when the agency must answer: give answer_by."),
            field="answer_by",
            code="required",
        )
    if requested.tzinfo is None or requested.utcoffset() is None:
        raise DomainError(_("Give the time with a time zone."), field="answer_by", code="naive")
    if requested <= ordered_at:
        raise DomainError(_("The answer deadline has already passed."), field="answer_by", code="past")
    if requested >= start:
        raise DomainError(
            _("The agency must answer before the interpreter is due."), field="answer_by", code="after_start"
        )
    return requested
