"""The officer's rating of one call: 1-5 stars, and below 3 what went wrong (RatingProblem).

Only a call that started can be rated (the interpreter was put through: the booking has a start
time or is in progress / completed). Rating again replaces the earlier rating; the reports count
one rating per booking (visits/reports/measures.py).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interpreters.models import CONNECTED_BOOKING_STATUSES, BookingRating, InterpreterBooking, RatingProblem
from interpreters.services.bookings import booking_event_record
from visits.errors import DomainError
from visits.hooks import office_day_changed

#: Below this many stars the officer may say what went wrong; at or above it, no problems.
PROBLEMS_BELOW_STARS = 3


@dataclass(frozen=True)
class RatingInput:
    """A checked rating (see ``rating_check``)."""

    stars: int
    problems: tuple[str, ...] = ()


def rating_check(*, stars: Any, problems: Iterable[Any] | None = None) -> RatingInput:
    """Check a rating before touching the database. Raises DomainError on `stars` or `problems`."""
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise DomainError(_("Give 1 to 5 stars."), field="stars", code="invalid")
    if problems is None:
        problems = []
    if isinstance(problems, str | bytes | dict) or not isinstance(problems, Iterable):
        raise DomainError(_("Problems are a list."), field="problems", code="invalid")
    items = list(problems)
    for item in items:
        if not isinstance(item, str) or item not in RatingProblem.values:
            raise DomainError(
                _("“%(value)s” is not a valid problem.") % {"value": item}, field="problems", code="invalid_choice"
            )
    if len(set(items)) != len(items):
        raise DomainError(_("A problem is given twice."), field="problems", code="duplicate")
    if items and stars >= PROBLEMS_BELOW_STARS:
        raise DomainError(
            _("Problems are given only with fewer than %(n)d stars.") % {"n": PROBLEMS_BELOW_STARS},
            field="problems",
            code="not_allowed",
        )
    # Stored in the choices' order, so the same answer is always the same row.
    return RatingInput(stars=stars, problems=tuple(p for p in RatingProblem.values if p in items))


def booking_started(booking: InterpreterBooking) -> bool:
    """The interpreter was put through at some point (the only calls that can be rated)."""
    return booking.started_at is not None or booking.status in CONNECTED_BOOKING_STATUSES


def booking_rate(
    *, booking: InterpreterBooking, by: User | None, rating: RatingInput, now: datetime | None = None
) -> tuple[BookingRating, bool]:
    """Set the booking's rating (replacing an earlier one). Returns the rating and whether it is new.
    A booking whose call never started is refused on `booking`, and nothing is written."""
    rating = rating_check(stars=rating.stars, problems=rating.problems)
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the booking: two tabs rating at once end in one row (the one-to-one holds it too).
        locked = InterpreterBooking.objects.select_for_update().get(pk=booking.pk)
        if not booking_started(locked):
            raise DomainError(_("Only a call that started can be rated."), field="booking", code="not_started")
        row, created = BookingRating.objects.update_or_create(
            booking=locked,
            defaults={"stars": rating.stars, "problems": list(rating.problems), "rated_by": by, "rated_at": now},
        )
        booking_event_record(
            booking=locked,
            kind="rated",
            source="user",
            actor=by,
            detail={"stars": rating.stars, "problems": list(rating.problems)},
            now=now,
        )
        office_day_changed(office_id=locked.office_id, day=locked.service_date)
    return row, created
