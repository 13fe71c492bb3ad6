"""The rollups stay current: every write a report depends on marks its office-day dirty, the periodic
refresh recomputes it, and a refresh or rebuild always leaves the rows a full rebuild would write."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import transaction

from interpreters.desk.services import visit_close, visit_outcome_record
from interpreters.models import BookingStatus, Modality
from interpreters.services.bookings import booking_request, booking_transition
from tests.factories import AuthorityFactory, OfficeFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory, RankingFactory
from tests.visits.reports.data import DAY, B, local, visit_with
from visits.models import County, UsageDirtyDay, VisitStatus
from visits.reports.models import DailyBookingUsage, DailyOfficeUsage, DailyVisitUsage
from visits.reports.services import usage_dirty_days_refresh, usage_rollup_refresh, usage_rollups_rebuild
from visits.services import LanguageNeedInput, language_need_record, visit_check_in

ROLLUPS = (DailyOfficeUsage, DailyVisitUsage, DailyBookingUsage)


def snapshot() -> dict[str, list[tuple]]:
    """Every rollup row, without ids (a rebuild renumbers them)."""
    out = {}
    for model in ROLLUPS:
        names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        out[model.__name__] = sorted(model.objects.values_list(*names), key=repr)
    return out


def rebuilt() -> dict[str, list[tuple]]:
    """What a full rebuild writes, leaving the current rows as they are."""
    with transaction.atomic():
        usage_rollups_rebuild()
        rows = snapshot()
        transaction.set_rollback(True)
    return rows


@contextmanager
def refreshed() -> Iterator[None]:
    """Run the writes in the block, then the periodic refresh of the office-days they marked."""
    yield
    assert UsageDirtyDay.objects.exists(), "the write marked nothing"
    usage_dirty_days_refresh()
    assert not UsageDirtyDay.objects.exists()


def office_day(office) -> DailyOfficeUsage:
    return DailyOfficeUsage.objects.get(office=office, day=DAY)


@pytest.fixture
def desk(db):
    office = OfficeFactory(county=County.UPPSALA)
    agency = AgencyFactory(slug="tolk-vast")
    RankingFactory(agency=agency, county=County.UPPSALA, rank=1)
    return {"office": office, "authority": AuthorityFactory(), "agency": agency}


def test_a_check_in_and_a_language_need_refresh_their_office_day(desk):
    with refreshed():
        visit = visit_check_in(**desk_args(desk), checked_in_by=None, now=local(DAY, 9))
    assert (office_day(desk["office"]).visits, office_day(desk["office"]).need) == (1, 0)

    with refreshed():
        language_need_record(visit=visit, need=LanguageNeedInput(language="so"), recorded_by=None)
    row = office_day(desk["office"])
    assert (row.visits, row.need, row.wanted, row.gap_unrecorded) == (1, 1, 1, 1)
    assert DailyVisitUsage.objects.get(office=desk["office"], day=DAY).language == "so"
    assert snapshot() == rebuilt()


def desk_args(desk) -> dict:
    return {"office": desk["office"], "authority": desk["authority"]}


def test_recording_the_outcome_refreshes_the_gap(desk):
    visit = visit_with(**desk_args(desk), at=local(DAY, 9), need=("ar", "yes"))
    usage_rollups_rebuild()
    assert office_day(desk["office"]).gap_unrecorded == 1

    with refreshed():
        visit_outcome_record(visit=visit, interpreter_used=False, reason_not_used="relative", recorded_by=None)
    row = office_day(desk["office"])
    assert (row.gap_unrecorded, row.gap_relative, row.wanted_used) == (0, 1, 0)

    with refreshed():
        visit_outcome_record(visit=visit, interpreter_used=True, recorded_by=None)
    row = office_day(desk["office"])
    assert (row.gap_relative, row.wanted_used) == (0, 1)
    assert snapshot() == rebuilt()


def test_booking_transitions_refresh_the_booking_counters(desk):
    visit = visit_with(**desk_args(desk), at=local(DAY, 9), need=("ar", "yes"))
    booking = BookingFactory(
        visit=visit, agency=desk["agency"], status=BookingStatus.PENDING, requested_at=local(DAY, 9, 5)
    )
    usage_rollups_rebuild()
    assert (office_day(desk["office"]).bookings, office_day(desk["office"]).bookings_confirmed) == (1, 0)

    steps = [
        (BookingStatus.CONFIRMED, {}, local(DAY, 9, 7)),
        (BookingStatus.IN_PROGRESS, {}, local(DAY, 9, 8)),
        (BookingStatus.COMPLETED, {"minutes_used": 20, "cost_ore": 32800}, local(DAY, 9, 30)),
    ]
    for to_status, changes, now in steps:
        with refreshed():
            booking_transition(booking=booking, to_status=to_status, source="agency", changes=changes, now=now)
        assert snapshot() == rebuilt(), to_status

    row = office_day(desk["office"])
    assert (row.bookings_confirmed, row.bookings_completed, row.minutes, row.cost_ore) == (1, 1, 20, 32800)
    assert row.wanted_used == 1  # the completed booking counts as used without an outcome
    assert row.connect_b05 == 1  # confirmed 120 s after the request


def test_requesting_a_booking_and_closing_the_visit_refresh_the_rollups(desk):
    visit = visit_with(**desk_args(desk), at=local(DAY, 9), need=("ar", "yes"))
    visit.status = VisitStatus.IN_SERVICE
    visit.save(update_fields=["status"])
    usage_rollups_rebuild()

    with refreshed():
        booking_request(visit=visit, requested_by=None, modality=Modality.PHONE, now=local(DAY, 9, 5))
    assert office_day(desk["office"]).bookings == 1
    assert snapshot() == rebuilt()

    with refreshed():
        visit_close(visit=visit, status=VisitStatus.LEFT, by=None, now=local(DAY, 9, 20))
    assert snapshot() == rebuilt()
    assert office_day(desk["office"]).bookings == 1


def test_nothing_is_marked_when_the_write_rolls_back(desk):
    with pytest.raises(RuntimeError), transaction.atomic():
        visit_check_in(**desk_args(desk), checked_in_by=None, now=local(DAY, 9))
        raise RuntimeError("the caller fails after the check-in")
    assert not UsageDirtyDay.objects.exists()
    assert usage_dirty_days_refresh() == 0
    assert not DailyOfficeUsage.objects.exists()


def test_a_refresh_replaces_its_office_day_only_and_is_idempotent(desk):
    other = OfficeFactory()
    S = BookingStatus
    for office in (desk["office"], other):
        visit_with(office=office, authority=desk["authority"], at=local(DAY, 9), need=("ar", "yes"),
                   bookings=(B(S.FAILED), B(S.CANCELLED), B(S.REQUESTED)))  # fmt: skip
        visit_with(office=office, authority=desk["authority"], at=local(DAY + timedelta(days=1), 9))
    usage_rollups_rebuild()
    expected = snapshot()
    # Stale numbers everywhere; refreshing one office-day repairs that office-day and nothing else.
    DailyOfficeUsage.objects.update(bookings=99)
    DailyVisitUsage.objects.update(visits=99)
    DailyBookingUsage.objects.update(bookings=99)

    usage_rollup_refresh(office_id=desk["office"].pk, day=DAY)
    usage_rollup_refresh(office_id=desk["office"].pk, day=DAY)

    assert office_day(desk["office"]).bookings == 3
    assert office_day(other).bookings == 99
    # Bookings without an agency are one row, not one per refresh (the table has no unique key).
    assert DailyBookingUsage.objects.filter(office=desk["office"], day=DAY, agency=None).count() == 1
    usage_rollups_rebuild()
    assert snapshot() == expected


def test_a_refresh_of_an_office_that_is_gone_does_nothing(db):
    usage_rollup_refresh(office_id=987654, day=DAY)
    assert not DailyOfficeUsage.objects.exists()


def test_a_rebuild_covers_exactly_the_days_asked_for(desk):
    for offset in range(3):
        visit_with(**desk_args(desk), at=local(DAY + timedelta(days=offset), 9))

    assert usage_rollups_rebuild(since=DAY + timedelta(days=1), until=DAY + timedelta(days=1)) == 1
    assert list(DailyOfficeUsage.objects.values_list("day", flat=True)) == [DAY + timedelta(days=1)]
    assert usage_rollups_rebuild() == 3
    assert DailyOfficeUsage.objects.count() == 3
    assert usage_rollups_rebuild(since=DAY, until=DAY - timedelta(days=1)) == 0


def test_a_rebuild_spanning_months_writes_every_month(desk):
    """The rebuild works a month per transaction: the chunk edges must neither drop nor repeat days."""
    days = [DAY.replace(day=1) - timedelta(days=1), DAY.replace(day=1), DAY.replace(month=5, day=31)]
    for day in days:
        visit_with(**desk_args(desk), at=local(day, 9))

    assert usage_rollups_rebuild() == (days[-1] - days[0]).days + 1
    assert sorted(DailyOfficeUsage.objects.values_list("day", "visits")) == [(d, 1) for d in days]
