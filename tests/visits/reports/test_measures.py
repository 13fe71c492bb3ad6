"""Every measure of visits.reports.measures against numbers worked out by hand (see
tests.visits.reports.data.known_world), over the raw rows and over the rollups."""

from datetime import UTC, date, datetime, timedelta

import pytest

from interpreters.models import BookingStatus, InterpreterBooking, Modality
from tests.factories import AuthorityFactory, OfficeFactory
from tests.interpreters.factories import AgencyFactory
from tests.visits.reports.data import DAY, B, day_query, local, visit_with
from visits.models import InterpreterWanted, NotUsedReason
from visits.reports import measures
from visits.reports.measures import (
    CONNECT_BUCKETS,
    CONNECT_EDGES_S,
    GAP_REASONS,
    connect_bucket_index,
    derive,
    is_outlier,
    percentile,
    wilson_interval,
)
from visits.reports.models import DailyVisitUsage
from visits.reports.selectors import UsageQuery, national_measures, usage_counters, usage_report
from visits.reports.services import usage_dirty_days_refresh, usage_rollups_rebuild
from visits.services import visit_check_in

SOURCES = ["raw", "rollup"]
NO_GAP = dict.fromkeys(GAP_REASONS, 0)


def rows_by_label(q: UsageQuery, source: str) -> dict:
    return {row.label: row for row in usage_report(q, source=source)}


@pytest.mark.parametrize("source", SOURCES)
def test_every_measure_of_one_office_is_the_hand_computed_number(world, source):
    uppsala = rows_by_label(day_query(group_by="office"), source)["Servicekontor Uppsala"]
    m = uppsala.measures

    assert (m.visits, m.need, m.need_rate, m.need_unsure, m.need_declined) == (10, 9, 0.9, 1, 1)
    assert (m.wanted, m.wanted_used, m.use_rate, m.gap) == (6, 3, 0.5, 3)
    assert m.use_rate_ci == pytest.approx((0.1876, 0.8124), abs=5e-5)
    assert m.gap_by_reason == {**NO_GAP, "relative": 1, "unrecorded": 1, "none_available": 1}
    assert (m.bookings, m.bookings_confirmed, m.bookings_completed) == (5, 3, 2)
    assert (m.bookings_failed, m.bookings_cancelled, m.bookings_no_show) == (1, 1, 1)
    assert m.fulfilment_rate == 0.5
    assert (m.connect_median_s, m.connect_p90_s) == (120, 300)
    assert (m.minutes, m.cost_ore) == (55, 81975)
    assert m.cost_per_need_visit_ore == pytest.approx(81975 / 9)
    assert uppsala.period is None and uppsala.group == world.uppsala.pk


@pytest.mark.parametrize("source", SOURCES)
def test_an_office_without_settled_bookings_has_no_fulfilment_rate(world, source):
    m = rows_by_label(day_query(group_by="office"), source)["Servicekontor Kiruna"].measures

    assert (m.visits, m.need, m.wanted, m.wanted_used, m.use_rate, m.gap) == (3, 2, 2, 0, 0.0, 2)
    assert m.use_rate_ci == pytest.approx((0.0, 0.6576), abs=5e-5)
    assert m.gap_by_reason == {**NO_GAP, "multilingual_staff": 1, "unrecorded": 1}
    assert (m.bookings, m.bookings_confirmed, m.bookings_completed) == (1, 1, 0)
    assert m.fulfilment_rate is None  # the one booking is confirmed but not over yet
    assert (m.connect_median_s, m.connect_p90_s) == (1200, 1200)
    assert (m.minutes, m.cost_ore, m.cost_per_need_visit_ore) == (0, 0, 0.0)


@pytest.mark.parametrize("source", SOURCES)
def test_the_national_total_adds_up_both_offices(world, source):
    national = national_measures(day_query(offices=frozenset({world.kiruna.pk})), source=source)
    (total,) = usage_report(day_query(), source=source)

    for m in (national, total.measures):
        assert (m.visits, m.need, m.wanted, m.wanted_used, m.gap) == (13, 11, 8, 3, 5)
        assert m.use_rate == 3 / 8
        assert sum(m.gap_by_reason.values()) == m.gap
        assert (m.bookings, m.bookings_confirmed, m.fulfilment_rate) == (6, 4, 0.5)
        # Connect times 40, 120, 300, 1000 s: the 2nd of 4 is in the 120 s bucket, the 4th in 1200 s.
        assert (m.connect_median_s, m.connect_p90_s) == (120, 1200)
    assert total.label == "All offices"


