"""Queue numbers come from the office-day's QueueCounter (one upsert per check-in, issue 16): they
count up per office and day, continue above visits written without the counter, give a rolled-back
number back, and never wait on the office row (PostgreSQL, real threads)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.factories import AuthorityFactory, OfficeFactory, VisitFactory
from visits.models import QueueCounter, Visit
from visits.services import staffing_day_set, visit_check_in


def check_in(office, authority, **kwargs) -> Visit:
    return visit_check_in(office=office, authority=authority, checked_in_by=None, **kwargs)


def numbers(visits: list[Visit]) -> list[str]:
    return [visit.queue_number for visit in visits]


def test_numbers_count_up_per_office_and_day(db):
    office, other = OfficeFactory(), OfficeFactory()
    authority = AuthorityFactory(code="skatteverket")
    now = timezone.now()
    assert numbers([check_in(office, authority, now=now) for _ in range(3)]) == ["S001", "S002", "S003"]
    assert numbers([check_in(other, authority, now=now)]) == ["S001"]
    assert numbers([check_in(office, authority, now=now + timedelta(days=1))]) == ["S001"]
    counters = {(c.office_id, c.day): c.last_number for c in QueueCounter.objects.all()}
    today = timezone.localdate(now)
    assert counters == {(office.pk, today): 3, (other.pk, today): 1, (office.pk, today + timedelta(days=1)): 1}


def test_numbers_continue_above_visits_written_without_the_counter(db):
    """The report generator writes history without the counter; a check-in later that day must not
    hand out a number already taken (the unique constraint would turn it into a 500)."""
    office, authority = OfficeFactory(), AuthorityFactory(code="forsakringskassan")
    now = timezone.now()
    first = check_in(office, authority, now=now)
    for n in range(2, 6):
        VisitFactory(office=office, authority=authority, checked_in_at=now, queue_number=f"X{n:03d}")
    assert first.queue_number == "F001"
    assert check_in(office, authority, now=now).queue_number == "F006"
    assert check_in(office, authority, now=now).queue_number == "F007"


def test_a_rolled_back_check_in_gives_its_number_back(db):
    office, authority = OfficeFactory(), AuthorityFactory(code="pensionsmyndigheten")
    check_in(office, authority)

    def fail(visit: Visit) -> None:
        raise RuntimeError("the page's token could not be stored")

    with pytest.raises(RuntimeError):
        check_in(office, authority, also=fail)
    assert Visit.objects.filter(office=office).count() == 1
    assert check_in(office, authority).queue_number == "P002"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL only")
def test_a_check_in_does_not_wait_for_a_staffing_save_at_its_office(transactional_db):
    """A manager's staffing save holds its office row lock until it commits; check-ins at that office
    go on meanwhile (they lock the office-day's counter, and their foreign keys only share the row)."""
    office, authority = OfficeFactory(), AuthorityFactory()
    check_in(office, authority)  # today's counter row exists: the next one is the usual update path
    out: dict = {}

    def desk() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '3s'")
            start = time.monotonic()
            out["number"] = check_in(office, authority).queue_number
            out["seconds"] = time.monotonic() - start
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test
            out["error"] = exc
        finally:
            connections.close_all()

    with transaction.atomic():
        staffing_day_set(office=office, day=timezone.localdate(), officer_hours="6", by=None)
        thread = threading.Thread(target=desk)
        thread.start()
        thread.join(timeout=30)
    if "error" in out:
        raise out["error"]
    assert out["seconds"] < 2
    assert out["number"].endswith("002")
