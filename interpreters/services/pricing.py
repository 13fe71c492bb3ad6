"""What an interpreted call costs: the ONE pricing module. Every amount (estimate, reported and
confirmed cost, cancellation fee, the demo generator's costs) is computed here from PriceList rows.

A price is itemised: rows of (kind, quantity, unit price, amount) in öre, plus the total.

Rounding (explicit, tested):
- List prices are whole öre, so base, step, over-max and surcharge rows are exact (quantity × unit).
- Each percentage charge (social charges, administrative charge) is computed on the interpreter's
  fee (base + steps + surcharges) and rounded once, half up, to whole öre. The two charges are
  rounded separately; the total is the sum of the rounded rows.
- Minutes are whole minutes; a started step counts as a whole step (61 min = base + 1 step).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from interpreters.models import (
    CancelReason,
    CompetenceLevel,
    InterpreterBooking,
    PriceLevel,
    PriceList,
    PriceListKind,
    PriceListRow,
)
from interpreters.selectors import price_list_for
from interpreters.services.requirements import RequirementInput, legacy_fields
from visits import workdays
from visits.errors import DomainError

# The longest call we price: a whole day. Longer is a typo, refused on the minutes field.
MAX_MINUTES = 24 * 60

ROW_KINDS = (
    "base",
    "step",
    "over_max",
    "unsocial",
    "weekend",
    "big_holiday",
    "social_charges",
    "admin_charge",
    "broker_fee",
)
# Office reasons that are the agency's doing: no fee for the office.
FEE_FREE_REASONS = frozenset({CancelReason.AGENCY_CANCELLED})


@dataclass(frozen=True)
class PriceRow:
    kind: str
    quantity: int
    unit_price_ore: int
    amount_ore: int


@dataclass(frozen=True)
class Price:
    rows: list[PriceRow]
    price_list_id: int | None = None

    @property
    def total_ore(self) -> int:
        return sum(row.amount_ore for row in self.rows)

    def rows_as_dicts(self) -> list[dict[str, Any]]:
        return [asdict(row) for row in self.rows]


ZERO = Price(rows=[])


def price_level(competence: str) -> str:
    """The price list level of a competence level (both specialist levels share one row)."""
    if competence in (CompetenceLevel.SJUKVARDSTOLK, CompetenceLevel.RATTSTOLK):
        return PriceLevel.SPECIALIST
    if competence in PriceLevel.values:
        return competence
    return PriceLevel.OVRIG


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator to the nearest whole number, halves away from zero (non-negative input)."""
    return (2 * numerator + denominator) // (2 * denominator)


def check_minutes(minutes: int, field: str = "minutes") -> None:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0 or minutes > MAX_MINUTES:
        raise DomainError(
            _("Give the minutes as a whole number from 0 to %(max)s.") % {"max": MAX_MINUTES},
            field=field,
            code="invalid_minutes",
        )


def _steps(minutes: int, step: int) -> int:
    return math.ceil(minutes / step) if minutes > 0 else 0


def _minutes_by_surcharge(price_list: PriceList, start: datetime, minutes: int) -> dict[str, int]:
    """How many of the call's minutes fall in each surcharge class. Each minute is classed by its
    Stockholm wall time: big holiday before weekend (any non-working day) before unsocial hours.
    Walking real minutes (UTC) makes a DST night count its real length."""
    counts = {"big_holiday": 0, "weekend": 0, "unsocial": 0}
    moment = start.astimezone(UTC)
    day_cache: dict[Any, str] = {}
    for _minute in range(minutes):
        wall = workdays.local(moment)
        day = wall.date()
        day_class = day_cache.get(day)
        if day_class is None:
            if workdays.is_big_holiday(day):
                day_class = "big_holiday"
            elif not workdays.is_working_day(day):
                day_class = "weekend"
            else:
                day_class = ""
            day_cache[day] = day_class
        if day_class:
            counts[day_class] += 1
        else:
            clock = wall.time()
            if clock < price_list.unsocial_before or clock >= price_list.unsocial_after:
                counts["unsocial"] += 1
        moment += timedelta(minutes=1)
    return counts


