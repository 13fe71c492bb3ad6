"""THE definition of every usage measure (issue 4). Documented in README.md, section "Measures".

Every measure is built in two steps, and both steps live here so raw queries and rollups can never
drift apart:

1. *Counters*: additive integers defined per visit (``VISIT_COUNTERS``) or per booking
   (``BOOKING_COUNTERS``) as SQL expressions. The rollup tables store exactly these sums per day, and
   the raw path computes the same sums straight from visits/bookings, so a report over rollups is by
   construction the same as one over raw rows (and tests/visits/reports prove it).
2. *Derived measures*: rates, Wilson intervals, percentiles, cost per visit, computed in Python from
   a dict of counters by ``derive()``.

Attribution: a visit counts on its ``service_date`` (the Europe/Stockholm date of check-in), at its
office, for its authority and the language of its LanguageNeed; a booking counts on its visit's
service date and office (before check-in: its appointment's date and office, which is where a no-show
appointment's booking stays), for the booking's language, agency and modality. A visit that runs past
midnight, or a booking confirmed after midnight, stays on the day the visitor checked in.

Every channel counts (issue 11): a call on an agency's direct line and an interpreter ordered outside
tolkdesk are InterpreterBooking rows (``channel``) completed with their minutes and cost, so "an
interpreter was used", ``minutes`` and ``cost_ore`` include them through the same expressions; only
the time to connect is left out for them (see ``_connect_expression``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce

from interpreters.models import (
    BookingChannel,
    BookingRequirement,
    BookingStatus,
    CompetenceLevel,
    Complaint,
    ComplaintStatus,
    InterpreterBooking,
    RatingProblem,
    Requisition,
    RequisitionStatus,
)
from visits.models import InterpreterWanted, NotUsedReason, VisitStatus

# --- the choices the definitions rest on ------------------------------------------------------------

#: "Interpreter wanted" means LanguageNeed.interpreter_wanted == "yes". "unsure" is NOT counted as
#: wanted (nobody asked for one yet; it is reported on its own as ``need_unsure``), "declined" and
#: "no" are not wanted either.
WANTED_VALUES: tuple[str, ...] = (InterpreterWanted.YES,)

#: visits.models.NotUsedReason values, plus "unrecorded" (no outcome recorded at all). The order is
#: the order of the ``gap_*`` columns in the rollup tables.
UNRECORDED = "unrecorded"
GAP_REASONS: tuple[str, ...] = (*NotUsedReason.values, UNRECORDED)

#: Time to connect = (confirmed_at, or started_at if it was never marked confirmed) - requested_at.
#: Stored as a histogram: bucket i counts connect times t with EDGE[i-1] < t <= EDGE[i] (seconds);
#: the last bucket is open (t > 4 h). Percentiles are read from the histogram (see ``percentile``),
#: so they are exact to the bucket: the reported value is the bucket's upper edge.
CONNECT_EDGES_S: tuple[int, ...] = (
    15, 30, 45, 60, 90, 120, 180, 240, 300, 450, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 14400,
)  # fmt: skip
CONNECT_BUCKETS = tuple(f"connect_b{i:02d}" for i in range(len(CONNECT_EDGES_S) + 1))

#: Wait (check-in -> service start) and service time (service start -> end of a visit that was
#: served to the end), as histograms like the connect time's, per group of visits (the workload
#: model, RiR 2022:28): "interpreted" (an interpreter was used, see ``_used_q``), "need" (a language
#: need was recorded and no interpreter used) and "none" (neither). Upper bucket edges in seconds;
#: the last bucket is open (more than 2 h).
DURATION_EDGES_S: tuple[int, ...] = (60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200)
TIME_GROUPS: tuple[str, ...] = ("interpreted", "need", "none")
WAIT_BUCKETS: dict[str, tuple[str, ...]] = {
    g: tuple(f"wait_{g}_b{i:02d}" for i in range(len(DURATION_EDGES_S) + 1)) for g in TIME_GROUPS
}
SERVICE_BUCKETS: dict[str, tuple[str, ...]] = {
    g: tuple(f"service_{g}_b{i:02d}" for i in range(len(DURATION_EDGES_S) + 1)) for g in TIME_GROUPS
}
#: Seconds of service summed per group (for means and served minutes per officer hour).
SERVICE_SECONDS: dict[str, str] = {g: f"service_s_{g}" for g in TIME_GROUPS}

#: After the call (issue 10). A call "with an authorised interpreter": a completed booking whose
#: delivered interpreter is authorised by Kammarkollegiet (any of the authorised levels).
AUTHORISED_LEVELS: tuple[str, ...] = (
    CompetenceLevel.AUKTORISERAD,
    CompetenceLevel.SJUKVARDSTOLK,
    CompetenceLevel.RATTSTOLK,
)
#: One counter per rating problem: ratings that name it.
RATING_PROBLEM_COUNTERS: dict[str, str] = {p: f"rating_problem_{p}" for p in RatingProblem.values}
#: Complaints count bookings complained about (a withdrawn complaint does not count); "accepted" and
#: "disputed" the bookings whose complaint the agency accepted (or let lapse) / disputed (including
#: those the office escalated after the dispute).
COMPLAINT_COUNTED = (
    ComplaintStatus.FILED,
    ComplaintStatus.ACCEPTED,
    ComplaintStatus.DISPUTED,
    ComplaintStatus.ESCALATED,
)
COMPLAINT_DISPUTED = (ComplaintStatus.DISPUTED, ComplaintStatus.ESCALATED)

Z_95 = 1.959963984540054


# --- step 1: counters -------------------------------------------------------------------------------


def completed_visit_ids(visits: Any) -> Any:
    """The ids of the visits in ``visits`` (a Visit queryset) that have a completed booking: the
    booking half of "an interpreter was used", bounded by the caller's own visit filter (its window
    of service dates), never every completed booking in history."""
    return (
        InterpreterBooking.objects.filter(status=BookingStatus.COMPLETED, visit__in=visits.order_by().values("pk"))
        .order_by()
        .values("visit_id")
    )


def visit_counter_expressions(*, completed_visits: Any) -> dict[str, Any]:
    """Aggregates over a Visit queryset. Each is a count of visits (hence additive).

    ``completed_visits``: the ids of those visits with a completed booking, as a subquery (see
    ``completed_visit_ids``; the rollup refresh passes a CTE computed once per window)."""
    has_need = Q(language_need__isnull=False)
    wanted = Q(language_need__interpreter_wanted__in=WANTED_VALUES)
    # An interpreter was used: the officer recorded it, or a booking of the visit completed.
    used = Q(outcome__interpreter_used=True) | Q(pk__in=completed_visits)
    not_used = wanted & ~used
    exprs: dict[str, Any] = {
        "visits": Count("pk"),
        "need": Count("pk", filter=has_need),
        "need_unsure": Count("pk", filter=Q(language_need__interpreter_wanted=InterpreterWanted.UNSURE)),
        "need_declined": Count("pk", filter=Q(language_need__interpreter_wanted=InterpreterWanted.DECLINED)),
        "wanted": Count("pk", filter=wanted),
        "wanted_used": Count("pk", filter=wanted & used),
    }
    for reason in GAP_REASONS:
        if reason == UNRECORDED:
            exprs["gap_unrecorded"] = Count("pk", filter=not_used & Q(outcome__isnull=True))
        else:
            exprs[f"gap_{reason}"] = Count("pk", filter=not_used & Q(outcome__reason_not_used=reason))
    exprs.update(_time_counter_expressions(has_need=has_need, used=used))
    return exprs


class SecondsBetween(Func):
    """Whole seconds from the first datetime to the second, as an integer on every backend (Django's
    Extract cannot read a duration on SQLite)."""

    output_field = BigIntegerField()

    POSTGRESQL = "CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start}))) AS BIGINT)"
    SQLITE = "CAST(ROUND((julianday({end}) - julianday({start})) * 86400) AS INTEGER)"

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        return self._sql(compiler, connection, self.POSTGRESQL)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self._sql(compiler, connection, self.SQLITE)

    def _sql(self, compiler: Any, connection: Any, template: str) -> tuple[str, list[Any]]:
        start, end = self.get_source_expressions()
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        return template.format(start=start_sql, end=end_sql), [*end_params, *start_params]


def _bucket_conditions(start: str, end: str) -> list[Q]:
    """Q per duration bucket for end - start (both set): lower edge < duration <= upper edge."""
    conditions = []
    lower: int | None = None
    for edge in (*DURATION_EDGES_S, None):
        cond = Q(**{f"{start}__isnull": False, f"{end}__isnull": False})
        if lower is not None:
            cond &= Q(**{f"{end}__gt": F(start) + timedelta(seconds=lower)})
        if edge is not None:
            cond &= Q(**{f"{end}__lte": F(start) + timedelta(seconds=edge)})
        conditions.append(cond)
        lower = edge
    return conditions


def _time_counter_expressions(*, has_need: Q, used: Q) -> dict[str, Any]:
    groups = {"interpreted": used, "need": has_need & ~used, "none": ~has_need & ~used}
    served = Q(status=VisitStatus.DONE)
    exprs: dict[str, Any] = {
        "left_before_service": Count("pk", filter=Q(status=VisitStatus.LEFT, started_at__isnull=True)),
    }
    for group, in_group in groups.items():
        for name, cond in zip(WAIT_BUCKETS[group], _bucket_conditions("checked_in_at", "started_at"), strict=True):
            exprs[name] = Count("pk", filter=in_group & cond)
        for name, cond in zip(SERVICE_BUCKETS[group], _bucket_conditions("started_at", "ended_at"), strict=True):
            exprs[name] = Count("pk", filter=in_group & served & cond)
        exprs[SERVICE_SECONDS[group]] = Coalesce(
            Sum(SecondsBetween("started_at", "ended_at"), filter=in_group & served & Q(started_at__isnull=False)), 0
        )
    return exprs


def _connect_expression() -> Case:
    # Only a booking made through tolkdesk has a time to connect: a direct-line call is logged when
    # already connected, an order placed elsewhere after the fact (issue 11). Those count in use,
    # minutes and cost, never in the connect histogram.
    return Case(
        When(
            channel=BookingChannel.TOLKDESK,
            then=ExpressionWrapper(
                Coalesce(F("confirmed_at"), F("started_at"), output_field=DateTimeField()) - F("requested_at"),
                output_field=DurationField(),
            ),
        ),
        default=None,
        output_field=DurationField(),
    )


def _disputed() -> Any:
    return Requisition.objects.filter(booking=OuterRef("pk"), status=RequisitionStatus.DISPUTED)


def _requirements_of_booking(**filters: Any) -> Any:
    """The number of the booking's requirements (matching ``filters``), or NULL when none: summed
    per slice. A subquery, so joining requirements never multiplies the bookings counted."""
    rows = (
        BookingRequirement.objects.filter(booking=OuterRef("pk"), **filters)
        .order_by()
        .values("booking")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Sum(Subquery(rows, output_field=BigIntegerField())), 0)


def _complaint(statuses: tuple[str, ...]) -> Any:
    return Complaint.objects.filter(booking=OuterRef("pk"), status__in=statuses)


def quality_counter_expressions() -> dict[str, Any]:
    """Requirements asked / met / not met, calls with an authorised interpreter, ratings (count, sum
    of stars, each problem) and complaints (per booking) over an InterpreterBooking queryset."""
    rated = Q(rating__isnull=False)
    exprs: dict[str, Any] = {
        "requirements_asked": _requirements_of_booking(),
        "requirements_met": _requirements_of_booking(met=True),
        "requirements_unmet": _requirements_of_booking(met=False),
        "calls_authorised": Count(
            "pk", filter=Q(status=BookingStatus.COMPLETED, interpreter_competence__in=AUTHORISED_LEVELS)
        ),
        # The rating is one-to-one with the booking: the join adds no rows.
        "ratings": Count("pk", filter=rated),
        "rating_stars": Coalesce(Sum("rating__stars", filter=rated), 0),
    }
    for problem, name in RATING_PROBLEM_COUNTERS.items():
        # Problems are a JSON list of codes; the quoted code matches only itself on every backend
        # (no code is a substring of another between quotes).
        exprs[name] = Count("pk", filter=rated & Q(rating__problems__icontains=f'"{problem}"'))
    exprs["complaints"] = Count("pk", filter=Q(Exists(_complaint(COMPLAINT_COUNTED))))
    exprs["complaints_accepted"] = Count("pk", filter=Q(Exists(_complaint((ComplaintStatus.ACCEPTED,)))))
    exprs["complaints_disputed"] = Count("pk", filter=Q(Exists(_complaint(COMPLAINT_DISPUTED))))
    return exprs


def booking_counter_expressions() -> dict[str, Any]:
    """Aggregates over an InterpreterBooking queryset annotated with ``connect`` (see
    ``annotate_connect``). Counts of bookings and sums of minutes/cost."""
    exprs: dict[str, Any] = {
        "bookings": Count("pk"),
        # Reached confirmation at some point (it may since have completed, no-showed or been cancelled).
        "bookings_confirmed": Count("pk", filter=Q(confirmed_at__isnull=False) | Q(started_at__isnull=False)),
        "bookings_completed": Count("pk", filter=Q(status=BookingStatus.COMPLETED)),
        "bookings_failed": Count("pk", filter=Q(status=BookingStatus.FAILED)),
        "bookings_cancelled": Count("pk", filter=Q(status=BookingStatus.CANCELLED)),
        "bookings_no_show": Count("pk", filter=Q(status=BookingStatus.NO_SHOW)),
        "minutes": Coalesce(Sum("minutes_used"), 0),
        # The call cost: the office-confirmed price where confirmed, else the agency's reported one.
        "cost_ore": Coalesce(Sum("cost_ore"), 0),
        # Money (issue 9): the estimate shown before ordering, the agency's reported price, the
        # office-confirmed price; minutes of calls whose current requisition the office disputes;
        # cancellation fees the office owes (system cancels and the agency's own cost nothing).
        "cost_estimated_ore": Coalesce(Sum("cost_estimated_ore"), 0),
        "cost_reported_ore": Coalesce(Sum("cost_reported_ore"), 0),
        "cost_confirmed_ore": Coalesce(Sum("cost_confirmed_ore"), 0),
        "disputed_minutes": Coalesce(Sum("minutes_used", filter=Q(Exists(_disputed()))), 0),
        "cancellation_fees_ore": Coalesce(Sum("cancellation_fee_ore"), 0),
        "cancellations_billable": Count("pk", filter=Q(cancellation_fee_ore__gt=0)),
    }
    lower: int | None = None
    for name, edge in zip(CONNECT_BUCKETS, (*CONNECT_EDGES_S, None), strict=True):
        cond = Q(connect__isnull=False)
        if lower is not None:
            cond &= Q(connect__gt=timedelta(seconds=lower))
        if edge is not None:
            cond &= Q(connect__lte=timedelta(seconds=edge))
        exprs[name] = Count("pk", filter=cond)
        lower = edge
    exprs.update(quality_counter_expressions())
    return exprs


def annotate_connect(qs: Any) -> Any:
    return qs.annotate(connect=_connect_expression())


VISIT_COUNTER_NAMES: tuple[str, ...] = (
    "visits",
    "need",
    "need_unsure",
    "need_declined",
    "wanted",
    "wanted_used",
    *(f"gap_{r}" for r in GAP_REASONS),
    "left_before_service",
    *(name for g in TIME_GROUPS for name in (*WAIT_BUCKETS[g], *SERVICE_BUCKETS[g], SERVICE_SECONDS[g])),
)
BOOKING_COUNTER_NAMES: tuple[str, ...] = (
    "bookings",
    "bookings_confirmed",
    "bookings_completed",
    "bookings_failed",
    "bookings_cancelled",
    "bookings_no_show",
    "minutes",
    "cost_ore",
    "cost_estimated_ore",
    "cost_reported_ore",
    "cost_confirmed_ore",
    "disputed_minutes",
    "cancellation_fees_ore",
    "cancellations_billable",
    *CONNECT_BUCKETS,
    "requirements_asked",
    "requirements_met",
    "requirements_unmet",
    "calls_authorised",
    "ratings",
    "rating_stars",
    *RATING_PROBLEM_COUNTERS.values(),
    "complaints",
    "complaints_accepted",
    "complaints_disputed",
)
#: Counters in öre or minutes: big sums, stored as 64-bit integers.
#: Per office-day only (DailyOfficeUsage and MonthlyOfficeUsage): the staffing the office recorded
#: (visits.StaffingDay), and the visits and service seconds of the office-days that have it, so
#: "visits per officer hour" never divides the visits of unstaffed days by the hours of staffed ones.
OFFICE_COUNTER_NAMES: tuple[str, ...] = ("officer_minutes", "staffed_visits", "staffed_service_s")

BIG_COUNTER_NAMES = frozenset(
    {"minutes", "cost_ore", "cost_estimated_ore", "cost_reported_ore", "cost_confirmed_ore", "disputed_minutes",
     "cancellation_fees_ore", "staffed_service_s", *SERVICE_SECONDS.values()}
)  # fmt: skip


def connect_bucket_index(seconds: float) -> int:
    """The histogram bucket of one connect time (used by the Python reference in tests and the
    generator)."""
    for i, edge in enumerate(CONNECT_EDGES_S):
        if seconds <= edge:
            return i
    return len(CONNECT_EDGES_S)


# --- step 2: derived measures -----------------------------------------------------------------------


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """95% Wilson score interval for a proportion; None when there is nothing to estimate."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def percentile(histogram: list[int], p: float, edges: tuple[int, ...] = CONNECT_EDGES_S) -> int | None:
    """Nearest-rank percentile from a histogram (default: the connect time's): the upper edge (seconds) of the first
    bucket whose cumulative count reaches ceil(p * n). The open last bucket reports its lower edge
    (meaning "more than 4 h"). None without observations."""
    n = sum(histogram)
    if n == 0:
        return None
    rank = max(1, math.ceil(p * n))
    seen = 0
    for i, count in enumerate(histogram):
        seen += count
        if seen >= rank:
            return edges[min(i, len(edges) - 1)]
    return edges[-1]  # pragma: no cover - unreachable, rank <= n


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


