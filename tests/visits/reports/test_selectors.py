"""Rollup == raw: random visits, needs, outcomes and bookings; every report over the daily rollups must
equal the same report straight from the rows, and both must equal a plain-Python count written from
the definitions (README "Measures"), for every group_by, period and filter."""

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interpreters.models import (
    ACTIVE_BOOKING_STATUSES,
    BookingRating,
    BookingRequirement,
    BookingStatus,
    Complaint,
    InterpreterBooking,
    Modality,
)
from tests.factories import AppointmentFactory, AuthorityFactory, OfficeFactory
from tests.interpreters.factories import AgencyFactory
from tests.visits.reports.data import B, booking_for, local, visit_with
from visits.models import (
    AppointmentStatus,
    County,
    InterpreterWanted,
    NotUsedReason,
    StaffingDay,
    Visit,
    VisitStatus,
)
from visits.reports.dimensions import GROUP_BY_CHOICES
from visits.reports.measures import (
    BOOKING_COUNTER_NAMES,
    CONNECT_BUCKETS,
    DURATION_EDGES_S,
    OFFICE_COUNTER_NAMES,
    SERVICE_BUCKETS,
    SERVICE_SECONDS,
    VISIT_COUNTER_NAMES,
    WAIT_BUCKETS,
    connect_bucket_index,
)
from visits.reports.selectors import PERIOD_CHOICES, UsageQuery, usage_counters, usage_report
from visits.reports.services import usage_rollups_rebuild

# Across a year end, ISO week 1 that starts in December, a month end and the spring DST switch.
DAYS = [date(2025, 12, 29), date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 5), date(2026, 3, 29)]
LANGUAGES = ["ar", "so", "ti"]
STATUSES = list(BookingStatus.values)


@pytest.fixture
def reference_data(db):
    offices = [
        OfficeFactory(name="Uppsala", county=County.UPPSALA),
        OfficeFactory(name="Enköping", county=County.UPPSALA),
        OfficeFactory(name="Kiruna", county=County.NORRBOTTEN),
    ]
    authorities = [
        AuthorityFactory(code="forsakringskassan", name="Försäkringskassan"),
        AuthorityFactory(code="skatteverket", name="Skatteverket"),
    ]
    agencies = [AgencyFactory(), AgencyFactory()]
    return offices, authorities, agencies


booking_specs = st.fixed_dictionaries(
    {
        "status": st.sampled_from(STATUSES),
        "agency": st.sampled_from([0, 1, None]),
        "modality": st.sampled_from(Modality.values),
        "language": st.sampled_from(LANGUAGES),
        "connect_s": st.none() | st.integers(0, 6 * 3600) | st.sampled_from([15, 120, 14400]),
        "started_only": st.booleans(),
        "minutes": st.none() | st.integers(1, 90),
        "cost_ore": st.none() | st.integers(0, 200_000),
        "money": st.none() | st.integers(0, 300_000),
        "quality": st.none() | st.integers(0, 10_000),
    }
)
visit_specs = st.fixed_dictionaries(
    {
        "office": st.integers(0, 2),
        "authority": st.integers(0, 1),
        "day": st.sampled_from(DAYS),
        "hour": st.integers(0, 23),
        "need": st.none() | st.tuples(st.sampled_from(LANGUAGES), st.sampled_from(InterpreterWanted.values)),
        "outcome": st.none() | st.just(True) | st.sampled_from(NotUsedReason.values),
        "bookings": st.lists(booking_specs, max_size=2),
        # None: never served (waiting, or left if "left"); else (wait s, service s or None = still in service)
        "times": st.none() | st.tuples(st.integers(0, 3 * 3600), st.none() | st.integers(0, 3 * 3600)),
        "left": st.booleans(),
    }
)
# (office, day, officer hours x 100): staffing on days with and without visits.
# Appointments holding their pre-booked interpreter (issue 11): before check-in, after a no-show or a
# cancellation the booking counts on the appointment's office and date.
appointment_specs = st.fixed_dictionaries(
    {
        "office": st.integers(0, 2),
        "authority": st.integers(0, 1),
        "day": st.sampled_from(DAYS),
        "hour": st.integers(7, 18),
        "status": st.sampled_from(AppointmentStatus.values),
        "language": st.sampled_from(["", *LANGUAGES]),
        "bookings": st.lists(booking_specs, max_size=2),
    }
)
staffing_specs = st.tuples(st.integers(0, 2), st.sampled_from(DAYS), st.integers(0, 20_000))
query_specs = st.fixed_dictionaries(
    {
        "range": st.lists(st.sampled_from(DAYS), min_size=2, max_size=2).map(sorted),
        "group_by": st.sampled_from([None, *GROUP_BY_CHOICES]),
        "period": st.sampled_from([None, *PERIOD_CHOICES]),
        "offices": st.none() | st.sets(st.integers(0, 2), max_size=2),
        "county": st.sampled_from([None, None, County.UPPSALA, County.NORRBOTTEN]),
        "authority": st.sampled_from([None, None, 0]),
        "language": st.sampled_from([None, None, "ar", "so", ""]),
        "agency": st.sampled_from([None, None, 1]),
        "modality": st.sampled_from([None, None, Modality.VIDEO]),
    }
)