def price_compute(
    *, price_list: PriceList, row: PriceListRow, start: datetime, minutes: int, broker_fee: bool = True
) -> Price:
    """The itemised price of a call of `minutes` starting at `start` (aware) on `row`'s level."""
    check_minutes(minutes)
    if timezone.is_naive(start):
        raise DomainError(_("Give the time with a time zone."), field="start", code="naive")
    rows = [PriceRow("base", 1, row.base_ore, row.base_ore)]
    beyond_base = max(0, minutes - price_list.base_minutes)
    if price_list.max_minutes is not None:
        in_steps = min(beyond_base, max(0, price_list.max_minutes - price_list.base_minutes))
        over_max = beyond_base - in_steps
    else:
        in_steps, over_max = beyond_base, 0
    step_count = _steps(in_steps, price_list.step_minutes)
    # The last started step below the max may reach past it: the minutes it covers are not over max.
    over_max = max(0, over_max - (step_count * price_list.step_minutes - in_steps))
    if step_count:
        rows.append(PriceRow("step", step_count, row.step_ore, step_count * row.step_ore))
    over_count = _steps(over_max, price_list.step_minutes)
    if over_count:
        rows.append(PriceRow("over_max", over_count, row.over_max_step_ore, over_count * row.over_max_step_ore))
    by_class = _minutes_by_surcharge(price_list, start, minutes)
    surcharges = (("unsocial", row.unsocial_ore), ("weekend", row.weekend_ore), ("big_holiday", row.big_holiday_ore))
    for kind, unit in surcharges:
        count = _steps(by_class[kind], price_list.surcharge_step_minutes)
        if count and unit:
            rows.append(PriceRow(kind, count, unit, count * unit))
    fee = sum(r.amount_ore for r in rows)
    for kind, basis_points in (
        ("social_charges", price_list.social_charges_basis_points),
        ("admin_charge", price_list.admin_charge_basis_points),
    ):
        if basis_points:
            # quantity: the fee the percentage applies to; unit: the rate in 0.01 %.
            rows.append(PriceRow(kind, fee, basis_points, round_half_up(fee * basis_points, 10000)))
    if broker_fee and price_list.broker_fee_ore:
        rows.append(PriceRow("broker_fee", 1, price_list.broker_fee_ore, price_list.broker_fee_ore))
    return Price(rows=rows, price_list_id=price_list.pk)


def price_for(*, kind: str, competence: str, start: datetime, minutes: int) -> Price:
    """Price a call on the list of `kind` valid on the start's Stockholm date."""
    check_minutes(minutes)
    price_list = price_list_for(kind=kind, on=workdays.local(start).date())
    if price_list is None:
        raise DomainError(_("No price list is valid on that date."), field="start", code="no_price_list")
    level = price_level(competence)
    row = price_list.rows.filter(level=level).first()
    if row is None:
        raise DomainError(_("The price list has no prices for that level."), field="competence", code="no_price")
    return price_compute(price_list=price_list, row=row, start=start, minutes=minutes)


def price_estimate(*, competence: str, minutes: int, start: datetime | None, now: datetime | None = None) -> Price:
    """The estimate before ordering: a given start prices a pre-booking on the framework list; no
    start prices an on-demand call now."""
    if start is None:
        now = now or timezone.now()
        return price_for(kind=PriceListKind.ON_DEMAND, competence=competence, start=now, minutes=minutes)
    return price_for(kind=PriceListKind.FRAMEWORK, competence=competence, start=start, minutes=minutes)


# ------------------------------------------------------------------------------------------------
# Bookings


def booking_kind(booking: InterpreterBooking) -> str:
    """Pre-booked (a time given) -> framework list; asked for now -> on-demand list."""
    return PriceListKind.FRAMEWORK if booking.scheduled_for is not None else PriceListKind.ON_DEMAND