@dataclass(frozen=True)
class Measures:
    visits: int | None
    need: int | None
    need_rate: float | None
    need_unsure: int | None
    need_declined: int | None
    wanted: int | None
    wanted_used: int | None
    use_rate: float | None
    use_rate_ci: tuple[float, float] | None
    gap: int | None
    gap_by_reason: dict[str, int] | None
    bookings: int
    bookings_confirmed: int
    bookings_completed: int
    bookings_failed: int
    bookings_cancelled: int
    bookings_no_show: int
    fulfilment_rate: float | None
    connect_median_s: int | None
    connect_p90_s: int | None
    minutes: int
    cost_ore: int
    cost_estimated_ore: int
    cost_reported_ore: int
    cost_confirmed_ore: int
    disputed_minutes: int
    cancellation_fees_ore: int
    cancellations_billable: int
    cost_per_need_visit_ore: float | None
    # After the call (issue 10).
    requirements_asked: int = 0
    requirements_met: int = 0
    requirements_unmet: int = 0
    requirements_met_rate: float | None = None
    calls_authorised: int = 0
    authorised_share: float | None = None
    ratings: int = 0
    rating_average: float | None = None
    rating_problems: dict[str, int] | None = None
    complaints: int = 0
    complaints_accepted: int = 0
    complaints_disputed: int = 0
    complaints_per_100: float | None = None
    # The workload model (visit slices only; None for slices by agency or modality).
    left_before_service: int | None = None
    wait_median_s: int | None = None
    wait_p90_s: int | None = None
    service_median_s: int | None = None
    service_p90_s: int | None = None
    times_by_group: dict[str, dict[str, float | int | None]] | None = None
    extra_service_minutes_interpreted: float | None = None
    cost_per_visit_ore: float | None = None
    gap_cost_ore: float | None = None
    # Per office-day data: None when the slice is narrower than an office (authority, language, …).
    officer_hours: float | None = None
    visits_per_officer_hour: float | None = None
    served_minutes_per_officer_hour: float | None = None

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        ci = data.pop("use_rate_ci")
        data["use_rate_ci_low"], data["use_rate_ci_high"] = ci if ci else (None, None)
        return data


