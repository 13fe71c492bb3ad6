"""A rollup refresh or rebuild in progress never holds up a check-in (PostgreSQL, real threads with
their own connections): the rollup writers serialise among themselves, not on the office rows that
check-ins lock."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from tests.factories import AuthorityFactory, OfficeFactory
from tests.visits.reports.data import DAY, local
from visits.models import Visit
from visits.reports.services import usage_rollup_refresh, usage_rollups_rebuild
from visits.services import visit_check_in

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row and table locks: PostgreSQL only")


def check_in_elsewhere(office_id: int, authority_id: int) -> float:
    """Check in at the office from another connection; seconds it took. Fails (lock_timeout) instead
    of waiting if something holds a lock the check-in needs."""
    out: dict = {}

    def run() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '3s'")
            from visits.models import Authority, Office

            start = time.monotonic()
            visit_check_in(
                office=Office.objects.get(pk=office_id),
                authority=Authority.objects.get(pk=authority_id),
                checked_in_by=None,
                now=local(DAY, 10),
            )
            out["seconds"] = time.monotonic() - start
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test
            out["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    if "error" in out:
        raise out["error"]
    return out["seconds"]


@pytest.mark.parametrize("writer", ["refresh", "rebuild"])
def test_a_check_in_is_not_blocked_while_a_rollup_write_is_open(transactional_db, writer):
    office, authority = OfficeFactory(), AuthorityFactory()
    visit_check_in(office=office, authority=authority, checked_in_by=None, now=local(DAY, 9))

    with transaction.atomic():
        if writer == "refresh":
            usage_rollup_refresh(office_id=office.pk, day=DAY)
        else:
            usage_rollups_rebuild(since=DAY, until=DAY)
        # The rollup transaction is still open (its locks held) while the desk checks someone in.
        seconds = check_in_elsewhere(office.pk, authority.pk)
    assert seconds < 2
    assert Visit.objects.filter(office=office).count() == 2


def test_two_refreshes_of_one_office_day_wait_for_each_other_and_leave_one_set_of_rows(transactional_db):
    office, authority = OfficeFactory(), AuthorityFactory()
    visit_check_in(office=office, authority=authority, checked_in_by=None, now=local(DAY, 9))
    started = threading.Event()
    out: dict = {}

    def second_refresh() -> None:
        try:
            started.set()
            usage_rollup_refresh(office_id=office.pk, day=DAY)
            out["done_at"] = time.monotonic()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test
            out["error"] = exc
        finally:
            connections.close_all()

    with transaction.atomic():
        usage_rollup_refresh(office_id=office.pk, day=DAY)
        thread = threading.Thread(target=second_refresh)
        thread.start()
        started.wait(5)
        time.sleep(0.5)
        assert "done_at" not in out  # waiting on the first refresh's lock
        committed_at = time.monotonic()
    thread.join(timeout=30)
    if "error" in out:
        raise out["error"]
    assert out["done_at"] >= committed_at
    from visits.reports.models import DailyOfficeUsage, DailyVisitUsage

    assert DailyOfficeUsage.objects.filter(office=office, day=DAY).count() == 1
    assert DailyVisitUsage.objects.filter(office=office, day=DAY).count() == 1
