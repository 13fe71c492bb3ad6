"""Usage reports: counters summed per group and period, then turned into measures by
visits.reports.measures.derive. The same query runs over the daily rollups (every page and the API)
or straight over visits and bookings (``source="raw"``: the tests' and the benchmark's yardstick).

The rollup table is chosen by the slice: the coarse day x office table when nothing narrower than
an office is asked for, the fine visit/booking tables when an authority, language, interpreter agency
or modality is filtered or grouped on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP
from typing import Any, Literal

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Exists, F, Model, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek, TruncYear
from django.utils.translation import gettext as _

from interpreters.models import InterpreterAgency, InterpreterBooking, Modality
from visits.models import Authority, County, Language, Office, StaffingDay, Visit, VisitStatus
from visits.permissions import Action, offices_for_action
from visits.picker import language_label as picker_language_label
from visits.picker import language_overrides
from visits.reports.dimensions import BOOKING_ONLY, COARSE, DIMENSIONS, Source, report_filter
from visits.reports.measures import (
    BOOKING_COUNTER_NAMES,
    OFFICE_COUNTER_NAMES,
    VISIT_COUNTER_NAMES,
    Measures,
    SecondsBetween,
    annotate_connect,
    booking_counter_expressions,
    completed_visit_ids,
    derive,
    is_outlier,
    is_staffing_outlier,
    is_wait_outlier,
    visit_counter_expressions,
)
from visits.reports.models import DailyBookingUsage, DailyOfficeUsage, DailyVisitUsage, MonthlyOfficeUsage

PERIOD_CHOICES = ("day", "week", "month", "year")
# The values a report can be filtered on (besides the dates and the user's offices).
FILTERS = ("office", "county", "authority", "language", "agency", "modality")


@dataclass(frozen=True)
class UsageQuery:
    date_from: date
    date_to: date
    group_by: str | None = None  # one of GROUP_BY_CHOICES, None = one total
    period: str | None = None  # one of PERIOD_CHOICES, None = the whole range
    offices: frozenset[int] | None = None  # None = every office (national admins)
    office: int | None = None
    county: str | None = None
    authority: int | None = None
    language: str | None = None
    agency: int | None = None
    modality: str | None = None

    def dimensions(self) -> set[str]:
        # "is not None": language "" (visits without a need) is a filter too, and only the fine
        # tables have a language column.
        used = {name for name in ("authority", "language", "agency", "modality") if getattr(self, name) is not None}
        if self.group_by:
            used.add(self.group_by)
        return used

    @property
    def visit_measures(self) -> bool:
        """Whether the slice has visits at all: an agency or modality slice has bookings only."""
        return not (self.dimensions() & BOOKING_ONLY)

    def where(self, source: Source, *, day_path: str | None = None) -> Q:
        """This query's rows of `source` (visits/reports/dimensions.py:report_filter)."""
        return report_filter(
            source,
            date_from=self.date_from,
            date_to=self.date_to,
            offices=self.offices,
            values={name: getattr(self, name) for name in FILTERS},
            day_path=day_path,
        )


@dataclass
class UsageRow:
    group: Any
    label: str
    period: date | None
    counters: dict[str, int]
    measures: Measures
    outlier: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# --- where the counters come from ---------------------------------------------------------------------


def _booking_keys(owner: str) -> dict[str, Any]:
    """Group keys of bookings held by `owner` ("visit" or, before check-in, "appointment")."""
    return {
        "office": F(f"{owner}__office_id"),
        "county": F(f"{owner}__office__county"),
        "authority": F(f"{owner}__authority_id"),
        "language": F("language"),
        "agency": F("agency_id"),
        "modality": F("modality"),
    }


# A booking belongs to a visit, or before check-in to an appointment (issue 11): it counts on its
# owner's office and date, so the raw path reads each kind through its owner and adds them up.
BOOKING_OWNERS: tuple[str, ...] = ("visit", "appointment")
_TRUNC = {"week": TruncWeek, "month": TruncMonth, "year": TruncYear}