def derive(counters: dict[str, int], *, visit_measures: bool = True) -> Measures:
    """All measures of one slice from its counters. ``visit_measures=False`` for slices by interpreter
    agency or modality, which only bookings have (a visit without a booking has no agency)."""
    c = {name: int(counters.get(name) or 0) for name in (*VISIT_COUNTER_NAMES, *BOOKING_COUNTER_NAMES)}
    staffing = {name: int(counters[name] or 0) for name in OFFICE_COUNTER_NAMES if name in counters}
    hist = [c[name] for name in CONNECT_BUCKETS]
    # Fulfilled = completed; the denominator leaves out bookings the office cancelled itself and
    # bookings still open, which have no outcome yet.
    settled = c["bookings_completed"] + c["bookings_failed"] + c["bookings_no_show"]
    booking_part: dict[str, Any] = {
        "bookings": c["bookings"],
        "bookings_confirmed": c["bookings_confirmed"],
        "bookings_completed": c["bookings_completed"],
        "bookings_failed": c["bookings_failed"],
        "bookings_cancelled": c["bookings_cancelled"],
        "bookings_no_show": c["bookings_no_show"],
        "fulfilment_rate": _ratio(c["bookings_completed"], settled),
        "connect_median_s": percentile(hist, 0.5),
        "connect_p90_s": percentile(hist, 0.9),
        "minutes": c["minutes"],
        "cost_ore": c["cost_ore"],
        "cost_estimated_ore": c["cost_estimated_ore"],
        "cost_reported_ore": c["cost_reported_ore"],
        "cost_confirmed_ore": c["cost_confirmed_ore"],
        "disputed_minutes": c["disputed_minutes"],
        "cancellation_fees_ore": c["cancellation_fees_ore"],
        "cancellations_billable": c["cancellations_billable"],
        **_quality_part(c),
    }
    if not visit_measures:
        return Measures(
            visits=None,
            need=None,
            need_rate=None,
            need_unsure=None,
            need_declined=None,
            wanted=None,
            wanted_used=None,
            use_rate=None,
            use_rate_ci=None,
            gap=None,
            gap_by_reason=None,
            cost_per_need_visit_ore=None,
            **booking_part,
        )
    return Measures(
        visits=c["visits"],
        need=c["need"],
        need_rate=_ratio(c["need"], c["visits"]),
        need_unsure=c["need_unsure"],
        need_declined=c["need_declined"],
        wanted=c["wanted"],
        wanted_used=c["wanted_used"],
        use_rate=_ratio(c["wanted_used"], c["wanted"]),
        use_rate_ci=wilson_interval(c["wanted_used"], c["wanted"]),
        gap=c["wanted"] - c["wanted_used"],
        gap_by_reason={r: c[f"gap_{r}"] for r in GAP_REASONS},
        # cost_ore is the confirmed price where the office confirmed it, else the reported one.
        cost_per_need_visit_ore=_ratio(c["cost_ore"], c["need"]),
        **booking_part,
        **_workload_part(c, wanted_used=c["wanted_used"], gap=c["wanted"] - c["wanted_used"]),
        **_staffing_part(staffing),
    )


