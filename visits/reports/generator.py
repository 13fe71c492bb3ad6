"""Synthetic visits, language needs, bookings and outcomes with realistic shapes, for benchmarks and
the demo (``manage.py generate_visits``).

Shapes: office sizes are skewed (log-normal; the big-city offices take a large share), offices open
on weekdays only with a Monday peak and a July dip, a need rate that differs per office, a language
mix weighted like Sweden's most interpreted languages, and offices whose staff book interpreters less
often than others (the outliers the report must find).

Speed: rows are produced as plain tuples and written with COPY on PostgreSQL (executemany
elsewhere); 15 M visits take minutes, not hours. Columns the generator does not know about (added by
other apps later) get their model default, so it survives schema growth.
"""

from __future__ import annotations

import io
import json
import math
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction

from interpreters.models import (
    BookingEvent,
    CompetenceLevel,
    InterpreterAgency,
    InterpreterBooking,
    PriceList,
    PriceListKind,
)
from interpreters.services.price_lists import DEMO_VALID_FROM, price_lists_seed_demo
from interpreters.services.pricing import price_for
from visits.models import Authority, County, LanguageNeed, Office, Visit, VisitOutcome
from visits.reports.models import DailyBookingUsage, DailyOfficeUsage, DailyVisitUsage, MonthlyOfficeUsage

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# (municipality, county): real Swedish municipalities, big ones first (they get the big offices).
MUNICIPALITIES: list[tuple[str, str]] = [
    ("Stockholm", County.STOCKHOLM), ("Göteborg", County.VASTRA_GOTALAND), ("Malmö", County.SKANE),
    ("Uppsala", County.UPPSALA), ("Linköping", County.OSTERGOTLAND), ("Örebro", County.OREBRO),
    ("Västerås", County.VASTMANLAND), ("Helsingborg", County.SKANE), ("Norrköping", County.OSTERGOTLAND),
    ("Jönköping", County.JONKOPING), ("Umeå", County.VASTERBOTTEN), ("Lund", County.SKANE),
    ("Borås", County.VASTRA_GOTALAND), ("Huddinge", County.STOCKHOLM), ("Eskilstuna", County.SODERMANLAND),
    ("Nacka", County.STOCKHOLM), ("Gävle", County.GAVLEBORG), ("Halmstad", County.HALLAND),
    ("Södertälje", County.STOCKHOLM), ("Botkyrka", County.STOCKHOLM), ("Sundsvall", County.VASTERNORRLAND),
    ("Växjö", County.KRONOBERG), ("Karlstad", County.VARMLAND), ("Haninge", County.STOCKHOLM),
    ("Kristianstad", County.SKANE), ("Kungsbacka", County.HALLAND), ("Solna", County.STOCKHOLM),
    ("Järfälla", County.STOCKHOLM), ("Luleå", County.NORRBOTTEN), ("Skellefteå", County.VASTERBOTTEN),
    ("Sollentuna", County.STOCKHOLM), ("Täby", County.STOCKHOLM), ("Varberg", County.HALLAND),
    ("Trollhättan", County.VASTRA_GOTALAND), ("Östersund", County.JAMTLAND), ("Borlänge", County.DALARNA),
    ("Falun", County.DALARNA), ("Kalmar", County.KALMAR), ("Skövde", County.VASTRA_GOTALAND),
    ("Uddevalla", County.VASTRA_GOTALAND), ("Karlskrona", County.BLEKINGE), ("Gotland", County.GOTLAND),
    ("Örnsköldsvik", County.VASTERNORRLAND), ("Nyköping", County.SODERMANLAND), ("Motala", County.OSTERGOTLAND),
    ("Landskrona", County.SKANE), ("Trelleborg", County.SKANE), ("Ängelholm", County.SKANE),
    ("Hässleholm", County.SKANE), ("Lidköping", County.VASTRA_GOTALAND), ("Piteå", County.NORRBOTTEN),
    ("Katrineholm", County.SODERMANLAND), ("Falkenberg", County.HALLAND), ("Alingsås", County.VASTRA_GOTALAND),
    ("Sandviken", County.GAVLEBORG), ("Värnamo", County.JONKOPING), ("Enköping", County.UPPSALA),
    ("Kiruna", County.NORRBOTTEN), ("Västervik", County.KALMAR), ("Karlshamn", County.BLEKINGE),
    ("Ystad", County.SKANE), ("Eslöv", County.SKANE), ("Norrtälje", County.STOCKHOLM),
    ("Hudiksvall", County.GAVLEBORG), ("Köping", County.VASTMANLAND), ("Mjölby", County.OSTERGOTLAND),
    ("Finspång", County.OSTERGOTLAND), ("Ljungby", County.KRONOBERG), ("Nässjö", County.JONKOPING),
    ("Oskarshamn", County.KALMAR), ("Mariestad", County.VASTRA_GOTALAND), ("Arvika", County.VARMLAND),
    ("Avesta", County.DALARNA), ("Ludvika", County.DALARNA), ("Mora", County.DALARNA),
    ("Bollnäs", County.GAVLEBORG), ("Söderhamn", County.GAVLEBORG), ("Härnösand", County.VASTERNORRLAND),
    ("Kramfors", County.VASTERNORRLAND), ("Sollefteå", County.VASTERNORRLAND), ("Lycksele", County.VASTERBOTTEN),
    ("Boden", County.NORRBOTTEN), ("Kalix", County.NORRBOTTEN), ("Haparanda", County.NORRBOTTEN),
    ("Gällivare", County.NORRBOTTEN), ("Arjeplog", County.NORRBOTTEN), ("Strömsund", County.JAMTLAND),
    ("Sveg", County.JAMTLAND), ("Torsby", County.VARMLAND), ("Kristinehamn", County.VARMLAND),
    ("Säffle", County.VARMLAND), ("Filipstad", County.VARMLAND), ("Karlskoga", County.OREBRO),
    ("Lindesberg", County.OREBRO), ("Hallsberg", County.OREBRO), ("Fagersta", County.VASTMANLAND),
    ("Sala", County.VASTMANLAND), ("Tierp", County.UPPSALA), ("Östhammar", County.UPPSALA),
    ("Strängnäs", County.SODERMANLAND), ("Flen", County.SODERMANLAND), ("Vimmerby", County.KALMAR),
    ("Nybro", County.KALMAR), ("Emmaboda", County.KALMAR), ("Älmhult", County.KRONOBERG),
    ("Tingsryd", County.KRONOBERG), ("Olofström", County.BLEKINGE), ("Ronneby", County.BLEKINGE),
    ("Simrishamn", County.SKANE), ("Höganäs", County.SKANE), ("Klippan", County.SKANE),
    ("Perstorp", County.SKANE), ("Osby", County.SKANE), ("Laholm", County.HALLAND),
    ("Hylte", County.HALLAND), ("Gislaved", County.JONKOPING), ("Tranås", County.JONKOPING),
    ("Vetlanda", County.JONKOPING), ("Eksjö", County.JONKOPING), ("Falköping", County.VASTRA_GOTALAND),
    ("Vänersborg", County.VASTRA_GOTALAND), ("Strömstad", County.VASTRA_GOTALAND), ("Åmål", County.VASTRA_GOTALAND),
    ("Ulricehamn", County.VASTRA_GOTALAND), ("Angered", County.VASTRA_GOTALAND), ("Rinkeby", County.STOCKHOLM),
    ("Rosengård", County.SKANE), ("Husby", County.STOCKHOLM), ("Fittja", County.STOCKHOLM),
    ("Hammarkullen", County.VASTRA_GOTALAND),
]  # fmt: skip