def _period_expr(period: str | None, field_name: str) -> Any:
    if period is None:
        return None
    if period == "day":
        return F(field_name)
    return _TRUNC[period](field_name)


def _sum_rollup(
    model: type[Model], q: UsageQuery, names: tuple[str, ...], *, date_field: str = "day"
) -> dict[tuple, dict[str, int]]:
    qs = model.objects.filter(q.where("rollup", day_path=date_field))  # type: ignore[attr-defined]
    annotations: dict[str, Any] = {}
    if q.group_by:
        annotations["g"] = DIMENSIONS[q.group_by].expression("rollup")
    if q.period:
        annotations["p"] = _period_expr(q.period, date_field)
    return _sum_columns(qs, annotations, names)


def _sum_office_rollup(q: UsageQuery, names: tuple[str, ...]) -> dict[tuple, dict[str, int]]:
    """The coarse counters: whole calendar months from MonthlyOfficeUsage, the days before the first
    and after the last whole month from DailyOfficeUsage (day and week periods: days only)."""
    first_full = q.date_from if q.date_from.day == 1 else next_month(q.date_from)
    # The day after the last whole month: date_to ends its month, or the whole months stop before it.
    after_full = next_month(q.date_to) if (q.date_to + timedelta(days=1)).day == 1 else q.date_to.replace(day=1)
    if q.period in ("day", "week") or first_full >= after_full:
        return _sum_rollup(DailyOfficeUsage, q, names)
    whole_months = replace(q, date_from=first_full, date_to=after_full - timedelta(days=1))
    parts = [_sum_rollup(MonthlyOfficeUsage, whole_months, names, date_field="month")]
    if q.date_from < first_full:
        parts.append(_sum_rollup(DailyOfficeUsage, replace(q, date_to=first_full - timedelta(days=1)), names))
    if after_full <= q.date_to:
        parts.append(_sum_rollup(DailyOfficeUsage, replace(q, date_from=after_full), names))
    out: dict[tuple, dict[str, int]] = {}
    for part in parts:
        for key, counters in part.items():
            out[key] = _summed([out[key], counters]) if key in out else counters
    return out