def create(spec: dict, offices: list, authorities: list, agencies: list) -> None:
    visit = visit_with(
        office=offices[spec["office"]],
        authority=authorities[spec["authority"]],
        at=local(spec["day"], spec["hour"], 10),
        need=spec["need"],
        outcome=spec["outcome"],
    )
    set_times(visit, spec.get("times"), left=spec.get("left", False))
    active = False
    for b in spec["bookings"]:
        status = b["status"]
        if status in ACTIVE_BOOKING_STATUSES:
            if active:  # one live booking per visit (a partial unique index)
                status = BookingStatus.CANCELLED
            active = True
        agency = None if b["agency"] is None else agencies[b["agency"]]
        spec_b = B(status, agency, b["modality"], b["connect_s"], b["minutes"], b["cost_ore"], b["language"],
                   b["started_only"], b.get("money"), b.get("quality"))  # fmt: skip
        booking_for(visit, spec_b, requested_at=visit.checked_in_at + timedelta(minutes=3))


def create_appointment(spec: dict, offices: list, authorities: list, agencies: list) -> None:
    start = local(spec["day"], spec["hour"], 30)
    appointment = AppointmentFactory(
        office=offices[spec["office"]],
        authority=authorities[spec["authority"]],
        start=start,
        status=spec["status"],
        language=spec["language"],
        interpreter_wanted=InterpreterWanted.YES if spec["language"] else "",
    )
    active = False
    for b in spec["bookings"]:
        status = b["status"]
        if status in ACTIVE_BOOKING_STATUSES:
            if active:  # one live booking per appointment (a partial unique index)
                status = BookingStatus.CANCELLED
            active = True
        agency = None if b["agency"] is None else agencies[b["agency"]]
        spec_b = B(status, agency, b["modality"], b["connect_s"], b["minutes"], b["cost_ore"], b["language"],
                   b["started_only"], b.get("money"))  # fmt: skip
        booking_for(None, spec_b, requested_at=start - timedelta(days=3), appointment=appointment)


def set_times(visit: Visit, times: tuple | None, *, left: bool) -> None:
    if times is None:
        visit.status = VisitStatus.LEFT if left else VisitStatus.WAITING
        visit.ended_at = visit.checked_in_at + timedelta(minutes=7) if left else None
    else:
        wait_s, service_s = times
        visit.started_at = visit.checked_in_at + timedelta(seconds=wait_s)
        if service_s is None:
            visit.status = VisitStatus.IN_SERVICE
        else:
            visit.status = VisitStatus.DONE
            visit.ended_at = visit.started_at + timedelta(seconds=service_s)
    visit.save(update_fields=["status", "started_at", "ended_at"])


def _duration_bucket(seconds: float) -> int:
    return next((i for i, edge in enumerate(DURATION_EDGES_S) if seconds <= edge), len(DURATION_EDGES_S))


def to_query(spec: dict, offices: list, authorities: list, agencies: list) -> UsageQuery:
    lo, hi = spec["range"]
    return UsageQuery(
        date_from=lo,
        date_to=hi,
        group_by=spec["group_by"],
        period=spec["period"],
        offices=None if spec["offices"] is None else frozenset(offices[i].pk for i in spec["offices"]),
        county=spec["county"],
        authority=None if spec["authority"] is None else authorities[spec["authority"]].pk,
        language=spec["language"],
        agency=None if spec["agency"] is None else agencies[spec["agency"]].pk,
        modality=spec["modality"],
    )


# --- the plain-Python yardstick ------------------------------------------------------------------------


def _period_start(day: date, period: str | None) -> date | None:
    if period is None:
        return None
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def _visit_matches(q: UsageQuery, v: Visit) -> bool:
    """The filters a visit and its bookings share: period, offices, county, authority."""
    return (
        q.date_from <= v.service_date <= q.date_to
        and (q.offices is None or v.office_id in q.offices)
        and (q.office is None or v.office_id == q.office)
        and (q.county is None or v.office.county == q.county)
        and (q.authority is None or v.authority_id == q.authority)
    )