AUTHORITIES = [
    ("forsakringskassan", "Försäkringskassan", 0.40),
    ("skatteverket", "Skatteverket", 0.27),
    ("arbetsformedlingen", "Arbetsförmedlingen", 0.20),
    ("pensionsmyndigheten", "Pensionsmyndigheten", 0.13),
]

# Roughly the order of Sweden's most interpreted languages; weights fall off like a power law.
LANGUAGES = [
    "ar", "so", "ti", "prs", "fa", "ckb", "kmr", "uk", "ru", "pl", "ro", "tr", "th", "hbs", "ps", "am",
    "es", "en", "fi", "sq", "zh", "vi", "fr", "bg", "hu", "ur", "uz", "mn", "ta", "bn", "de", "el",
    "hi", "it", "ku-Arab", "pt", "om", "sw", "my", "ne",
]  # fmt: skip
LANGUAGE_WEIGHTS = [1 / (i + 1) ** 1.1 for i in range(len(LANGUAGES))]

AGENCIES = [("Tolkförmedling Väst", "tolk-vast", 0.45), ("Språkservice Syd", "sprak-syd", 0.35),
            ("Norrlandstolk", "norrlandstolk", 0.20)]  # fmt: skip

WEEKDAY_FACTOR = [1.3, 1.05, 1.0, 1.1, 0.8, 0.0, 0.0]
MONTH_FACTOR = [1.15, 1.05, 1.1, 1.0, 0.95, 0.85, 0.55, 0.9, 1.05, 1.1, 1.05, 0.8]
CLOSED_DAYS = {(1, 1), (1, 6), (5, 1), (6, 6), (12, 24), (12, 25), (12, 26), (12, 31)}