def next_month(day: date) -> date:
    """The first day of the month after the one ``day`` is in."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _collect(qs: QuerySet, keys: dict[str, Any], aggregates: dict[str, Any]) -> dict[tuple, dict[str, int]]:
    qs = qs.order_by()
    if keys:
        rows = qs.annotate(**keys).values(*keys).annotate(**aggregates)
    else:
        rows = [qs.aggregate(**aggregates)]
    out: dict[tuple, dict[str, int]] = {}
    for row in rows:
        key = (row.get("g"), _as_date(row.get("p")))
        out[key] = {name: int(row[name] or 0) for name in aggregates}
    return out


def _sum_columns(qs: QuerySet, keys: dict[str, Any], names: tuple[str, ...]) -> dict[tuple, dict[str, int]]:
    """What ``_collect(qs, keys, {n: Sum(n) for n in names})`` answers, for plain counter columns.

    Why not the ORM: a query with one Sum() per counter takes the ORM time quadratic in their
    number to build (each added annotation re-masks the ones before it). With the ~140 counters of
    the rollups that was ~25 ms of Python per query, five to ten times what PostgreSQL needs to run
    it, and the overview page runs a dozen of them. So the ORM writes the filtered select of the
    rows (filters, joins and the group keys stay its job) and the sums are written around it."""
    # The ORM's select names only the rows (primary key) and their group keys; listing the ~140
    # columns through values() would cost most of what the Sum()s did.
    inner = qs.order_by().annotate(**keys).values("pk", *keys)
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (e.g. no office allowed)
        return {} if keys else {(None, None): dict.fromkeys(names, 0)}
    connection = connections[qs.db]
    quote = connection.ops.quote_name
    meta = qs.model._meta
    pk = quote(meta.pk.column)
    groups = [f"t.{quote(key)}" for key in keys]
    sums = [f"SUM(u.{quote(meta.get_field(name).column)})" for name in names]
    group_by = f" GROUP BY {', '.join(groups)}" if groups else ""
    statement = (
        f"SELECT {', '.join([*groups, *sums])} FROM ({sql}) t"  # noqa: S608  # nosec B608 - quoted names, bound values
        f" JOIN {quote(meta.db_table)} u ON u.{pk} = t.{quote('pk')}{group_by}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    out: dict[tuple, dict[str, int]] = {}
    for row in rows:
        found = dict(zip(keys, row[: len(keys)], strict=True))
        key = (found.get("g"), _as_date(found.get("p")))
        out[key] = {name: int(value or 0) for name, value in zip(names, row[len(keys) :], strict=True)}
    return out


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite answers dates in raw SQL as text
        return date.fromisoformat(value[:10])
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _raw_visits(q: UsageQuery) -> dict[tuple, dict[str, int]]:
    qs = Visit.objects.filter(q.where("visit"))
    keys: dict[str, Any] = {}
    if q.group_by:
        keys["g"] = DIMENSIONS[q.group_by].expression("visit")
    if q.period:
        keys["p"] = _period_expr(q.period, "service_date")
    return _collect(qs, keys, visit_counter_expressions(completed_visits=completed_visit_ids(qs)))


def _raw_staffing(q: UsageQuery) -> dict[tuple, dict[str, int]]:
    """OFFICE_COUNTER_NAMES straight from StaffingDay and the visits of staffed office-days."""
    # Only asked for coarse slices (office, county): staffing exists per office-day.
    days = StaffingDay.objects.filter(q.where("staffing"))
    visits = Visit.objects.filter(q.where("visit")).filter(
        Exists(StaffingDay.objects.filter(office_id=OuterRef("office_id"), date=OuterRef("service_date")))
    )
    out: dict[tuple, dict[str, int]] = {}
    for row in days.select_related("office"):
        group = {"office": row.office_id, "county": row.office.county}.get(q.group_by or "")
        key = (group, _period_start(row.date, q.period))
        counters = out.setdefault(key, dict.fromkeys(OFFICE_COUNTER_NAMES, 0))
        counters["officer_minutes"] += int((row.officer_hours * 60).to_integral_value(ROUND_HALF_UP))
    keys: dict[str, Any] = {}
    if q.group_by:
        keys["g"] = DIMENSIONS[q.group_by].expression("visit")
    if q.period:
        keys["p"] = _period_expr(q.period, "service_date")
    served = Q(status=VisitStatus.DONE, started_at__isnull=False, ended_at__isnull=False)
    aggregates = {
        "staffed_visits": Count("pk"),
        "staffed_service_s": Coalesce(Sum(SecondsBetween("started_at", "ended_at"), filter=served), 0),
    }
    for key, counters in _collect(visits, keys, aggregates).items():
        out.setdefault(key, dict.fromkeys(OFFICE_COUNTER_NAMES, 0)).update(counters)
    return out


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


def _raw_bookings(q: UsageQuery) -> dict[tuple, dict[str, int]]:
    out: dict[tuple, dict[str, int]] = {}
    for owner in BOOKING_OWNERS:
        for key, counters in _raw_bookings_of(q, owner).items():
            into = out.setdefault(key, dict.fromkeys(counters, 0))
            for name, value in counters.items():
                into[name] += value
    return out


def _raw_bookings_of(q: UsageQuery, owner: str) -> dict[tuple, dict[str, int]]:
    qs = InterpreterBooking.objects.filter(**{f"{owner}__service_date__range": (q.date_from, q.date_to)})
    if owner != "visit":
        qs = qs.filter(visit__isnull=True)
    if q.offices is not None:
        qs = qs.filter(**{f"{owner}__office_id__in": q.offices})
    if q.office is not None:
        qs = qs.filter(**{f"{owner}__office_id": q.office})
    if q.county:
        qs = qs.filter(**{f"{owner}__office__county": q.county})
    if q.authority is not None:
        qs = qs.filter(**{f"{owner}__authority_id": q.authority})
    if q.language is not None:
        qs = qs.filter(language=q.language)
    if q.agency is not None:
        qs = qs.filter(agency_id=q.agency)
    if q.modality:
        qs = qs.filter(modality=q.modality)
    keys: dict[str, Any] = {}
    if q.group_by:
        keys["g"] = _booking_keys(owner)[q.group_by]
    if q.period:
        keys["p"] = _period_expr(q.period, f"{owner}__service_date")
    return _collect(annotate_connect(qs), keys, booking_counter_expressions())


def usage_counters(q: UsageQuery, *, source: Literal["rollup", "raw"] = "rollup") -> dict[tuple, dict[str, int]]:
    """Counters per (group, period start). Visit counters are absent for agency/modality slices."""
    dims = q.dimensions()
    visit_part = q.visit_measures
    # Staffing exists per office-day only: slices narrower than an office have none.
    coarse = not dims - COARSE
    staffing: dict[tuple, dict[str, int]] = {}
    if source == "raw":
        visits = _raw_visits(q) if visit_part else {}
        bookings = _raw_bookings(q)
        staffing = _raw_staffing(q) if coarse else {}
    elif coarse:
        visits = _sum_office_rollup(q, (*VISIT_COUNTER_NAMES, *BOOKING_COUNTER_NAMES, *OFFICE_COUNTER_NAMES))
        bookings = {}
    else:
        visits = _sum_rollup(DailyVisitUsage, q, VISIT_COUNTER_NAMES) if visit_part else {}
        bookings = _sum_rollup(DailyBookingUsage, q, BOOKING_COUNTER_NAMES)
    merged: dict[tuple, dict[str, int]] = {}
    for part in (visits, bookings, staffing):
        for key, counters in part.items():
            merged.setdefault(key, {}).update(counters)
    names = (*VISIT_COUNTER_NAMES, *BOOKING_COUNTER_NAMES) if visit_part else BOOKING_COUNTER_NAMES
    if coarse:
        names = (*names, *OFFICE_COUNTER_NAMES)
    # Every row carries every counter (0 when a part had no rows), and all-zero rows are dropped, so
    # the rollup and raw paths agree on which groups exist.
    normalised = {k: {n: v.get(n, 0) for n in names} for k, v in merged.items()}
    return {k: v for k, v in normalised.items() if any(v.values())}


# --- the report -----------------------------------------------------------------------------------------


def _labels(group_by: str | None, keys: Iterable[Any]) -> dict[Any, str]:
    keys = [k for k in keys if k is not None]
    if group_by == "office":
        return dict(Office.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group_by == "county":
        return {k: County(k).label if k in County.values else k for k in keys}
    if group_by == "authority":
        return dict(Authority.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group_by == "agency":
        return dict(InterpreterAgency.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group_by == "modality":
        return {k: str(Modality(k).label) if k in Modality.values else k for k in keys}
    if group_by == "language":
        overrides = language_overrides(keys)
        return {k: language_label(k, overrides=overrides) for k in keys}
    return {}


def language_label(tag: str, *, overrides: Mapping[str, Language] | None = None) -> str:
    """A report's label for a language: its name (visits/picker.py:language_label, an admin's
    override winning) and the tag."""
    if not tag:
        return _("No language need")
    return f"{picker_language_label(tag, overrides=overrides).name} ({tag})"


def usage_report(q: UsageQuery, *, source: Literal["rollup", "raw"] = "rollup") -> list[UsageRow]:
    """One row per group and period, sorted by period then label. With ``group_by="office"`` and no
    period, rows are flagged as outliers against the national rate (all offices, same filters)."""
    counters = usage_counters(q, source=source)
    visit_measures = q.visit_measures
    labels = _labels(q.group_by, {g for g, _p in counters})
    rows = [
        UsageRow(
            group=g,
            label=labels.get(g, "" if g is None else str(g)) if q.group_by else _("All offices"),
            period=p,
            counters=c,
            measures=derive(c, visit_measures=visit_measures),
        )
        for (g, p), c in counters.items()
    ]
    if q.group_by == "office" and q.period is None and visit_measures:
        if q.offices is None and q.office is None and not q.county:
            # Every office is in the rows already: the country is their sum (one query fewer).
            national = derive(_summed(counters.values()))
        else:
            national = national_measures(q, source=source)
        for row in rows:
            row.outlier = is_outlier(row.measures, national)
            row.extra["outlier_visits_per_officer_hour"] = is_staffing_outlier(row.measures, national)
            row.extra["outlier_wait"] = is_wait_outlier(row.measures, national)
    # The group key breaks ties: two authorities may share a name, and the order must not depend
    # on which table the rows came from.
    rows.sort(key=lambda r: (r.period or date.min, r.label.casefold(), str(r.group)))
    return rows


def _summed(parts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for counters in parts:
        for name, value in counters.items():
            total[name] = total.get(name, 0) + value
    return total


def national_measures(q: UsageQuery, *, source: Literal["rollup", "raw"] = "rollup") -> Measures:
    """The country as a whole for the query's period and filters (every office, whoever asks)."""
    total_q = replace(q, group_by=None, period=None, offices=None, office=None)
    counters = usage_counters(total_q, source=source).get((None, None), {})
    return derive(counters, visit_measures=total_q.visit_measures)


