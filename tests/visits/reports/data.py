"""Builders for report tests: visits with their need, outcome and bookings in one call, and the small
hand-computed world the measure tests assert against (its numbers are worked out in the docstring of
``known_world``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from rest_framework.test import APIClient

from interpreters.models import (
    BookingRating,
    BookingRequirement,
    BookingStatus,
    CompetenceLevel,
    Complaint,
    ComplaintStatus,
    InterpreterBooking,
    Modality,
    RatingProblem,
    Requisition,
    RequisitionStatus,
)
from tests.factories import AuthorityFactory, LanguageNeedFactory, OfficeFactory, VisitFactory, VisitOutcomeFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory
from visits.models import Appointment, County, Visit, VisitStatus
from visits.reports.selectors import UsageQuery

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DAY = date(2026, 3, 10)  # a Tuesday, CET (UTC+1)


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=STOCKHOLM)


@dataclass(frozen=True)
class B:
    """One booking of a visit. ``connect_s``: seconds from request to confirmation (None: never
    confirmed); ``started_only``: the agency reported the call started without a confirmation."""

    status: str
    agency: Any = None
    modality: str = Modality.PHONE
    connect_s: float | None = None
    minutes: int | None = None
    cost_ore: int | None = None
    language: str | None = None
    started_only: bool = False
    # Money (issue 9): a seed for the estimated/reported/confirmed cost, the cancellation fee and a
    # disputed requisition (see booking_for); None leaves them empty.
    money: int | None = None
    # After the call (issue 10): a seed for the delivered competence, requirements (met or not),
    # a rating with problems and complaints (see ``quality_for``); None leaves them out.
    quality: int | None = None


def visit_with(
    *,
    office: Any,
    authority: Any,
    at: datetime,
    need: tuple[str, str] | None = None,
    outcome: bool | str | None = None,
    bookings: tuple[B, ...] = (),
    ended_at: datetime | None = None,
) -> Visit:
    """A closed visit checked in at ``at``. ``need``: (language, interpreter_wanted); ``outcome``:
    True (interpreter used), a NotUsedReason (not used) or None (nothing recorded)."""
    visit = VisitFactory(
        office=office,
        authority=authority,
        checked_in_at=at,
        started_at=at + timedelta(minutes=1),
        ended_at=ended_at or at + timedelta(minutes=30),
        status=VisitStatus.DONE,
    )
    if need is not None:
        LanguageNeedFactory(visit=visit, language=need[0], interpreter_wanted=need[1])
    if outcome is True:
        VisitOutcomeFactory(visit=visit, interpreter_used=True)
    elif isinstance(outcome, str):
        VisitOutcomeFactory(visit=visit, interpreter_used=False, reason_not_used=outcome)
    for spec in bookings:
        booking_for(visit, spec, requested_at=at + timedelta(minutes=2))
    return visit


def booking_for(
    visit: Visit | None, spec: B, *, requested_at: datetime, appointment: Appointment | None = None
) -> InterpreterBooking:
    """A booking of `visit`, or (visit None) one pre-booked for `appointment` (issue 11)."""
    stamps: dict[str, Any] = {}
    if spec.connect_s is not None:
        connected = requested_at + timedelta(seconds=spec.connect_s)
        if spec.started_only:
            stamps["started_at"] = connected
        else:
            stamps["confirmed_at"] = connected
            if spec.status in (BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED):
                stamps["started_at"] = connected + timedelta(seconds=30)
    if spec.status == BookingStatus.CANCELLED:
        stamps["cancelled_at"] = requested_at + timedelta(minutes=5)
    if spec.status == BookingStatus.FAILED:
        stamps["failed_at"] = requested_at + timedelta(minutes=15)
    if visit is None:
        language = spec.language or (appointment.language if appointment is not None else "") or "ar"
    else:
        language = spec.language or (visit.language_need.language if hasattr(visit, "language_need") else "ar")
    if spec.money is not None:
        stamps["cost_estimated_ore"] = spec.money
        stamps["cost_reported_ore"] = spec.money + 1
        stamps["cost_confirmed_ore"] = spec.money + 2 if spec.money % 2 == 0 else None
        if spec.status == BookingStatus.CANCELLED:
            stamps["cancellation_fee_ore"] = spec.money // 3
    booking = BookingFactory(
        visit=visit,
        appointment=appointment,
        language=language,
        modality=spec.modality,
        agency=spec.agency,
        status=spec.status,
        requested_at=requested_at,
        minutes_used=spec.minutes,
        cost_ore=spec.cost_ore,
        **stamps,
    )
    if spec.money is not None and spec.money % 3 == 0:
        # A disputed requisition (and a replaced one before it, which must not count).
        for status in (RequisitionStatus.REPLACED, RequisitionStatus.DISPUTED):
            Requisition.objects.create(
                booking=booking, status=status, reported_minutes=spec.minutes or 0, billed_minutes=spec.minutes or 0,
                cost_ore=spec.money, created_at=requested_at,
            )  # fmt: skip
    if spec.quality is not None:
        quality_for(booking, spec.quality, at=requested_at)
    return booking


QUALITY_KINDS = ("gender", "dialect", "named_interpreter", "denied_interpreter")
QUALITY_COMPLAINTS = (None, "filed", "accepted", "disputed", "withdrawn", "escalated")


def quality_for(booking: InterpreterBooking, seed: int, *, at: datetime) -> None:
    """Requirements, delivered competence, a rating and complaints of one booking, from one number."""
    booking.interpreter_competence = ["", *CompetenceLevel.values][seed % 6]
    booking.save(update_fields=["interpreter_competence"])
    for i in range((seed // 6) % 4):
        BookingRequirement.objects.create(
            booking=booking, kind=QUALITY_KINDS[i], value=f"v{i}", required=bool(i % 2),
            met=[None, True, False][(seed // 24 + i) % 3],
        )  # fmt: skip
    stars = (seed // 7) % 6
    if stars:
        bits = (seed // 42) % 32 if stars < 3 else 0
        problems = [p for n, p in enumerate(RatingProblem.values) if bits & (1 << n)]
        BookingRating.objects.create(booking=booking, stars=stars, problems=problems, rated_at=at)
    status = QUALITY_COMPLAINTS[(seed // 11) % 6]
    if status is not None and booking.agency_id is not None:
        if seed % 2:  # an earlier withdrawn complaint, which counts for nothing
            Complaint.objects.create(booking=booking, agency_id=booking.agency_id, type="other", message="m",
                                     status=ComplaintStatus.WITHDRAWN, filed_at=at)  # fmt: skip
        Complaint.objects.create(
            booking=booking, agency_id=booking.agency_id, type="other", message="m", status=status, filed_at=at
        )


def client_for(user: Any) -> APIClient:
    """A logged-in client asking for English (pages and API)."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def day_query(**kwargs: Any) -> UsageQuery:
    return UsageQuery(date_from=DAY, date_to=DAY, **kwargs)