def _visit_key(q: UsageQuery, v: Visit) -> tuple | None:
    need = getattr(v, "language_need", None)
    language = need.language if need else ""
    if not _visit_matches(q, v) or (q.language is not None and language != q.language):
        return None
    groups = {"office": v.office_id, "county": v.office.county, "authority": v.authority_id, "language": language}
    return (groups[q.group_by] if q.group_by else None, _period_start(v.service_date, q.period))


def _booking_key(q: UsageQuery, b: InterpreterBooking) -> tuple | None:
    # A booking counts on its visit, or before check-in on its appointment (same fields).
    v = b.visit if b.visit is not None else b.appointment
    if not _visit_matches(q, v):
        return None
    if (q.language is not None and b.language != q.language) or (q.agency and b.agency_id != q.agency):
        return None
    if q.modality and b.modality != q.modality:
        return None
    groups = {
        "office": v.office_id,
        "county": v.office.county,
        "authority": v.authority_id,
        "language": b.language,
        "agency": b.agency_id,
        "modality": b.modality,
    }
    return (groups[q.group_by] if q.group_by else None, _period_start(v.service_date, q.period))


def _quality_reference(c: Counter, b: InterpreterBooking) -> None:
    """Issue 10, from the definitions: every requirement asked, met and not met (unanswered is
    neither); completed calls with an authorised interpreter; ratings, stars and each problem named;
    bookings with a complaint that is not withdrawn, accepted, disputed (escalated counts)."""
    met = [r.met for r in BookingRequirement.objects.filter(booking=b)]
    c["requirements_asked"] += len(met)
    c["requirements_met"] += met.count(True)
    c["requirements_unmet"] += met.count(False)
    c["calls_authorised"] += b.status == "completed" and b.interpreter_competence in (
        "auktoriserad",
        "sjukvardstolk",
        "rattstolk",
    )
    rating = BookingRating.objects.filter(booking=b).first()
    if rating is not None:
        c["ratings"] += 1
        c["rating_stars"] += rating.stars
        for problem in rating.problems:
            c[f"rating_problem_{problem}"] += 1
    statuses = set(Complaint.objects.filter(booking=b).values_list("status", flat=True))
    c["complaints"] += bool(statuses - {"withdrawn"})
    c["complaints_accepted"] += "accepted" in statuses
    c["complaints_disputed"] += bool(statuses & {"disputed", "escalated"})


def reference_counters(q: UsageQuery) -> dict[tuple, dict[str, int]]:
    visit_part = q.visit_measures
    out: dict[tuple, Counter] = {}
    visits = Visit.objects.select_related("office", "language_need", "outcome").prefetch_related("bookings")
    for v in visits if visit_part else []:
        key = _visit_key(q, v)
        if key is None:
            continue
        c = out.setdefault(key, Counter())
        need = getattr(v, "language_need", None)
        outcome = getattr(v, "outcome", None)
        wanted = need is not None and need.interpreter_wanted == "yes"
        used = (outcome is not None and outcome.interpreter_used) or any(
            b.status == BookingStatus.COMPLETED for b in v.bookings.all()
        )
        c["visits"] += 1
        c["need"] += need is not None
        c["need_unsure"] += need is not None and need.interpreter_wanted == "unsure"
        c["need_declined"] += need is not None and need.interpreter_wanted == "declined"
        c["wanted"] += wanted
        c["wanted_used"] += wanted and used
        if wanted and not used:
            c[f"gap_{outcome.reason_not_used if outcome else 'unrecorded'}"] += 1
        group = "interpreted" if used else "need" if need is not None else "none"
        c["left_before_service"] += v.status == VisitStatus.LEFT and v.started_at is None
        if v.started_at is not None:
            c[WAIT_BUCKETS[group][_duration_bucket((v.started_at - v.checked_in_at).total_seconds())]] += 1
            if v.status == VisitStatus.DONE:
                served = (v.ended_at - v.started_at).total_seconds()
                c[SERVICE_BUCKETS[group][_duration_bucket(served)]] += 1
                c[SERVICE_SECONDS[group]] += round(served)
    for b in InterpreterBooking.objects.select_related("visit__office", "appointment__office"):
        key = _booking_key(q, b)
        if key is None:
            continue
        c = out.setdefault(key, Counter())
        c["bookings"] += 1
        c["bookings_confirmed"] += b.confirmed_at is not None or b.started_at is not None
        for status in ("completed", "failed", "cancelled", "no_show"):
            c[f"bookings_{status}"] += b.status == status
        c["minutes"] += b.minutes_used or 0
        c["cost_ore"] += b.cost_ore or 0
        c["cost_estimated_ore"] += b.cost_estimated_ore or 0
        c["cost_reported_ore"] += b.cost_reported_ore or 0
        c["cost_confirmed_ore"] += b.cost_confirmed_ore or 0
        c["cancellation_fees_ore"] += b.cancellation_fee_ore or 0
        c["cancellations_billable"] += (b.cancellation_fee_ore or 0) > 0
        if b.requisitions.filter(status="disputed").exists():
            c["disputed_minutes"] += b.minutes_used or 0
        connected = b.confirmed_at or b.started_at
        if connected is not None:
            c[CONNECT_BUCKETS[connect_bucket_index((connected - b.requested_at).total_seconds())]] += 1
        _quality_reference(c, b)
    names = (*VISIT_COUNTER_NAMES, *BOOKING_COUNTER_NAMES) if visit_part else BOOKING_COUNTER_NAMES
    if not q.dimensions() - {"office", "county"}:  # staffing exists per office-day only
        names = (*names, *OFFICE_COUNTER_NAMES)
        staffed = {}
        for day in StaffingDay.objects.select_related("office"):
            staffed[(day.office_id, day.date)] = day
            key = _visit_key(q, Visit(office=day.office, service_date=day.date))
            if key is not None:
                out.setdefault(key, Counter())["officer_minutes"] += round(day.officer_hours * 60)
        for v in visits:
            key = _visit_key(q, v)
            if key is not None and (v.office_id, v.service_date) in staffed:
                out[key]["staffed_visits"] += 1
                if v.status == VisitStatus.DONE and v.started_at and v.ended_at:
                    out[key]["staffed_service_s"] += round((v.ended_at - v.started_at).total_seconds())
    full = {key: {n: int(c[n]) for n in names} for key, c in out.items()}
    return {key: c for key, c in full.items() if any(c.values())}