def booking_competence(booking: InterpreterBooking) -> str:
    """The level billed: the delivered interpreter's, else what the office asked for."""
    return (
        booking.interpreter_competence
        or booking.competence_required
        or booking.competence_wished
        or CompetenceLevel.OVRIG
    )


def booking_billed_minutes(*, booking: InterpreterBooking, minutes: int) -> int:
    """The ordered time is a floor for a pre-booked call; an on-demand call is priced on actual time."""
    if booking_kind(booking) == PriceListKind.FRAMEWORK and booking.minutes_ordered:
        return max(minutes, booking.minutes_ordered)
    return minutes


def booking_price(*, booking: InterpreterBooking, minutes: int, start: datetime | None = None) -> Price | None:
    """The price of a booking's call of `minutes` (floored for pre-booked). None: no list applies."""
    check_minutes(minutes)
    start = start or booking.started_at or booking.scheduled_for or booking.requested_at
    try:
        return price_for(
            kind=booking_kind(booking),
            competence=booking_competence(booking),
            start=start,
            minutes=booking_billed_minutes(booking=booking, minutes=minutes),
        )
    except DomainError as exc:
        if exc.code in ("no_price_list", "no_price"):
            return None
        raise


def booking_estimate(*, booking: InterpreterBooking, now: datetime | None = None) -> Price | None:
    """The estimate stored on a new booking: its ordered length (default: the list's base minutes)."""
    start = booking.scheduled_for or now or booking.requested_at
    kind = booking_kind(booking)
    price_list = price_list_for(kind=kind, on=workdays.local(start).date())
    if price_list is None:
        return None
    minutes = booking.minutes_ordered or price_list.base_minutes
    return booking_price(booking=booking, minutes=minutes, start=start)


def booking_draft_estimate(
    *,
    scheduled_for: datetime | None,
    minutes_ordered: int | None,
    requirements: list[RequirementInput],
    now: datetime | None = None,
) -> Price | None:
    """The estimate booking_request would store for these choices: the booking form's live price.
    Built on an unsaved booking with the same fields, through booking_estimate, so what the officer
    sees before the click is what the booking keeps."""
    now = now or timezone.now()
    if minutes_ordered is not None:
        check_minutes(minutes_ordered, field="minutes_ordered")
    draft = InterpreterBooking(
        scheduled_for=scheduled_for,
        minutes_ordered=minutes_ordered or None,
        requested_at=now,
        **legacy_fields(requirements),
    )
    return booking_estimate(booking=draft, now=now)


def booking_cancellation_fee(*, booking: InterpreterBooking, reason: str = "", now: datetime | None = None) -> Price:
    """What the office pays if it cancels this booking now (the officer sees this before confirming).

    Rules are data on the price list: fewer than `cancel_full_price_within_working_hours` working
    hours before the start -> the full ordered price; otherwise the broker fee only; a list marked
    "free before connect" (on demand) -> nothing. System cancels and the agency's own cancellation
    cost the office nothing. A booking never sent to an agency costs nothing."""
    now = now or timezone.now()
    if reason in FEE_FREE_REASONS or reason.startswith("system_") or booking.agency_id is None:
        return ZERO
    start = booking.scheduled_for or booking.requested_at
    price_list = price_list_for(kind=booking_kind(booking), on=workdays.local(start).date())
    if price_list is None or price_list.cancel_free_before_connect:
        return ZERO
    window = price_list.cancel_full_price_within_working_hours
    if window is not None and workdays.working_time_between(now, start) < timedelta(hours=window):
        full = booking_estimate(booking=booking, now=now)
        return full or ZERO
    if price_list.cancel_broker_fee_otherwise and price_list.broker_fee_ore:
        fee = price_list.broker_fee_ore
        return Price(rows=[PriceRow("broker_fee", 1, fee, fee)], price_list_id=price_list.pk)
    return ZERO