@pytest.mark.parametrize("source", SOURCES)
def test_agency_slices_have_booking_measures_only(world, source):
    rows = rows_by_label(day_query(group_by="agency"), source)

    assert set(rows) == {"Tolkförmedling Väst", "Språkservice Syd"}
    ag1, ag2 = rows["Tolkförmedling Väst"].measures, rows["Språkservice Syd"].measures
    assert (ag1.bookings, ag1.bookings_confirmed, ag1.bookings_completed, ag1.bookings_no_show) == (3, 3, 2, 1)
    assert ag1.fulfilment_rate == pytest.approx(2 / 3)
    assert (ag1.minutes, ag1.cost_ore) == (55, 81975)
    assert (ag2.bookings, ag2.bookings_failed, ag2.bookings_cancelled, ag2.bookings_confirmed) == (3, 1, 1, 1)
    assert ag2.fulfilment_rate == 0.0
    for m in (ag1, ag2):
        # A visit has no agency: the visit measures are undefined for an agency slice, not zero.
        assert m.visits is None and m.use_rate is None and m.gap_by_reason is None
        assert m.cost_per_need_visit_ore is None


@pytest.mark.parametrize("source", SOURCES)
def test_modality_slices_and_a_filter_on_agency(world, source):
    rows = {r.group: r.measures for r in usage_report(day_query(group_by="modality"), source=source)}
    assert {key: m.bookings for key, m in rows.items()} == {"phone": 4, "video": 2}
    assert rows["video"].bookings_completed == 1

    filtered = {
        r.group: r.measures for r in usage_report(day_query(group_by="modality", agency=world.ag1.pk), source=source)
    }
    assert {key: m.bookings for key, m in filtered.items()} == {"phone": 2, "video": 1}
    assert filtered["phone"].connect_median_s == 120  # 120 s and 300 s: nearest rank 1 of 2


@pytest.mark.parametrize("source", SOURCES)
def test_languages_take_the_need_language_and_visits_without_need_have_their_own_row(world, source):
    rows = {r.group: r.measures for r in usage_report(day_query(group_by="language"), source=source)}

    assert set(rows) == {"ar", "so", "ti", ""}
    assert (rows["ar"].visits, rows["ar"].wanted, rows["ar"].wanted_used, rows["ar"].need_unsure) == (8, 6, 3, 1)
    assert (rows["ar"].bookings, rows["ar"].bookings_completed) == (5, 2)
    assert (rows["so"].wanted, rows["so"].wanted_used, rows["so"].bookings_failed) == (2, 0, 1)
    assert (rows["ti"].need, rows["ti"].need_declined, rows["ti"].wanted) == (1, 1, 0)
    # Visits without a language need: counted as visits, never as need.
    assert (rows[""].visits, rows[""].need, rows[""].need_rate, rows[""].use_rate) == (2, 0, 0.0, None)


@pytest.mark.parametrize("source", SOURCES)
def test_authority_and_county_slices(world, source):
    authorities = rows_by_label(day_query(group_by="authority"), source)
    assert authorities["Skatteverket"].measures.visits == 1
    assert authorities["Skatteverket"].measures.wanted_used == 1
    assert authorities["Försäkringskassan"].measures.visits == 12

    counties = {r.group: r.measures for r in usage_report(day_query(group_by="county"), source=source)}
    assert (counties["C"].visits, counties["BD"].visits) == (10, 3)
    only_kiruna = usage_report(day_query(county="BD", authority=world.fk.pk), source=source)
    assert [r.measures.visits for r in only_kiruna] == [3]


