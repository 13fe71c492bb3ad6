"""A real Celery worker on a real broker: an agency failing transiently is retried after a backoff
(a new broker message with a countdown), then the booking falls back to the next ranked agency."""

import pytest
from django.db import transaction

from interpreters.models import AgencyBackend, BookingStatus
from interpreters.services import booking_request
from tests.factories import LanguageNeedFactory, OfficeFactory, UserFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, RankingFactory
from tests.interpreters.worker import BrokerSetup, Worker, database_url_for_current_connection, wait_for

S = BookingStatus


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_retries_with_backoff_then_falls_back_to_the_next_ranked_agency(tmp_path, fake_agencies):
    failing = fake_agencies(script=["503", "timeout"], timeout_sleep=2.0)
    healthy = fake_agencies(confirm_immediately=True)
    office = OfficeFactory(county="C")
    for rank, (slug, server) in enumerate([("failing", failing), ("healthy", healthy)], start=1):
        row = AgencyFactory(
            slug=slug,
            backend=AgencyBackend.HTTP_JSON,
            backend_settings={"base_url": server.base_url, "connect_timeout": 1, "read_timeout": 1},
        )
        RankingFactory(agency=row, county="C", rank=rank)
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    env = {"TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS": "2", "TOLKDESK_BOOKING_RETRY_BASE_SECONDS": "1"}
    worker = None
    try:
        with BrokerSetup(tmp_path):
            worker = Worker(run_dir=tmp_path, database_url=database_url_for_current_connection(), name="retry", env=env)
            worker.wait_ready()
            with transaction.atomic():
                booking = booking_request(visit=visit, requested_by=UserFactory(), modality="video")

            def confirmed():
                booking.refresh_from_db()
                return booking.status == S.CONFIRMED

            assert wait_for(confirmed, 40), worker.log()
            # The failing agency timed out, so it may hold the booking: it is cancelled there by key.
            orphan = booking.events.filter(detail__kind="orphan_cancelled")
            assert wait_for(orphan.exists, 30), worker.log()
    finally:
        if worker is not None:
            worker.stop()

    first, second = failing.booking_arrivals()
    # The second try waited out the backoff (0.5-1 s for the first retry), not sent at once.
    assert second.at - first.at >= 0.5
    assert len(healthy.booking_arrivals()) == 1 and len(healthy.bookings) == 1
    assert booking.agency.slug == "healthy" and booking.attempts == 3
    kinds = [e.detail.get("kind") for e in booking.events.all() if e.detail.get("kind")]
    assert [k for k in kinds if k != "orphan_cancelled"] == ["retry", "fallback", "accepted"]
    assert kinds.count("orphan_cancelled") == 1
    assert "/bookings/cancel" in [a.path for a in failing.arrivals]
    fallback = booking.events.get(detail__kind="fallback").detail
    assert (fallback["from"], fallback["to"]) == ("failing", "healthy") and "timeout" in fallback["reason"]
    assert [e.to_status for e in booking.events.all() if e.from_status != e.to_status] == [
        S.REQUESTED,
        S.PENDING,
        S.CONFIRMED,
    ]
