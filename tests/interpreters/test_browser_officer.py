"""The officer's day in a real headless Chromium: open a visit, start service, book a phone
interpreter in one click, watch the status turn confirmed without a reload, end the visit with
the outcome."""

from urllib.parse import urlparse

import pytest
from django.test import Client

from interpreters.backends.simulated import SimulatedBackend
from interpreters.models import AgencyBackend, BookingStatus, InterpreterAgency, InterpreterBooking
from interpreters.services import booking_transition
from tests.factories import LanguageNeedFactory, MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from visits.models import StaffRole, VisitOutcome, VisitStatus

pytestmark = [pytest.mark.browser]


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    host = urlparse(live_server.url).hostname
    page.context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"},
            {"name": "django_language", "value": "en", "domain": host, "path": "/"},
        ]
    )


@pytest.mark.django_db(transaction=True)
def test_officer_books_a_phone_interpreter_and_sees_it_confirmed_live(page, live_server, monkeypatch):
    office = OfficeFactory()
    officer = UserFactory(username="officer-b")
    MembershipFactory(user=officer, office=office, role=StaffRole.OFFICER)
    InterpreterAgency.objects.create(
        name="Simulerad Tolkförmedling",
        slug="sim",
        backend=AgencyBackend.SIMULATED,
        backend_settings={"book_latency_seconds": 0, "failure_rate": 0},
        modalities=["phone", "video"],
        languages=["ar"],
    )
    # The agency's confirmation is played from the test thread below instead of right away, so
    # the page can only learn about it by polling.
    monkeypatch.setattr(SimulatedBackend, "planned_events", lambda self, booking: [])
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar")
    login(page, live_server, officer)

    page.goto(f"{live_server.url}/visits/{visit.pk}/")
    assert "Arabic" in page.inner_text("#language-need")
    page.click("#start-service")
    page.wait_for_selector("#book-phone")
    page.evaluate("window.__noReload = 'still here'")

    page.click("#book-phone")
    page.wait_for_selector("#booking-status[data-status='pending']")
    booking = InterpreterBooking.objects.get(visit=visit)
    assert booking.modality == "phone" and booking.requested_by == officer

    booking_transition(
        booking=booking,
        to_status=BookingStatus.CONFIRMED,
        source="agency:sim",
        changes={"connection_phone": "+46101234567", "interpreter_name": "Amal Haddad"},
    )
    page.wait_for_selector("#booking-status[data-status='confirmed']", timeout=6_000)
    assert page.evaluate("window.__noReload") == "still here", "the status must update without a reload"
    assert "Amal Haddad" in page.inner_text("#booking-connection")
    assert page.get_attribute("#connection-phone", "href") == "tel:+46101234567"

    booking_transition(booking=booking, to_status=BookingStatus.IN_PROGRESS, source="agency:sim")
    page.wait_for_selector("#booking-status[data-status='in_progress']", timeout=6_000)

    page.check("input[name=interpreter_used][value=yes]")
    page.click("#end-visit")
    page.wait_for_selector("#visit-ended")
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE
    outcome = VisitOutcome.objects.get(visit=visit)
    assert outcome.interpreter_used is True and outcome.recorded_by == officer


@pytest.mark.django_db(transaction=True)
def test_child_reason_shows_a_warning_before_and_after_ending(page, live_server):
    office = OfficeFactory()
    officer = UserFactory(username="officer-c")
    MembershipFactory(user=officer, office=office, role=StaffRole.OFFICER)
    visit = VisitFactory(office=office, status=VisitStatus.IN_SERVICE)
    LanguageNeedFactory(visit=visit, language="so")
    login(page, live_server, officer)

    page.goto(f"{live_server.url}/visits/{visit.pk}/")
    page.click("#end-visit")  # no answer: refused, the visit stays open
    page.wait_for_selector("#end-visit-form .errorlist")
    page.check("input[name=interpreter_used][value=no]")
    assert page.is_hidden("#child-warning")
    page.select_option("select[name=reason_not_used]", "child")
    assert page.is_visible("#child-warning")
    page.click("#end-visit")
    page.wait_for_selector("#visit-ended")
    assert "Children must not be used as interpreters" in page.inner_text("#outcome")
    assert VisitOutcome.objects.get(visit=visit).reason_not_used == "child"


@pytest.mark.django_db(transaction=True)
def test_a_failed_booking_shows_its_reason_at_once_and_can_be_retried(page, live_server):
    from tests.interpreters.factories import BookingFactory

    office = OfficeFactory()
    officer = UserFactory(username="officer-f")
    MembershipFactory(user=officer, office=office, role=StaffRole.OFFICER)
    visit = VisitFactory(office=office, status=VisitStatus.IN_SERVICE)
    LanguageNeedFactory(visit=visit, language="ti")
    booking = BookingFactory(visit=visit, language="ti", status=BookingStatus.PENDING)
    login(page, live_server, officer)

    page.goto(f"{live_server.url}/visits/{visit.pk}/")
    page.wait_for_selector("#booking-status[data-status='pending']")
    assert page.query_selector("#book-phone") is None
    booking_transition(
        booking=booking,
        to_status=BookingStatus.FAILED,
        source="worker",
        changes={"failure_reason": "No agency answered for Tigrinya."},
    )
    page.wait_for_selector("#booking-failure", timeout=6_000)
    assert "No agency answered for Tigrinya." in page.inner_text("#booking-failure")
    assert page.is_visible("#book-video"), "the officer can try again straight away"