def _quality_part(c: dict[str, int]) -> dict[str, Any]:
    """Requirements met, authorised interpreters, ratings and complaints of one slice. Rates over
    answered requirements (met or not: an unanswered one is neither) and completed bookings."""
    completed = c["bookings_completed"]
    complaints_per_100 = _ratio(100 * c["complaints"], completed)
    return {
        "requirements_asked": c["requirements_asked"],
        "requirements_met": c["requirements_met"],
        "requirements_unmet": c["requirements_unmet"],
        "requirements_met_rate": _ratio(c["requirements_met"], c["requirements_met"] + c["requirements_unmet"]),
        "calls_authorised": c["calls_authorised"],
        "authorised_share": _ratio(c["calls_authorised"], completed),
        "ratings": c["ratings"],
        "rating_average": _ratio(c["rating_stars"], c["ratings"]),
        "rating_problems": {p: c[name] for p, name in RATING_PROBLEM_COUNTERS.items()},
        "complaints": c["complaints"],
        "complaints_accepted": c["complaints_accepted"],
        "complaints_disputed": c["complaints_disputed"],
        "complaints_per_100": complaints_per_100,
    }


def _staffing_part(s: dict[str, int]) -> dict[str, Any]:
    """Officer hours and what they served; all None when the slice has no office-day counters
    (sliced by authority or language) and the rates None when no staffing was recorded."""
    if not s:
        return {}
    hours = s["officer_minutes"] / 60
    return {
        "officer_hours": hours,
        "visits_per_officer_hour": s["staffed_visits"] / hours if hours else None,
        "served_minutes_per_officer_hour": s["staffed_service_s"] / 60 / hours if hours else None,
    }