@pytest.mark.parametrize("source", SOURCES)
def test_groups_with_the_same_name_are_ordered_by_their_key(db, source):
    office = OfficeFactory()
    twins = [AuthorityFactory(code=code, name="Myndigheten") for code in ("second", "first", "third")]
    for authority in reversed(twins):
        visit_with(office=office, authority=authority, at=local(DAY, 9))
    usage_rollups_rebuild()

    rows = usage_report(day_query(group_by="authority"), source=source)
    assert [r.group for r in rows] == sorted((a.pk for a in twins), key=str)


@pytest.mark.parametrize("source", SOURCES)
def test_a_language_filter_keeps_bookings_in_that_language(world, source):
    (row,) = usage_report(day_query(language="so"), source=source)

    assert (row.measures.visits, row.measures.wanted, row.measures.bookings, row.measures.bookings_failed) == (
        2,
        2,
        1,
        1,
    )


@pytest.mark.parametrize("source", SOURCES)
def test_a_filter_on_no_language_need_keeps_the_visits_without_one(world, source):
    rows = usage_report(day_query(language=""), source=source)
    by_office = usage_report(day_query(language="", group_by="office"), source=source)

    assert [(r.measures.visits, r.measures.need, r.measures.bookings) for r in rows] == [(2, 0, 0)]
    assert [(r.group, r.measures.visits) for r in by_office] == [(world.kiruna.pk, 1), (world.uppsala.pk, 1)]


@pytest.mark.parametrize("source", SOURCES)
def test_no_visits_at_all_gives_no_rows_and_no_rates(db, source):
    usage_rollups_rebuild()

    assert usage_report(day_query(group_by="office"), source=source) == []
    assert usage_counters(day_query(), source=source) == {}
    national = national_measures(day_query(), source=source)
    assert (national.visits, national.need, national.bookings, national.minutes) == (0, 0, 0, 0)
    assert national.need_rate is None and national.use_rate is None and national.use_rate_ci is None
    assert national.fulfilment_rate is None and national.cost_per_need_visit_ore is None
    assert national.connect_median_s is None and national.connect_p90_s is None
    assert national.gap == 0 and national.gap_by_reason == NO_GAP


def test_derive_of_nothing_divides_by_nothing():
    m = derive({})
    assert (m.visits, m.need_rate, m.use_rate, m.use_rate_ci, m.fulfilment_rate) == (0, None, None, None, None)
    as_dict = m.as_dict()
    assert as_dict["use_rate_ci_low"] is None and as_dict["use_rate_ci_high"] is None
    assert "use_rate_ci" not in as_dict


def test_settled_bookings_exclude_cancelled_and_open_ones():
    m = derive({"bookings": 6, "bookings_completed": 1, "bookings_failed": 1, "bookings_cancelled": 3})
    assert m.fulfilment_rate == 0.5


