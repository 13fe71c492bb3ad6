"""Synthetic visits, language needs, bookings, requisitions and outcomes with realistic shapes, for
benchmarks and the demo (``manage.py generate_visits``).

Shapes: office sizes are skewed (log-normal; the big-city offices take a large share), offices open
on working days only (the Swedish calendar of visits/workdays.py) with a Monday peak and a July dip,
a need rate that differs per office, a language mix weighted like Sweden's most interpreted
languages, and offices whose staff book interpreters less often than others (the outliers the report
must find).

Money (issue 9): every estimate, reported and confirmed cost and cancellation fee is priced by
interpreters/services/pricing.py over the price lists in the database (the demo's, seeded when there
are none), so a price change reaches the generated data. Completed calls carry requisitions
(reported, confirmed, disputed with a comment, some corrected by the agency); some bookings are
pre-booked (framework list, the ordered hour a floor, cancellation fees inside 48 working hours);
cancels made by the system when a visitor leaves carry their system reason and no fee.

Reference data (offices, authorities, languages, agencies) comes from visits/reference_data.py, the
rows seed_demo and seed_agencies write.

Speed: rows are produced as plain tuples and written with COPY on PostgreSQL (executemany
elsewhere); prices are memoised on what they depend on; 15 M visits take minutes, not hours.
Columns the generator does not know about (added by other apps later) get their model default, so it
survives schema growth.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction

from interpreters.models import (
    BookingEvent,
    CancelReason,
    InterpreterAgency,
    InterpreterBooking,
    PriceList,
    PriceListRow,
    Requisition,
)
from interpreters.selectors import price_list_for
from interpreters.services.price_lists import price_lists_seed_demo
from interpreters.services.pricing import (
    booking_billed_minutes,
    booking_cancellation_fee,
    booking_competence,
    booking_kind,
    price_compute,
    price_level,
)
from visits import workdays
from visits.models import Authority, LanguageNeed, Office, Visit, VisitOutcome
from visits.reference_data import AUTHORITIES, DEMO_AGENCIES, LANGUAGE_CODES, OFFICES
from visits.reports.models import DailyBookingUsage, DailyOfficeUsage, DailyVisitUsage, MonthlyOfficeUsage

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# The language mix: the reference list is ranked most interpreted first; weights fall off like a
# power law.
LANGUAGES = LANGUAGE_CODES
LANGUAGE_WEIGHTS = [1 / (i + 1) ** 1.1 for i in range(len(LANGUAGES))]

WEEKDAY_FACTOR = [1.3, 1.05, 1.0, 1.1, 0.8, 0.0, 0.0]
MONTH_FACTOR = [1.15, 1.05, 1.1, 1.0, 0.95, 0.85, 0.55, 0.9, 1.05, 1.1, 1.05, 0.8]

WANTED_CHOICES = ["yes", "unsure", "no", "declined"]
WANTED_WEIGHTS = [0.62, 0.08, 0.20, 0.10]
IDENTIFIED = ["visitor_said", "pointed_at_card", "officer_judged"]
NOT_USED_REASONS = ["multilingual_staff", "relative", "english", "child", "solved_without", "visitor_declined"]
NOT_USED_WEIGHTS = [0.30, 0.25, 0.15, 0.03, 0.20, 0.07]

# Bookings: the share pre-booked (the framework list), the levels interpreters are delivered at,
# what the desk orders by default (interpreters/desk/forms.py: DEFAULT_EXPECTED_MINUTES) and for a
# pre-booking, and how the office answers the agency's minutes.
PRE_BOOKED_SHARE = 0.12
DESK_ORDERED_MINUTES = 30
PRE_BOOKED_MINUTES = 60
DELIVERED_LEVELS = ["ovrig", "utbildad", "auktoriserad", "sjukvardstolk", "rattstolk"]
DELIVERED_WEIGHTS = [0.25, 0.40, 0.30, 0.03, 0.02]
OFFICE_CANCEL_REASONS = ["solved_without", "booked_by_mistake", "wrong_language", "other"]
OFFICE_CANCEL_WEIGHTS = [0.55, 0.2, 0.15, 0.1]
DISPUTE_COMMENTS = [
    "Samtalet avslutades tidigare än rapporterat.",
    "Tolken anslöt sent.",
    "Rapporterad tid stämmer inte med kontorets anteckning.",
]
ANSWER_SHARES = {"confirmed": 0.86, "disputed": 0.05, "reported": 0.09}  # the rest of reported: not answered yet
CORRECTED_SHARE = 0.04


@dataclass
class Plan:
    years: int
    visits_per_year: int
    end_date: date
    seed: int = 4

    @property
    def start_date(self) -> date:
        return self.end_date - timedelta(days=round(365.25 * self.years) - 1)


def ensure_reference_data(min_offices: int = 130) -> tuple[list[Office], list[Authority], list[InterpreterAgency]]:
    """Use existing offices, authorities and agencies; where there are none, create them from the
    reference rows (visits/reference_data.py) under the same names seed_demo and seed_agencies use,
    so generating before or after seeding never makes duplicates."""
    offices = list(Office.objects.filter(active=True).order_by("pk"))
    if len(offices) < min_offices:
        for name, municipality, county in OFFICES:
            Office.objects.get_or_create(name=name, defaults={"municipality": municipality, "county": county})
        offices = list(Office.objects.filter(active=True).order_by("pk"))
    authorities = list(Authority.objects.filter(active=True))
    if not authorities:
        for order, (code, name, _share) in enumerate(AUTHORITIES, start=1):
            Authority.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order * 10})
        authorities = list(Authority.objects.filter(active=True))
    agencies = list(InterpreterAgency.objects.filter(active=True))
    if not agencies:
        for demo in DEMO_AGENCIES:
            InterpreterAgency.objects.get_or_create(
                slug=demo.slug,
                defaults={
                    "name": demo.name,
                    "backend": "simulated",
                    "backend_settings": dict(demo.simulator),
                    "priority": demo.priority,
                    "modalities": list(demo.modalities),
                    "languages": list(demo.languages or LANGUAGES),
                },
            )
        agencies = list(InterpreterAgency.objects.filter(active=True))
    return offices, authorities, agencies


# ------------------------------------------------------------------------------------------------
# Prices


@dataclass(frozen=True)
class Priced:
    total_ore: int
    rows: list[dict[str, Any]]
    billed_minutes: int


class Pricer:
    """Prices generated bookings with interpreters/services/pricing.py, memoised.

    A price depends on the list (kind, valid on the start's date), the level, the billed minutes and
    how many of them fall in each surcharge class. A generated call lies within one Stockholm day
    without a DST change, so the class counts follow from the day's class and the minutes before
    the list's unsocial-hours edges; that is the memo key. On a miss the pricing module computes the
    price from the real start (a DST day or a call past midnight is never memoised), so every
    generated amount is what the services would have written (tests/visits/commands/
    test_generate_money.py re-prices every one)."""

    def __init__(self) -> None:
        if not PriceList.objects.exists():
            price_lists_seed_demo()
        self._prices: dict[tuple, Priced | None] = {}
        self._lists: dict[tuple[str, date], PriceList | None] = {}
        self._days: dict[date, str] = {}
        self._rows: dict[tuple[int, str], PriceListRow | None] = {}
        self._all_lists = list(PriceList.objects.all())

    def _list(self, kind: str, day: date) -> PriceList | None:
        """selectors.price_list_for, from the lists loaded once (a query per day would cost more
        than the rest of the generator); overlapping starts on the same day ask the database."""
        key = (kind, day)
        if key not in self._lists:
            valid = [
                p
                for p in self._all_lists
                if p.kind == kind and p.valid_from <= day and (p.valid_to is None or p.valid_to >= day)
            ]
            latest = max((p.valid_from for p in valid), default=None)
            chosen = [p for p in valid if p.valid_from == latest]
            if len(chosen) > 1:
                self._lists[key] = price_list_for(kind=kind, on=day)
            else:
                self._lists[key] = chosen[0] if chosen else None
        return self._lists[key]

    def _row(self, price_list: PriceList, level: str) -> PriceListRow | None:
        key = (price_list.pk, level)
        if key not in self._rows:
            self._rows[key] = price_list.rows.filter(level=level).first()
        return self._rows[key]

    def _day_class(self, day: date) -> str:
        if day not in self._days:
            if workdays.is_big_holiday(day):
                self._days[day] = "big_holiday"
            elif not workdays.is_working_day(day):
                self._days[day] = "weekend"
            else:
                self._days[day] = ""
        return self._days[day]

    def _memo_key(self, booking: InterpreterBooking, start: datetime, billed: int) -> tuple | None:
        kind = booking_kind(booking)
        wall = start.astimezone(STOCKHOLM)
        end = (start + timedelta(minutes=billed)).astimezone(STOCKHOLM)
        if end.date() != wall.date() or end.utcoffset() != wall.utcoffset():
            return None
        price_list = self._list(kind, wall.date())
        if price_list is None:
            return (kind, wall.date())  # no list: no price, whatever the rest
        day_class = self._day_class(wall.date())
        unsocial = 0
        if not day_class:
            # Minute k of the call starts at start + k; seconds do not change which side of an
            # edge (07:00, 18:00) a minute starts on, so whole minutes since midnight decide.
            first = wall.hour * 60 + wall.minute
            before = price_list.unsocial_before.hour * 60 + price_list.unsocial_before.minute
            after = price_list.unsocial_after.hour * 60 + price_list.unsocial_after.minute
            unsocial = _overlap(first, first + billed, 0, before) + _overlap(first, first + billed, after, 24 * 60)
        level = price_level(booking_competence(booking))
        return (kind, price_list.pk, level, billed, day_class, unsocial)

    def price(self, booking: InterpreterBooking, *, minutes: int, start: datetime) -> Priced | None:
        """pricing.booking_price(booking=, minutes=, start=) (the list valid on the start's date, the
        row of the billed level, pricing.price_compute), memoised."""
        billed = booking_billed_minutes(booking=booking, minutes=minutes)
        key = self._memo_key(booking, start, billed)
        if key is not None and key in self._prices:
            return self._prices[key]
        price_list = self._list(booking_kind(booking), start.astimezone(STOCKHOLM).date())
        row = None if price_list is None else self._row(price_list, price_level(booking_competence(booking)))
        priced = None
        if price_list is not None and row is not None:
            price = price_compute(price_list=price_list, row=row, start=start, minutes=billed)
            priced = Priced(price.total_ore, price.rows_as_dicts(), billed)
        if key is not None:
            self._prices[key] = priced
        return priced

    def estimate(self, booking: InterpreterBooking, *, now: datetime) -> Priced | None:
        """pricing.booking_estimate(booking=, now=): the ordered length (default the list's base)."""
        start = booking.scheduled_for or now
        price_list = self._list(booking_kind(booking), start.astimezone(STOCKHOLM).date())
        if price_list is None:
            return None
        return self.price(booking, minutes=booking.minutes_ordered or price_list.base_minutes, start=start)

    @staticmethod
    def cancellation_fee(booking: InterpreterBooking, *, reason: str, now: datetime) -> tuple[int, list[dict]]:
        """pricing.booking_cancellation_fee (rare enough not to need a memo)."""
        fee = booking_cancellation_fee(booking=booking, reason=reason, now=now)
        return fee.total_ore, fee.rows_as_dicts()


def _overlap(a: int, b: int, lo: int, hi: int) -> int:
    return max(0, min(b, hi) - max(a, lo))


class _Table:
    """Column order of one table: the generator's own columns, then every other concrete column with
    its model default (so fields added later by other apps do not break the generator)."""

    def __init__(self, model: type[models.Model], columns: list[str], *, with_pk: bool) -> None:
        self.model = model
        self.db_table = model._meta.db_table
        known = set(columns)
        extra: list[tuple[str, Any]] = []
        for field in model._meta.concrete_fields:
            if field.column in known or (field.primary_key and not with_pk):
                continue
            if field.primary_key:
                continue
            default = field.get_default()
            if default is None and not field.null:
                default = ""
            if field.column is None:  # concrete fields always have one
                raise RuntimeError(f"{model.__name__}.{field.name} has no column")
            extra.append((field.column, default))
        self.columns = columns + [c for c, _ in extra]
        self.extra_values = tuple(v for _, v in extra)


class _Writer:
    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"
        self.ts_suffix = "+00" if self.pg else ""

    def uuid(self, rnd: random.Random) -> str:
        value = uuid.UUID(int=rnd.getrandbits(128), version=4)
        return str(value) if self.pg else value.hex

    def write(self, table: _Table, rows: list[tuple]) -> None:
        if not rows:
            return
        extra = table.extra_values
        if self.pg:
            buf = io.StringIO()
            tail = "\t" + "\t".join(_copy_text(v) for v in extra) if extra else ""
            for row in rows:
                buf.write("\t".join(_copy_text(v) for v in row))
                buf.write(tail)
                buf.write("\n")
            cols = ", ".join(f'"{c}"' for c in table.columns)
            with connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY {table.db_table} ({cols}) FROM STDIN") as copy:  # noqa: S608
                    copy.write(buf.getvalue())
        else:
            cols = ", ".join(f'"{c}"' for c in table.columns)
            marks = ", ".join(["%s"] * len(table.columns))
            extra_db = tuple(json.dumps(v) if isinstance(v, dict | list) else v for v in extra)
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table.db_table} ({cols}) VALUES ({marks})",  # noqa: S608 - model identifiers  # nosec B608
                    [row + extra_db for row in rows],
                )


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def open_days(start: date, end: date) -> list[tuple[date, float]]:
    """The offices' open days between start and end (working days of visits/workdays.py, the
    Swedish calendar) with their relative traffic."""
    days = []
    d = start
    while d <= end:
        factor = WEEKDAY_FACTOR[d.weekday()] * MONTH_FACTOR[d.month - 1]
        if factor > 0 and workdays.is_working_day(d):
            days.append((d, factor))
        d += timedelta(days=1)
    return days