WANTED_CHOICES = ["yes", "unsure", "no", "declined"]
WANTED_WEIGHTS = [0.62, 0.08, 0.20, 0.10]
IDENTIFIED = ["visitor_said", "pointed_at_card", "officer_judged"]
NOT_USED_REASONS = ["multilingual_staff", "relative", "english", "child", "solved_without", "visitor_declined"]
NOT_USED_WEIGHTS = [0.30, 0.25, 0.15, 0.03, 0.20, 0.07]


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
    """Use existing offices, authorities and agencies; create realistic ones where there are none."""
    offices = list(Office.objects.filter(active=True).order_by("pk"))
    if len(offices) < min_offices:
        for municipality, county in MUNICIPALITIES[:min_offices]:
            Office.objects.get_or_create(
                name=f"Servicekontor {municipality}",
                defaults={"municipality": municipality, "county": county},
            )
        offices = list(Office.objects.filter(active=True).order_by("pk"))
    authorities = list(Authority.objects.filter(active=True))
    if not authorities:
        for i, (code, name, _w) in enumerate(AUTHORITIES):
            Authority.objects.get_or_create(code=code, defaults={"name": name, "sort_order": i})
        authorities = list(Authority.objects.filter(active=True))
    agencies = list(InterpreterAgency.objects.filter(active=True))
    if not agencies:
        for i, (name, slug, _w) in enumerate(AGENCIES):
            InterpreterAgency.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "backend": "simulated",
                    "priority": i,
                    "modalities": ["phone", "video"],
                    "languages": LANGUAGES,
                },
            )
        agencies = list(InterpreterAgency.objects.filter(active=True))
    return offices, authorities, agencies


ESTIMATE_MINUTES = 15


def _cost_pricer() -> Callable[[int], int]:
    """The generated calls are on-demand weekday daytime calls: priced once per length by the one
    pricing module (interpreters/services/pricing.py) on the on-demand list, seeded if missing."""
    if not PriceList.objects.filter(kind=PriceListKind.ON_DEMAND).exists():
        price_lists_seed_demo()
    start = datetime(DEMO_VALID_FROM.year, 3, 5, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))  # a Tuesday
    cache: dict[int, int] = {}

    def cost(minutes: int) -> int:
        if minutes not in cache:
            cache[minutes] = price_for(
                kind=PriceListKind.ON_DEMAND, competence=CompetenceLevel.UTBILDAD, start=start, minutes=minutes
            ).total_ore
        return cache[minutes]

    return cost


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
    days = []
    d = start
    while d <= end:
        factor = WEEKDAY_FACTOR[d.weekday()] * MONTH_FACTOR[d.month - 1]
        if factor > 0 and (d.month, d.day) not in CLOSED_DAYS:
            days.append((d, factor))
        d += timedelta(days=1)
    return days


# Tables the generator writes. For a big load on PostgreSQL their secondary indexes and foreign keys
# are dropped and rebuilt afterwards: maintaining ~20 indexes and checking 5 foreign keys row by
# row costs more than the COPY itself, and one build at the end is several times faster.
_LOADED_MODELS = (Visit, LanguageNeed, InterpreterBooking, VisitOutcome)


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