def _times(c: dict[str, int], buckets: dict[str, tuple[str, ...]], groups: tuple[str, ...]) -> list[int]:
    return [sum(c[buckets[g][i]] for g in groups) for i in range(len(DURATION_EDGES_S) + 1)]


def _workload_part(c: dict[str, int], *, wanted_used: int, gap: int) -> dict[str, Any]:
    """Wait and service times, cost per visit and what closing the gap would cost."""
    by_group: dict[str, dict[str, float | int | None]] = {}
    for group in TIME_GROUPS:
        wait, service = _times(c, WAIT_BUCKETS, (group,)), _times(c, SERVICE_BUCKETS, (group,))
        served = sum(service)
        by_group[group] = {
            "waited": sum(wait),
            "wait_median_s": percentile(wait, 0.5, DURATION_EDGES_S),
            "wait_p90_s": percentile(wait, 0.9, DURATION_EDGES_S),
            "served": served,
            "service_median_s": percentile(service, 0.5, DURATION_EDGES_S),
            "service_p90_s": percentile(service, 0.9, DURATION_EDGES_S),
            "service_mean_s": _ratio(c[SERVICE_SECONDS[group]], served),
        }
    wait_all, service_all = _times(c, WAIT_BUCKETS, TIME_GROUPS), _times(c, SERVICE_BUCKETS, TIME_GROUPS)
    interpreted_mean, plain_mean = by_group["interpreted"]["service_mean_s"], by_group["none"]["service_mean_s"]
    extra = None
    if interpreted_mean is not None and plain_mean is not None:
        extra = (float(interpreted_mean) - float(plain_mean)) / 60
    # Assumption (README "Measures"): every unmet want would have cost what an interpreted visit cost
    # on average in the same slice.
    cost_per_used = _ratio(c["cost_ore"], wanted_used)
    return {
        "left_before_service": c["left_before_service"],
        "wait_median_s": percentile(wait_all, 0.5, DURATION_EDGES_S),
        "wait_p90_s": percentile(wait_all, 0.9, DURATION_EDGES_S),
        "service_median_s": percentile(service_all, 0.5, DURATION_EDGES_S),
        "service_p90_s": percentile(service_all, 0.9, DURATION_EDGES_S),
        "times_by_group": by_group,
        "extra_service_minutes_interpreted": extra,
        "cost_per_visit_ore": _ratio(c["cost_ore"], c["visits"]),
        "gap_cost_ore": gap * cost_per_used if cost_per_used is not None else None,
    }