def known_world() -> SimpleNamespace:
    """Thirteen visits on DAY at two offices, numbers worked out by hand:

    Uppsala (county C), 10 visits, 9 with a need:
      v1  no need
      v2  ar yes, outcome used; booking agency 1 phone completed, connect 120 s, 20 min, 328 kr
      v3  ar yes, no outcome;   booking agency 1 video completed, connect 40 s, 35 min, 491.75 kr
      v4  so yes, not used (relative); booking agency 2 phone failed
      v5  so yes, nothing recorded, no booking            -> gap "unrecorded"
      v6  ar unsure, not used (solved_without)            -> need_unsure, not wanted
      v7  ti declined                                     -> need_declined
      v8  ar no; booking agency 2 phone cancelled
      v9  ar yes, not used (none_available); booking agency 1 phone no-show, connect 300 s
      v10 ar yes (Skatteverket), outcome used, no booking (interpreter on site)
      => need 9, rate 0.9; wanted 6 (v2 v3 v4 v5 v9 v10), used 3 (v2 v3 v10), use rate 0.5;
         gap 3: relative 1, unrecorded 1, none_available 1. Bookings 5, confirmed 3 (v2 v3 v9),
         completed 2, failed 1, cancelled 1, no-show 1; fulfilment 2/(2+1+1) = 0.5.
         Connect times 40 s, 120 s, 300 s -> buckets 45, 120, 300: median 120, p90 300.
         Minutes 55, cost 81 975 öre, per need visit 81 975 / 9.
    Kiruna (county BD), 3 visits:
      v11 ar yes, not used (multilingual_staff)
      v12 no need
      v13 ar yes, nothing recorded; booking agency 2 video confirmed (still open), connect 1000 s
      => need 2, wanted 2, used 0, gap 2 (multilingual_staff 1, unrecorded 1); bookings 1,
         confirmed 1, nothing settled -> fulfilment None; connect bucket 1200 s; cost 0.
    """
    uppsala = OfficeFactory(name="Servicekontor Uppsala", county=County.UPPSALA)
    kiruna = OfficeFactory(name="Servicekontor Kiruna", municipality="Kiruna", county=County.NORRBOTTEN)
    fk = AuthorityFactory(code="forsakringskassan", name="Försäkringskassan")
    skv = AuthorityFactory(code="skatteverket", name="Skatteverket")
    ag1 = AgencyFactory(name="Tolkförmedling Väst", slug="tolk-vast")
    ag2 = AgencyFactory(name="Språkservice Syd", slug="sprak-syd")
    at = local(DAY, 10)
    u = {"office": uppsala, "authority": fk}
    k = {"office": kiruna, "authority": fk}
    P, V = Modality.PHONE, Modality.VIDEO
    S = BookingStatus
    visits = [
        visit_with(**u, at=at),
        visit_with(**u, at=at, need=("ar", "yes"), outcome=True,
                   bookings=(B(S.COMPLETED, ag1, P, connect_s=120, minutes=20, cost_ore=32800),)),
        visit_with(**u, at=at, need=("ar", "yes"),
                   bookings=(B(S.COMPLETED, ag1, V, connect_s=40, minutes=35, cost_ore=49175),)),
        visit_with(**u, at=at, need=("so", "yes"), outcome="relative", bookings=(B(S.FAILED, ag2, P),)),
        visit_with(**u, at=at, need=("so", "yes")),
        visit_with(**u, at=at, need=("ar", "unsure"), outcome="solved_without"),
        visit_with(**u, at=at, need=("ti", "declined")),
        visit_with(**u, at=at, need=("ar", "no"), bookings=(B(S.CANCELLED, ag2, P),)),
        visit_with(**u, at=at, need=("ar", "yes"), outcome="none_available",
                   bookings=(B(S.NO_SHOW, ag1, P, connect_s=300),)),
        visit_with(office=uppsala, authority=skv, at=at, need=("ar", "yes"), outcome=True),
        visit_with(**k, at=at, need=("ar", "yes"), outcome="multilingual_staff"),
        visit_with(**k, at=at),
        visit_with(**k, at=at, need=("ar", "yes"), bookings=(B(S.CONFIRMED, ag2, V, connect_s=1000),)),
    ]  # fmt: skip
    return SimpleNamespace(uppsala=uppsala, kiruna=kiruna, fk=fk, skv=skv, ag1=ag1, ag2=ag2, visits=visits)