def _generate(plan: Plan, progress: Callable[[int], object] | None) -> dict[str, int]:
    # Seeded by the period too, so slices with other dates (and the same --seed) do not repeat the
    # same booking idempotency keys.
    rnd = random.Random(f"{plan.seed}:{plan.start_date}:{plan.end_date}")  # noqa: S311 - synthetic data  # nosec B311
    offices, authorities, agencies = ensure_reference_data()
    cost_of = _cost_pricer()
    auth_weights = {code: w for code, _n, w in AUTHORITIES}
    authority_ids = [a.pk for a in authorities]
    authority_letters = [a.code[:1].upper() for a in authorities]
    authority_w = [auth_weights.get(a.code, 0.1) for a in authorities]
    agency_ids = [a.pk for a in agencies]
    agency_w = [{s: w for _n, s, w in AGENCIES}.get(a.slug, 0.2) for a in agencies]

    # Office profiles: size (log-normal, biggest first), need rate, how readily staff book.
    sizes = sorted((rnd.lognormvariate(0, 0.9) for _ in offices), reverse=True)
    total_size = sum(sizes)
    profiles = []
    for i, office in enumerate(offices):
        urban = 1.0 - i / max(1, len(offices) - 1)
        need_rate = min(0.35, max(0.02, rnd.gauss(0.07 + 0.12 * urban, 0.03)))
        book_prob = 0.92 if rnd.random() > 0.12 else rnd.uniform(0.45, 0.7)
        profiles.append((office.pk, sizes[i] / total_size, need_rate, book_prob))

    days = open_days(plan.start_date, plan.end_date)
    day_total = sum(f for _d, f in days)
    total_visits = plan.years * plan.visits_per_year

    visit_table = _Table(
        Visit,
        ["id", "office_id", "authority_id", "service_date", "queue_number", "status", "checked_in_at",
         "started_at", "ended_at", "updated_at"],
        with_pk=True,
    )  # fmt: skip
    need_table = _Table(
        LanguageNeed,
        ["visit_id", "language", "interpreter_wanted", "identified_by", "recorded_at"],
        with_pk=False,
    )
    booking_table = _Table(
        InterpreterBooking,
        ["visit_id", "language", "modality", "agency_id", "status", "idempotency_key", "attempts",
         "failure_reason", "minutes_used", "cost_ore", "cost_estimated_ore", "cost_reported_ore",
         "cost_confirmed_ore", "cancel_reason", "cancellation_fee_ore", "requested_at", "pending_at",
         "confirmed_at", "started_at", "ended_at", "cancelled_at", "failed_at", "updated_at"],
        with_pk=False,
    )  # fmt: skip
    outcome_table = _Table(
        VisitOutcome, ["visit_id", "interpreter_used", "reason_not_used", "recorded_at"], with_pk=False
    )
    writer = _Writer()
    sfx = writer.ts_suffix
    next_id = (Visit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    counts = {"visits": 0, "needs": 0, "bookings": 0, "outcomes": 0}

    def ts(day_str: str, seconds: int) -> str:
        # Seconds since UTC midnight of the local day; office hours never cross UTC midnight.
        h, rem = divmod(seconds, 3600)
        m, s = divmod(rem, 60)
        if h >= 24:
            return _ts_next(day_str, h - 24, m, s, sfx)
        return f"{day_str} {h:02d}:{m:02d}:{s:02d}{sfx}"

    choices = rnd.choices
    random_ = rnd.random
    randint = rnd.randint
    for chunk in _chunks(days, 7):
        visits: list[tuple] = []
        needs: list[tuple] = []
        bookings: list[tuple] = []
        outcomes: list[tuple] = []
        for day, factor in chunk:
            offset = int(datetime.combine(day, time(12), STOCKHOLM).utcoffset().total_seconds())  # type: ignore[union-attr]
            day_str = day.isoformat()
            day_mean = total_visits * factor / day_total
            for office_id, share, need_rate, book_prob in profiles:
                mean = day_mean * share
                n = int(mean * rnd.uniform(0.8, 1.2) + random_())
                if n <= 0:
                    continue
                # Local opening hours 09:00-16:00, as seconds since UTC midnight.
                arrivals = sorted(randint(9 * 3600, 16 * 3600) - offset for _ in range(n))
                auths = choices(range(len(authority_ids)), authority_w, k=n)
                for seq, (arr, ai) in enumerate(zip(arrivals, auths, strict=True), start=1):
                    vid = next_id
                    next_id += 1
                    left = random_() < 0.06
                    wait = randint(60, 2400)
                    checked = ts(day_str, arr)
                    if left:
                        status, started, ended_s = "left", None, arr + wait
                        start_s = None
                    else:
                        status = "done"
                        start_s = arr + wait
                        started = ts(day_str, start_s)
                        ended_s = start_s + randint(300, 1800)
                    has_need = random_() < need_rate
                    service_len = 0
                    booked_ok = False
                    booking_failed = False
                    if has_need:
                        wanted = choices(WANTED_CHOICES, WANTED_WEIGHTS)[0]
                        lang = choices(LANGUAGES, LANGUAGE_WEIGHTS)[0]
                        needs.append((vid, lang, wanted, IDENTIFIED[randint(0, 2)], checked))
                        p_book = book_prob if wanted == "yes" else (0.3 if wanted == "unsure" else 0.0)
                        if random_() < p_book:
                            req_s = start_s if start_s is not None else arr + 30
                            # Connect time: log-normal, median ~3 min, rarer languages take longer.
                            rank = LANGUAGES.index(lang)
                            connect = int(rnd.lognormvariate(math.log(150 + 12 * rank), 0.8))
                            r = random_()
                            agency = agency_ids[choices(range(len(agency_ids)), agency_w)[0]]
                            confirmed = pending = started_b = ended_b = cancelled = failed = None
                            minutes = cost = confirmed_cost = fee = None
                            reason = cancel_reason = ""
                            # On-demand calls: estimated at the list's minimum length.
                            estimate = cost_of(ESTIMATE_MINUTES)
                            pending = ts(day_str, req_s + 2)
                            if left:
                                bstatus = "cancelled"
                                cancelled = ts(day_str, req_s + min(connect, 600))
                                cancel_reason, fee = "visitor_left", 0  # on demand: free before connect
                            elif r < 0.80:
                                bstatus = "completed"
                                confirmed = ts(day_str, req_s + connect)
                                started_b = ts(day_str, req_s + connect + 30)
                                minutes = randint(8, 55)
                                service_len = minutes * 60
                                ended_b = ts(day_str, req_s + connect + 30 + service_len)
                                cost = cost_of(minutes)
                                # Nine in ten confirmed by the office as reported (no extra draw:
                                # the random stream, and so every other column, stays as before).
                                confirmed_cost = cost if minutes % 10 else None
                                booked_ok = True
                            elif r < 0.87:
                                bstatus = "failed"
                                failed = ts(day_str, req_s + 900)
                                reason = "no interpreter available"
                                booking_failed = True
                            elif r < 0.96:
                                bstatus = "cancelled"
                                cancelled = ts(day_str, req_s + min(connect, 1200))
                                cancel_reason, fee = "solved_without", 0
                            else:
                                bstatus = "no_show"
                                confirmed = ts(day_str, req_s + connect)
                                booking_failed = True
                            last = ended_b or cancelled or failed or confirmed or pending
                            bookings.append(
                                (vid, lang, "phone" if random_() < 0.7 else "video", agency, bstatus,
                                 writer.uuid(rnd), 1, reason, minutes, cost, estimate, cost, confirmed_cost,
                                 cancel_reason, fee, ts(day_str, req_s), pending,
                                 confirmed, started_b, ended_b, cancelled, failed, last)
                            )  # fmt: skip
                        if random_() < 0.93:
                            if booked_ok:
                                outcomes.append((vid, True, "", ts(day_str, ended_s + service_len)))
                            else:
                                if left:
                                    why = "visitor_left"
                                elif booking_failed:
                                    why = "none_available" if random_() < 0.6 else "took_too_long"
                                else:
                                    why = choices(NOT_USED_REASONS, NOT_USED_WEIGHTS)[0]
                                outcomes.append((vid, False, why, ts(day_str, ended_s)))
                    ended = ts(day_str, ended_s + service_len)
                    visits.append(
                        (vid, office_id, authority_ids[ai], day_str, f"{authority_letters[ai]}{seq:03d}", status,
                         checked, started, ended, ended)
                    )  # fmt: skip
        with transaction.atomic():
            writer.write(visit_table, visits)
            writer.write(need_table, needs)
            writer.write(booking_table, bookings)
            writer.write(outcome_table, outcomes)
        counts["visits"] += len(visits)
        counts["needs"] += len(needs)
        counts["bookings"] += len(bookings)
        counts["outcomes"] += len(outcomes)
        if progress:
            progress(len(visits))
    if writer.pg:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT COALESCE(MAX(id), 1) FROM visits_visit))",
                [Visit._meta.db_table],
            )
    return counts


def _ts_next(day_str: str, h: int, m: int, s: int, sfx: str) -> str:
    nxt = (date.fromisoformat(day_str) + timedelta(days=1)).isoformat()
    return f"{nxt} {h:02d}:{m:02d}:{s:02d}{sfx}"


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
                cursor.execute(f"TRUNCATE {', '.join(tables + booking_tables)} CASCADE")  # noqa: S608
        else:
            for model in (MonthlyOfficeUsage, DailyOfficeUsage, DailyVisitUsage, DailyBookingUsage):
                model.objects.all().delete()
            BookingEvent.objects.all().delete()
            InterpreterBooking.objects.all().delete()
            Visit.objects.all().delete()