def is_outlier(office: Measures, national: Measures) -> bool:
    """An office uses interpreters significantly less than the country: its whole 95% interval lies
    below the national use rate (same period and filters)."""
    if office.use_rate_ci is None or national.use_rate is None:
        return False
    return office.use_rate_ci[1] < national.use_rate


#: Workload outliers (README "Measures"): an office's visits per officer hour outside [2/3, 3/2] of
#: the national figure, over at least one officer-day of staffing; its median wait at least twice
#: the national median, over at least 20 visits that waited.
STAFFING_OUTLIER_BAND = (2 / 3, 3 / 2)
STAFFING_OUTLIER_MIN_HOURS = 8
WAIT_OUTLIER_FACTOR = 2
WAIT_OUTLIER_MIN_WAITS = 20


def is_staffing_outlier(office: Measures, national: Measures) -> bool:
    own, country = office.visits_per_officer_hour, national.visits_per_officer_hour
    if own is None or not country or (office.officer_hours or 0) < STAFFING_OUTLIER_MIN_HOURS:
        return False
    low, high = STAFFING_OUTLIER_BAND
    return not low * country <= own <= high * country


def is_wait_outlier(office: Measures, national: Measures) -> bool:
    if office.wait_median_s is None or not national.wait_median_s or office.times_by_group is None:
        return False
    waits = sum(int(group["waited"] or 0) for group in office.times_by_group.values())
    return waits >= WAIT_OUTLIER_MIN_WAITS and office.wait_median_s >= WAIT_OUTLIER_FACTOR * national.wait_median_s