# --- Wilson interval ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (score, no correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        # Symmetric around one half.
        (3, 6, 0.1876, 0.8124),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_interval_matches_published_values(successes, n, low, high):
    got = wilson_interval(successes, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_is_none_without_observations_and_narrows_with_more():
    assert wilson_interval(0, 0) is None
    small, large = wilson_interval(5, 10), wilson_interval(500, 1000)
    assert small[0] < large[0] < 0.5 < large[1] < small[1]


# --- time to connect ---------------------------------------------------------------------------------


def test_connect_buckets_are_closed_on_the_upper_edge():
    assert connect_bucket_index(0) == 0
    assert connect_bucket_index(15) == 0
    assert connect_bucket_index(15.001) == 1
    assert connect_bucket_index(120) == CONNECT_EDGES_S.index(120)
    assert connect_bucket_index(14400) == len(CONNECT_EDGES_S) - 1
    assert connect_bucket_index(14401) == len(CONNECT_EDGES_S)  # the open bucket: more than 4 h


def test_percentiles_are_nearest_rank_on_the_bucket_edges():
    hist = [0] * len(CONNECT_BUCKETS)
    assert percentile(hist, 0.5) is None
    for seconds in (10, 50, 50, 100, 700, 20000):
        hist[connect_bucket_index(seconds)] += 1
    # Ranks: median = 3rd of 6 (50 s -> 60), p90 = 6th (open bucket -> reported as 4 h).
    assert percentile(hist, 0.5) == 60
    assert percentile(hist, 0.9) == 14400
    assert percentile(hist, 0.0) == 15  # rank at least 1


@pytest.mark.parametrize("source", SOURCES)
def test_connect_times_land_in_their_buckets_in_sql(db, source):
    office, authority, agency = OfficeFactory(), AuthorityFactory(), AgencyFactory()
    S = BookingStatus
    visit_with(
        office=office,
        authority=authority,
        at=local(DAY, 9),
        need=("ar", "yes"),
        bookings=(
            B(S.CANCELLED, agency, connect_s=15),  # exactly on an edge: the lower bucket
            B(S.CANCELLED, agency, connect_s=15.5),
            B(S.FAILED, agency, connect_s=5 * 3600),  # past the last edge
            B(S.COMPLETED, agency, connect_s=100, started_only=True),  # no confirmation: started_at counts
            B(S.FAILED, agency),  # never connected: no connect time
        ),
    )
    usage_rollups_rebuild()

    (counters,) = usage_counters(day_query(), source=source).values()
    hist = {name: counters[name] for name in CONNECT_BUCKETS if counters[name]}
    assert hist == {"connect_b00": 1, "connect_b01": 1, "connect_b05": 1, "connect_b19": 1}
    assert counters["bookings_confirmed"] == 4


# --- outliers ----------------------------------------------------------------------------------------


def _wanted_visits(office, authority, *, used: int, not_used: int) -> None:
    at = local(DAY, 11)
    for _ in range(used):
        visit_with(office=office, authority=authority, at=at, need=("ar", "yes"), outcome=True)
    for _ in range(not_used):
        visit_with(office=office, authority=authority, at=at, need=("ar", "yes"), outcome="relative")


@pytest.mark.parametrize("source", SOURCES)
def test_an_office_whose_whole_interval_lies_below_the_national_rate_is_an_outlier(db, source):
    authority = AuthorityFactory()
    low = OfficeFactory(name="Låg")  # 0 of 10: interval 0 - 27.8 %
    small = OfficeFactory(name="Liten")  # 0 of 2: interval 0 - 65.8 %, too few to tell
    high = OfficeFactory(name="Hög")  # 12 of 12
    _wanted_visits(low, authority, used=0, not_used=10)
    _wanted_visits(small, authority, used=0, not_used=2)
    _wanted_visits(high, authority, used=12, not_used=0)
    usage_rollups_rebuild()

    rows = rows_by_label(day_query(group_by="office"), source)
    national = national_measures(day_query(), source=source)

    assert national.use_rate == 0.5  # 12 of 24
    assert {label: r.outlier for label, r in rows.items()} == {"Låg": True, "Liten": False, "Hög": False}
    # The manager of the low office alone gets the same verdict: the national rate is the country's.
    scoped = usage_report(day_query(group_by="office", offices=frozenset({low.pk})), source=source)
    assert [(r.label, r.outlier) for r in scoped] == [("Låg", True)]


def test_is_outlier_needs_an_interval_and_a_national_rate():
    nothing = derive({})
    some = derive({"visits": 10, "need": 10, "wanted": 10, "wanted_used": 0})
    assert not is_outlier(nothing, some)
    assert not is_outlier(some, nothing)
    assert is_outlier(some, derive({"visits": 10, "need": 10, "wanted": 10, "wanted_used": 9}))


# --- attribution to days -----------------------------------------------------------------------------


def _visits_on(day: date, source: str) -> int:
    rows = usage_report(UsageQuery(date_from=day, date_to=day), source=source)
    return rows[0].measures.visits if rows else 0


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    ("checked_in_utc", "service_date"),
    [
        # 23:30 UTC in winter is 00:30 the next day in Stockholm.
        (datetime(2026, 1, 14, 23, 30, tzinfo=UTC), date(2026, 1, 15)),
        (datetime(2026, 1, 14, 22, 59, tzinfo=UTC), date(2026, 1, 14)),
        # Spring forward (29 March 2026, 01:00 UTC): the night before is still UTC+1 ...
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 3, 29)),
        # ... and that evening UTC+2, so 22:30 UTC is already the 30th.
        (datetime(2026, 3, 29, 22, 30, tzinfo=UTC), date(2026, 3, 30)),
        (datetime(2026, 3, 29, 21, 59, tzinfo=UTC), date(2026, 3, 29)),
        # Fall back (25 October 2026, 01:00 UTC): 22:30 UTC is 00:30 on the 25th before it, 23:30 CET after.
        (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), date(2026, 10, 25)),
        (datetime(2026, 10, 25, 22, 30, tzinfo=UTC), date(2026, 10, 25)),
    ],
)
def test_a_visit_counts_on_its_stockholm_service_date(db, source, checked_in_utc, service_date):
    office, authority = OfficeFactory(), AuthorityFactory()
    visit = visit_check_in(office=office, authority=authority, checked_in_by=None, now=checked_in_utc)
    usage_dirty_days_refresh()

    assert visit.service_date == service_date
    assert _visits_on(service_date, source) == 1
    assert _visits_on(service_date - timedelta(days=1), source) == 0
    assert _visits_on(service_date + timedelta(days=1), source) == 0


