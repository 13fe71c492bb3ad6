"""Two officers clicking "request interpreter" at the same moment get one booking. Real threads,
real connections: needs a database other sessions can see (PostgreSQL, or a file SQLite DB)."""

import threading

import pytest
from django.db import connection, connections

from interpreters.models import ACTIVE_BOOKING_STATUSES, BookingEvent, InterpreterBooking
from interpreters.services import booking_request
from tests.factories import LanguageNeedFactory, MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory
from visits.models import StaffRole


def _shared_database() -> bool:
    return connection.vendor != "sqlite" or not connection.is_in_memory_db()


@pytest.mark.django_db(transaction=True)
def test_two_officers_clicking_at_once_make_one_booking():
    if not _shared_database():
        pytest.skip("needs a database shared between connections")
    AgencyFactory()
    office = OfficeFactory()
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    officers = [UserFactory(username=f"officer{i}") for i in range(2)]
    for user in officers:
        MembershipFactory(user=user, office=office, role=StaffRole.OFFICER)

    for _round in range(5):
        barrier = threading.Barrier(len(officers))
        results: list[int] = []
        errors: list[BaseException] = []

        def click(user, barrier=barrier, results=results, errors=errors):
            try:
                barrier.wait()
                results.append(booking_request(visit=visit, requested_by=user, modality="phone").pk)
            except BaseException as exc:  # surfaced below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=click, args=(user,)) for user in officers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert errors == []
        assert len(set(results)) == 1, results
        assert InterpreterBooking.objects.filter(visit=visit, status__in=ACTIVE_BOOKING_STATUSES).count() == 1
        assert BookingEvent.objects.filter(booking_id=results[0], from_status="").count() == 1
        InterpreterBooking.objects.filter(pk=results[0]).update(status="cancelled")