#: The national block is suppressed for a restricted reader (an office manager) when the comparison
#: it shows rests on fewer offices or visits than this: a filter narrowed to one county and one day
#: must not reveal another single office's figures.
NATIONAL_MIN_OFFICES = 5
NATIONAL_MIN_COUNT = 5


@dataclass(frozen=True)
class NationalComparison:
    measures: Measures | None  # None = suppressed
    note: str = ""


def national_comparison(
    q: UsageQuery, *, restricted: bool, source: Literal["rollup", "raw"] = "rollup"
) -> NationalComparison:
    """The national figures for the query's filters, or None with a note when showing them to a
    restricted reader could reveal another single office (fewer than NATIONAL_MIN_OFFICES offices
    in the comparison, or a count of visits below NATIONAL_MIN_COUNT)."""
    national = national_measures(q, source=source)
    if not restricted:
        return NationalComparison(national)
    per_office = usage_counters(replace(q, group_by="office", period=None, offices=None, office=None), source=source)
    offices = {group for group, _period in per_office}
    if len(offices) < NATIONAL_MIN_OFFICES:
        return NationalComparison(
            None,
            _("National figures are hidden: these filters leave fewer than %(n)s offices to compare with.")
            % {"n": NATIONAL_MIN_OFFICES},
        )
    counts = [national.visits, national.bookings] if national.visits is not None else [national.bookings]
    if any(0 < (count or 0) < NATIONAL_MIN_COUNT for count in counts):
        return NationalComparison(
            None,
            _("National figures are hidden: these filters leave fewer than %(n)s visits or bookings.")
            % {"n": NATIONAL_MIN_COUNT},
        )
    return NationalComparison(national)


def report_offices_for_user(user: Any) -> frozenset[int] | None:
    """Offices whose reports the user may see: None = all (national admin), else the offices where
    they are office manager (possibly none: the caller answers 403)."""
    if user.is_authenticated and user.is_superuser:
        return None
    return frozenset(offices_for_action(user, Action.REPORT_VIEW).values_list("pk", flat=True))