@pytest.mark.parametrize("source", SOURCES)
def test_a_visit_running_past_midnight_and_its_late_booking_stay_on_the_check_in_day(db, source):
    office, authority, agency = OfficeFactory(), AuthorityFactory(), AgencyFactory()
    evening = local(date(2026, 1, 14), 23, 50)
    visit = visit_with(
        office=office,
        authority=authority,
        at=evening,
        ended_at=evening + timedelta(minutes=40),
        need=("ar", "yes"),
        outcome=True,
    )
    # Requested at 23:52, confirmed 00:02 the next day.
    booking = InterpreterBooking.objects.create(
        visit=visit,
        language="ar",
        modality=Modality.PHONE,
        agency=agency,
        status=BookingStatus.COMPLETED,
        requested_at=evening + timedelta(minutes=2),
        confirmed_at=evening + timedelta(minutes=12),
        started_at=evening + timedelta(minutes=13),
        ended_at=evening + timedelta(minutes=38),
        minutes_used=25,
        cost_ore=32800,
    )
    usage_rollups_rebuild()

    (jan14,) = usage_report(UsageQuery(date_from=date(2026, 1, 14), date_to=date(2026, 1, 14)), source=source)
    assert (jan14.measures.visits, jan14.measures.bookings, jan14.measures.minutes) == (1, 1, 25)
    assert jan14.measures.connect_median_s == 600
    assert usage_report(UsageQuery(date_from=date(2026, 1, 15), date_to=date(2026, 1, 15)), source=source) == []
    assert booking.confirmed_at.astimezone(evening.tzinfo).date() == date(2026, 1, 15)


@pytest.mark.parametrize("source", SOURCES)
def test_periods_split_at_local_month_and_week_starts(db, source):
    office, authority = OfficeFactory(), AuthorityFactory()
    for day in (date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 5)):
        visit_with(office=office, authority=authority, at=local(day, 23, 30))  # 22:30 UTC: same day locally
    usage_rollups_rebuild()
    span = {"date_from": date(2025, 12, 1), "date_to": date(2026, 1, 31)}

    months = usage_report(UsageQuery(**span, period="month"), source=source)
    assert [(r.period, r.measures.visits) for r in months] == [(date(2025, 12, 1), 1), (date(2026, 1, 1), 2)]
    weeks = usage_report(UsageQuery(**span, period="week"), source=source)
    # ISO weeks start on Monday: 29 Dec 2025 holds the 31st and the 1st; 5 Jan starts the next.
    assert [(r.period, r.measures.visits) for r in weeks] == [(date(2025, 12, 29), 2), (date(2026, 1, 5), 1)]
    years = usage_report(UsageQuery(**span, period="year"), source=source)
    assert [(r.period, r.measures.visits) for r in years] == [(date(2025, 1, 1), 1), (date(2026, 1, 1), 2)]


# --- the definitions rest on real choices ------------------------------------------------------------


def test_every_not_used_reason_has_a_gap_column_in_the_visit_rollups():
    columns = {f.name for f in DailyVisitUsage._meta.get_fields()}
    assert {f"gap_{reason}" for reason in NotUsedReason.values} <= columns
    assert "gap_unrecorded" in columns
    assert measures.WANTED_VALUES == (InterpreterWanted.YES,)