# Tables the generator writes. For a big load on PostgreSQL their secondary indexes and foreign keys
# are dropped and rebuilt afterwards: maintaining ~20 indexes and checking 5 foreign keys row by
# row costs more than the COPY itself, and one build at the end is several times faster.
_LOADED_MODELS = (Visit, LanguageNeed, InterpreterBooking, Requisition, VisitOutcome)


def generate(
    plan: Plan,
    *,
    progress: Callable[[int], object] | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write the plan's visits (and needs, bookings, outcomes). Returns row counts per table.

    On PostgreSQL, when the load is at least as big as what the tables already hold, it runs in one
    transaction with the indexes and foreign keys dropped and rebuilt at the end (DDL is
    transactional: if the load fails, the schema and the data are as before)."""
    if connection.vendor != "postgresql" or plan.years * plan.visits_per_year < max(_estimated_rows(Visit), 10_000):
        return _generate(plan, progress)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        dropped = _drop_indexes_and_foreign_keys(_LOADED_MODELS)
        counts = _generate(plan, progress)
        if log:
            log(f"Rebuilding {len(dropped)} indexes and constraints…")
        with connection.cursor() as cursor:
            for statement in dropped:
                cursor.execute(statement)
    with connection.cursor() as cursor:
        for model in _LOADED_MODELS:
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return counts


def _estimated_rows(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        row = cursor.fetchone()
    return max(0, int(row[0])) if row else 0


def _drop_indexes_and_foreign_keys(tables: tuple[type[models.Model], ...]) -> list[str]:
    """Drop every index but the primary keys and partial indexes, and every foreign key, of the tables. Returns the
    statements that recreate them, in an order that works (unique constraints before the foreign
    keys that may rest on them)."""
    names = [m._meta.db_table for m in tables]
    recreate_indexes: list[str] = []
    recreate_fks: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[])",
            [names],
        )
        for table, name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            recreate_fks.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            "SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), "
            "c.conname, pg_get_constraintdef(c.oid) FROM pg_index i "
            "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
            "AND c.contype IN ('u', 'x') "
            # Partial indexes stay: they are small, and PostgreSQL would rebuild their predicate in
            # another (equivalent) spelling.
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND i.indpred IS NULL",
            [names],
        )
        for table, index, index_def, con_name, con_def in cursor.fetchall():
            if con_name:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{con_name}"')
                recreate_indexes.append(f'ALTER TABLE {table} ADD CONSTRAINT "{con_name}" {con_def}')
            else:
                cursor.execute(f"DROP INDEX {index}")
                recreate_indexes.append(index_def)
    return recreate_indexes + recreate_fks


_VISIT_COLUMNS = ["id", "office_id", "authority_id", "service_date", "queue_number", "status", "checked_in_at",
                  "started_at", "ended_at", "updated_at"]  # fmt: skip
_NEED_COLUMNS = ["visit_id", "language", "interpreter_wanted", "identified_by", "recorded_at"]
_BOOKING_COLUMNS = [
    "id", "visit_id", "language", "modality", "agency_id", "status", "idempotency_key", "attempts", "failure_reason",
    "scheduled_for", "urgent", "minutes_ordered", "competence_required", "interpreter_competence", "minutes_used",
    "cost_ore", "cost_rows", "cost_estimated_ore", "estimate_rows", "cost_reported_ore", "cost_confirmed_ore",
    "cancel_reason", "cancellation_fee_ore", "cancellation_fee_rows", "requested_at", "pending_at", "confirmed_at",
    "started_at", "ended_at", "cancelled_at", "failed_at", "updated_at",
]  # fmt: skip
_REQUISITION_COLUMNS = [
    "id", "booking_id", "status", "reported_start", "reported_end", "reported_minutes", "office_start", "office_end",
    "office_minutes", "confirmed_minutes", "billed_minutes", "cost_ore", "cost_rows", "comment", "corrected",
    "replaces_id", "agency_event_id", "created_at", "decided_at",
]  # fmt: skip
_OUTCOME_COLUMNS = ["visit_id", "interpreter_used", "reason_not_used", "recorded_at"]


@dataclass
class _Rows:
    """The rows of one chunk of days, written together."""

    visits: list[tuple] = dataclasses.field(default_factory=list)
    needs: list[tuple] = dataclasses.field(default_factory=list)
    bookings: list[tuple] = dataclasses.field(default_factory=list)
    requisitions: list[tuple] = dataclasses.field(default_factory=list)
    outcomes: list[tuple] = dataclasses.field(default_factory=list)


@dataclass
class _Served:
    """What the booking step tells the visit step: how long the interpreted call made the service,
    and whether an interpreter was used or the booking failed."""

    service_s: int = 0
    used: bool = False
    failed: bool = False
    wanted: str | None = None  # the need's answer; None: no language need


@dataclass
class _Office:
    pk: int
    share: float  # of the visits
    need_rate: float
    book_prob: float  # how readily staff book when an interpreter is wanted


class _Run:
    """One generator run: the random stream, the reference rows, the pricer, the next ids and the
    rows of the chunk being built. The named steps are the methods below, one per table."""

    def __init__(self, plan: Plan, rnd: random.Random) -> None:
        self.rnd = rnd
        offices, authorities, agencies = ensure_reference_data()
        self.pricer = Pricer()
        self.writer = _Writer()
        self.sfx = self.writer.ts_suffix
        shares = {code: share for code, _name, share in AUTHORITIES}
        self.authority_ids = [a.pk for a in authorities]
        self.authority_letters = [a.code[:1].upper() for a in authorities]
        self.authority_w = [shares.get(a.code, 0.1) for a in authorities]
        agency_shares = {demo.slug: demo.share for demo in DEMO_AGENCIES}
        self.agency_ids = [a.pk for a in agencies]
        self.agency_w = [agency_shares.get(a.slug, 0.2) for a in agencies]
        self.offices = self._office_profiles(offices)
        self.tables = {
            "visits": _Table(Visit, _VISIT_COLUMNS, with_pk=True),
            "needs": _Table(LanguageNeed, _NEED_COLUMNS, with_pk=False),
            "bookings": _Table(InterpreterBooking, _BOOKING_COLUMNS, with_pk=True),
            "requisitions": _Table(Requisition, _REQUISITION_COLUMNS, with_pk=True),
            "outcomes": _Table(VisitOutcome, _OUTCOME_COLUMNS, with_pk=False),
        }
        self.next_id: dict[type[models.Model], int] = {
            model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
            for model in (Visit, InterpreterBooking, Requisition)
        }
        self.rows = _Rows()
        self.day_start = datetime.min.replace(tzinfo=UTC)
        self.day_str = ""

    def _office_profiles(self, offices: list[Office]) -> list[_Office]:
        """Size (log-normal, biggest first), need rate (higher in cities), how readily staff book."""
        rnd = self.rnd
        sizes = sorted((rnd.lognormvariate(0, 0.9) for _ in offices), reverse=True)
        total = sum(sizes)
        profiles = []
        for i, office in enumerate(offices):
            urban = 1.0 - i / max(1, len(offices) - 1)
            need_rate = min(0.35, max(0.02, rnd.gauss(0.07 + 0.12 * urban, 0.03)))
            book_prob = 0.92 if rnd.random() > 0.12 else rnd.uniform(0.45, 0.7)
            profiles.append(_Office(office.pk, sizes[i] / total, need_rate, book_prob))
        return profiles

    def take_id(self, model: type[models.Model]) -> int:
        pk = self.next_id[model]
        self.next_id[model] = pk + 1
        return pk

    # -- time: seconds since UTC midnight of the service day (office hours never cross it) --------

    def at(self, seconds: int) -> datetime:
        return self.day_start + timedelta(seconds=seconds)

    def ts(self, seconds: int) -> str:
        # Plain formatting: this runs several times per visit, strftime would double its cost.
        h, rem = divmod(seconds, 3600)
        m, sec = divmod(rem, 60)
        if h >= 24:
            return self.stamp(self.at(seconds))
        return f"{self.day_str} {h:02d}:{m:02d}:{sec:02d}{self.sfx}"

    def stamp(self, moment: datetime) -> str:
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds") + self.sfx

    # -- the steps ---------------------------------------------------------------------------------

    def day(self, day: date, visits_mean: float) -> int:
        """Every office's visits on one open day. Returns how many visits were made."""
        self.day_start = datetime.combine(day, time(0), tzinfo=UTC)
        self.day_str = day.isoformat()
        offset = int(datetime.combine(day, time(12), STOCKHOLM).utcoffset().total_seconds())  # type: ignore[union-attr]
        made = 0
        for office in self.offices:
            n = int(visits_mean * office.share * self.rnd.uniform(0.8, 1.2) + self.rnd.random())
            if n <= 0:
                continue
            # Local opening hours 09:00-16:00, as seconds since UTC midnight.
            arrivals = sorted(self.rnd.randint(9 * 3600, 16 * 3600) - offset for _ in range(n))
            authorities = self.rnd.choices(range(len(self.authority_ids)), self.authority_w, k=n)
            for seq, (arrival, ai) in enumerate(zip(arrivals, authorities, strict=True), start=1):
                self.visit(office, seq, arrival, ai)
            made += n
        return made

    def visit(self, office: _Office, seq: int, arrival: int, ai: int) -> None:
        """One visit: served or left, maybe a language need and a booking, and the outcome."""
        rnd = self.rnd
        vid = self.take_id(Visit)
        left = rnd.random() < 0.06
        wait = rnd.randint(60, 2400)
        if left:
            status, start_s, ended_s = "left", None, arrival + wait
        else:
            status, start_s = "done", arrival + wait
            ended_s = start_s + rnd.randint(300, 1800)
        served = _Served()
        if rnd.random() < office.need_rate:
            served = self.need(office, vid, arrival, start_s, left)
        self.rows.visits.append(
            (vid, office.pk, self.authority_ids[ai], self.day_str, f"{self.authority_letters[ai]}{seq:03d}", status,
             self.ts(arrival), self.ts(start_s) if start_s is not None else None, self.ts(ended_s + served.service_s),
             self.ts(ended_s + served.service_s))
        )  # fmt: skip
        if served.wanted is not None and rnd.random() < 0.93:
            self.outcome(vid, served, left, ended_s)

    def need(self, office: _Office, vid: int, arrival: int, start_s: int | None, left: bool) -> _Served:
        rnd = self.rnd
        wanted = rnd.choices(WANTED_CHOICES, WANTED_WEIGHTS)[0]
        language = rnd.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0]
        self.rows.needs.append((vid, language, wanted, IDENTIFIED[rnd.randint(0, 2)], self.ts(arrival)))
        p_book = office.book_prob if wanted == "yes" else (0.3 if wanted == "unsure" else 0.0)
        served = _Served()
        if rnd.random() < p_book:
            served = self.booking(vid, language, start_s if start_s is not None else arrival + 30, left)
        served.wanted = wanted
        return served

    def booking(self, vid: int, language: str, req_s: int, left: bool) -> _Served:
        """One booking with its prices: an on-demand call asked for at the desk, or (some) a
        pre-booking made days before for the time service starts."""
        rnd = self.rnd
        bid = self.take_id(InterpreterBooking)
        pre_booked = rnd.random() < PRE_BOOKED_SHARE
        start_at = self.at(req_s)
        required = "auktoriserad" if rnd.random() < 0.1 else ""
        draft = InterpreterBooking(
            scheduled_for=start_at if pre_booked else None,
            minutes_ordered=PRE_BOOKED_MINUTES if pre_booked else DESK_ORDERED_MINUTES,
            competence_required=required,
            agency_id=self.agency_ids[rnd.choices(range(len(self.agency_ids)), self.agency_w)[0]],
        )
        if pre_booked:
            draft.requested_at = workdays.add_working_days(start_at, -rnd.randint(1, 6))
            connect = 0
        else:
            draft.requested_at = start_at
            # Connect time: log-normal, median ~3 min, rarer languages take longer.
            connect = int(rnd.lognormvariate(math.log(150 + 12 * LANGUAGES.index(language)), 0.8))
        estimate = self.pricer.estimate(draft, now=draft.requested_at)
        f: dict[str, Any] = dict.fromkeys(
            ("confirmed_at", "started_at", "ended_at", "cancelled_at", "failed_at", "minutes_used", "cost_ore",
             "cost_reported_ore", "cost_confirmed_ore"),
        )  # fmt: skip
        f.update(failure_reason="", cancel_reason="", fee=0, fee_rows=[], cost_rows=[], delivered="")
        pending = draft.requested_at + timedelta(seconds=2)
        status, served = self.fate(draft, bid, f, start_at=start_at, pending=pending, connect=connect, left=left)
        last = f["ended_at"] or f["cancelled_at"] or f["failed_at"] or f["confirmed_at"] or pending
        stamp = self.stamp
        self.rows.bookings.append(
            (bid, vid, language, "phone" if rnd.random() < 0.7 else "video", draft.agency_id, status,
             self.writer.uuid(rnd), 1, f["failure_reason"], stamp(start_at) if pre_booked else None, not pre_booked,
             draft.minutes_ordered, required, f["delivered"], f["minutes_used"], f["cost_ore"],
             json.dumps(f["cost_rows"]), estimate.total_ore if estimate else None,
             json.dumps(estimate.rows if estimate else []), f["cost_reported_ore"], f["cost_confirmed_ore"],
             f["cancel_reason"], f["fee"], json.dumps(f["fee_rows"]), stamp(draft.requested_at), stamp(pending),
             *(stamp(f[k]) if f[k] else None for k in ("confirmed_at", "started_at", "ended_at", "cancelled_at",
                                                        "failed_at")),
             stamp(last))
        )  # fmt: skip
        return served

    def fate(
        self,
        draft: InterpreterBooking,
        bid: int,
        f: dict[str, Any],
        *,
        start_at: datetime,
        pending: datetime,
        connect: int,
        left: bool,
    ) -> tuple[str, _Served]:
        """How the booking ended (completed, failed, cancelled, no-show), its times and fees in `f`."""
        rnd = self.rnd
        pre_booked = draft.scheduled_for is not None
        required = draft.competence_required
        r = rnd.random()
        served = _Served()
        if left:
            # The visitor left: closing the visit withdrew the booking (a system cancel, no fee).
            status, f["cancel_reason"] = "cancelled", CancelReason.SYSTEM_VISIT_CLOSED
            f["cancelled_at"] = start_at + timedelta(seconds=min(connect, 600) + 1)
        elif r < 0.80:
            status = "completed"
            served = self.call(draft, bid, f, start_at + timedelta(seconds=connect + 30), required)
            f["confirmed_at"] = (
                start_at + timedelta(seconds=connect) if not pre_booked else pending + timedelta(minutes=10)
            )
        elif r < 0.87:
            status, f["failure_reason"] = "failed", "no interpreter available"
            f["failed_at"] = start_at + timedelta(seconds=900) if not pre_booked else pending + timedelta(hours=2)
            served.failed = True
        elif r < 0.96:
            status = "cancelled"
            f["cancel_reason"] = rnd.choices(OFFICE_CANCEL_REASONS, OFFICE_CANCEL_WEIGHTS)[0]
            if pre_booked:
                earliest = draft.requested_at + timedelta(hours=1)
                f["cancelled_at"] = max(earliest, start_at - timedelta(hours=rnd.choice([2, 20, 30, 70, 100])))
            else:
                f["cancelled_at"] = start_at + timedelta(seconds=min(connect, 1200))
            f["fee"], f["fee_rows"] = self.pricer.cancellation_fee(
                draft, reason=f["cancel_reason"], now=f["cancelled_at"]
            )
        else:
            status = "no_show"
            f["confirmed_at"] = (
                start_at + timedelta(seconds=connect) if not pre_booked else pending + timedelta(minutes=10)
            )
            served.failed = True
        return status, served

    def call(self, draft: InterpreterBooking, bid: int, f: dict[str, Any], started: datetime, required: str) -> _Served:
        """A completed call: the delivered level, the agency's requisition (some corrected), the
        office's answer, and the booking's reported and confirmed cost."""
        rnd = self.rnd
        minutes = rnd.randint(8, 55)
        delivered = rnd.choices(DELIVERED_LEVELS, DELIVERED_WEIGHTS)[0]
        if required and DELIVERED_LEVELS.index(delivered) < DELIVERED_LEVELS.index(required):
            delivered = required
        draft.interpreter_competence = delivered
        ended = started + timedelta(minutes=minutes)
        f.update(started_at=started, ended_at=ended, delivered=delivered, minutes_used=minutes)
        if rnd.random() < CORRECTED_SHARE:
            # The agency first reported five minutes more, then sent a corrected requisition.
            first = self.requisition(draft, bid, minutes + 5, started, ended, status="replaced", replaces=None)
            reported = self.requisition(draft, bid, minutes, started, ended, status="", replaces=first)
        else:
            reported = self.requisition(draft, bid, minutes, started, ended, status="", replaces=None)
        f["cost_reported_ore"], f["cost_rows"] = reported["cost"], reported["rows"]
        f["cost_ore"] = reported["confirmed_cost"] if reported["confirmed_cost"] is not None else reported["cost"]
        f["cost_confirmed_ore"] = reported["confirmed_cost"]
        if reported["confirmed_rows"] is not None:
            f["cost_rows"] = reported["confirmed_rows"]
        return _Served(service_s=minutes * 60, used=True)

    def requisition(
        self,
        draft: InterpreterBooking,
        bid: int,
        minutes: int,
        started: datetime,
        ended: datetime,
        *,
        status: str,
        replaces: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """One requisition row, priced like requisition_report and (when answered) requisition_decide."""
        rnd = self.rnd
        rid = self.take_id(Requisition)
        priced = self.pricer.price(draft, minutes=minutes, start=started)
        cost, rows, billed = (priced.total_ore, priced.rows, priced.billed_minutes) if priced else (0, [], minutes)
        confirmed_minutes = confirmed_cost = confirmed_rows = None
        comment, decided = "", None
        if not status:
            draw = rnd.random()
            if draw < ANSWER_SHARES["confirmed"]:
                status, confirmed_minutes = "confirmed", minutes
                confirmed_cost, confirmed_rows = cost, rows
            elif draw < ANSWER_SHARES["confirmed"] + ANSWER_SHARES["disputed"]:
                status, confirmed_minutes = "disputed", max(1, minutes - rnd.randint(3, 10))
                comment = rnd.choice(DISPUTE_COMMENTS)
            else:
                status = "reported"
            if status != "reported":
                decided = ended + timedelta(minutes=rnd.randint(2, 30))
        created = ended + timedelta(seconds=5)
        self.rows.requisitions.append(
            (rid, bid, status, self.stamp(started), self.stamp(ended), minutes, None, None, None, confirmed_minutes,
             billed, cost, json.dumps(rows), comment, replaces is not None, replaces["id"] if replaces else None,
             "", self.stamp(created), self.stamp(decided) if decided else None)
        )  # fmt: skip
        return {
            "id": rid,
            "cost": cost,
            "rows": rows,
            "confirmed_cost": confirmed_cost,
            "confirmed_rows": confirmed_rows,
        }

    def outcome(self, vid: int, served: _Served, left: bool, ended_s: int) -> None:
        rnd = self.rnd
        if served.used:
            self.rows.outcomes.append((vid, True, "", self.ts(ended_s + served.service_s)))
            return
        if left:
            why = "visitor_left"
        elif served.failed:
            why = "none_available" if rnd.random() < 0.6 else "took_too_long"
        else:
            why = rnd.choices(NOT_USED_REASONS, NOT_USED_WEIGHTS)[0]
        self.rows.outcomes.append((vid, False, why, self.ts(ended_s)))

    def flush(self, counts: dict[str, int]) -> None:
        """Write the chunk's rows, parents first, in one transaction."""
        rows = self.rows
        with transaction.atomic():
            for name in ("visits", "needs", "bookings", "requisitions", "outcomes"):
                self.writer.write(self.tables[name], getattr(rows, name))
                counts[name] += len(getattr(rows, name))
        self.rows = _Rows()


def _generate(plan: Plan, progress: Callable[[int], object] | None) -> dict[str, int]:
    # Seeded by the period too, so slices with other dates (and the same --seed) do not repeat the
    # same booking idempotency keys.
    rnd = random.Random(f"{plan.seed}:{plan.start_date}:{plan.end_date}")  # noqa: S311 - synthetic data  # nosec B311
    run = _Run(plan, rnd)
    days = open_days(plan.start_date, plan.end_date)
    day_total = sum(f for _d, f in days)
    total_visits = plan.years * plan.visits_per_year
    counts = {"visits": 0, "needs": 0, "bookings": 0, "requisitions": 0, "outcomes": 0}
    for chunk in _chunks(days, 7):
        made = sum(run.day(day, total_visits * factor / day_total) for day, factor in chunk)
        run.flush(counts)
        if progress:
            progress(made)
    if run.writer.pg:
        with connection.cursor() as cursor:
            for model in (Visit, InterpreterBooking, Requisition):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))",  # noqa: S608  # nosec B608
                    [table],
                )
    return counts


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def clear_generated_data() -> None:
    """Delete every visit and what hangs off it, and the rollups (bench/demo databases only)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            tables = [
                m._meta.db_table
                for m in (
                    MonthlyOfficeUsage,
                    DailyOfficeUsage,
                    DailyVisitUsage,
                    DailyBookingUsage,
                    VisitOutcome,
                    LanguageNeed,
                    Visit,
                )
            ]
            booking_tables = [InterpreterBooking._meta.db_table]
            with connection.cursor() as cursor:
                # Rows written earlier in the same transaction (a generate then a --clear, as a test
                # does) leave deferred foreign-key checks pending, and PostgreSQL refuses to TRUNCATE
                # a table with pending trigger events: run those checks now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"TRUNCATE {', '.join(tables + booking_tables)} CASCADE")  # noqa: S608
        else:
            for model in (MonthlyOfficeUsage, DailyOfficeUsage, DailyVisitUsage, DailyBookingUsage):
                model.objects.all().delete()
            BookingEvent.objects.all().delete()
            InterpreterBooking.objects.all().delete()
            Visit.objects.all().delete()