def comparable(rows: list) -> list[tuple]:
    return [(r.group, r.label, r.period, r.counters, r.measures, r.outlier) for r in rows]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    visits=st.lists(visit_specs, max_size=14),
    queries=st.lists(query_specs, min_size=3, max_size=6),
    staffing=st.lists(staffing_specs, max_size=4, unique_by=lambda spec: spec[:2]),
    appointments=st.lists(appointment_specs, max_size=5),
)
def test_reports_from_rollups_equal_the_raw_rows_and_the_definitions(
    reference_data, visits, queries, staffing, appointments
):
    offices, authorities, agencies = reference_data
    with transaction.atomic():
        for spec in visits:
            create(spec, offices, authorities, agencies)
        for spec in appointments:
            create_appointment(spec, offices, authorities, agencies)
        for office, day, centi_hours in staffing:
            StaffingDay.objects.create(
                office=offices[office], date=day, officer_hours=Decimal(centi_hours) / 100, updated_at=timezone.now()
            )
        usage_rollups_rebuild()
        for spec in queries:
            q = to_query(spec, offices, authorities, agencies)
            raw = usage_counters(q, source="raw")
            assert raw == reference_counters(q), q
            assert usage_counters(q, source="rollup") == raw, q
            assert comparable(usage_report(q, source="rollup")) == comparable(usage_report(q, source="raw")), q
        transaction.set_rollback(True)


@pytest.mark.parametrize("group_by", [None, *GROUP_BY_CHOICES])
def test_every_group_by_and_period_agree_on_a_fixed_mix(reference_data, group_by):
    """The same check, exhaustive over group_by x period, on a fixed mix of visits."""
    offices, authorities, agencies = reference_data
    mix = [
        {"office": i % 3, "authority": i % 2, "day": DAYS[i % len(DAYS)], "hour": (i * 5) % 24,
         "need": None if i % 4 == 0 else (LANGUAGES[i % 3], InterpreterWanted.values[i % 4]),
         "outcome": [None, True, "relative", "visitor_left"][i % 4],
         "bookings": [{"status": STATUSES[(i + k) % len(STATUSES)], "agency": [0, 1, None][(i + k) % 3],
                       "modality": Modality.values[(i + k) % 3], "language": LANGUAGES[(i + k) % 3],
                       "connect_s": [None, 15, 95, 20000][(i + k) % 4], "started_only": k == 1,
                       "minutes": (i + k) % 40 or None, "cost_ore": 100 * i,
                       "money": None if (i + k) % 5 == 0 else 1000 * i + k,
                       "quality": None if (i + k) % 4 == 0 else 997 * i + 131 * k} for k in range(i % 3)]}
        for i in range(24)
    ]  # fmt: skip
    for spec in mix:
        create(spec, offices, authorities, agencies)
    usage_rollups_rebuild()

    for period in [None, *PERIOD_CHOICES]:
        q = UsageQuery(date_from=DAYS[0], date_to=DAYS[-1], group_by=group_by, period=period)
        raw = usage_counters(q, source="raw")
        assert raw and raw == reference_counters(q), period
        assert usage_counters(q, source="rollup") == raw, period
        assert comparable(usage_report(q, source="rollup")) == comparable(usage_report(q, source="raw")), period
