"""The officer's desk by keyboard only, in headless Chromium: "Cancel interpreter" shows a real
(non-zero) fee before the click and the same fee is recorded; "More choices" books with
requirements; an interpreter change shows up live without moving the focus."""

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.utils import timezone

from interpreters.backends.base import AgencyEvent
from interpreters.backends.simulated import SimulatedBackend
from interpreters.models import AgencyBackend, BookingRequirement, BookingStatus, InterpreterAgency, InterpreterBooking
from interpreters.services.agency import booking_interpreter_change
from tests.factories import LanguageNeedFactory, MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory, seed_price_lists
from visits.models import StaffRole, VisitStatus
from visits.workdays import working_time_between

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser, live_server):
    office = OfficeFactory()
    officer = UserFactory(username="officer-keys")
    MembershipFactory(user=officer, office=office, role=StaffRole.OFFICER)
    context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 768})
    context.set_default_timeout(10_000)
    client = Client()
    client.force_login(officer)
    host = urlparse(live_server.url).hostname
    context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"},
            {"name": "django_language", "value": "en", "domain": host, "path": "/"},
        ]
    )
    visit = VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now())
    LanguageNeedFactory(visit=visit, language="ar", dialect="levantinsk")
    try:
        yield visit, context.new_page()
    finally:
        context.close()


def tab_to(page, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element has the focus: it is reachable by keyboard, in order."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} is not reachable with Tab")


def test_cancel_interpreter_shows_the_fee_of_a_prebooking_inside_48_working_hours_and_records_it(desk, live_server):
    visit, page = desk
    seed_price_lists()
    soon = timezone.now() + dt.timedelta(hours=3)
    assert working_time_between(timezone.now(), soon) < dt.timedelta(hours=48)
    booking = BookingFactory(
        visit=visit, agency=AgencyFactory(), status=BookingStatus.CONFIRMED, scheduled_for=soon, minutes_ordered=60
    )
    page.goto(f"{live_server.url}/visits/{visit.pk}/")
    tab_to(page, "cancel-booking-summary")
    page.keyboard.press("Enter")  # opens the confirm step; nothing is cancelled yet
    fee_text = page.locator("#cancellation-fee").inner_text()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    match = re.search(r"costs the office ([\d,]+\.\d\d) kr", fee_text)
    assert match, fee_text
    shown_ore = int(Decimal(match.group(1).replace(",", "")) * 100)
    assert shown_ore > 0
    assert page.locator("#cancellation-fee-free").is_visible()
    tab_to(page, "cancel-reason")
    page.select_option("#cancel-reason", "wrong_language")
    tab_to(page, "cancel-booking")
    page.keyboard.press("Enter")
    page.wait_for_selector("#booking-status[data-status=cancelled]")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "wrong_language"
    assert booking.cancellation_fee_ore == shown_ore  # what the officer was shown is what is recorded


@pytest.fixture
def simulated_agency(db, monkeypatch):
    InterpreterAgency.objects.create(
        name="Simulerad Tolkförmedling",
        slug="sim",
        backend=AgencyBackend.SIMULATED,
        backend_settings={"book_latency_seconds": 0, "failure_rate": 0},
        modalities=["phone", "video"],
        languages=["ar"],
    )
    monkeypatch.setattr(SimulatedBackend, "planned_events", lambda self, booking: [])


def test_more_choices_by_keyboard_books_with_the_requirements(desk, live_server, simulated_agency):
    visit, page = desk
    page.goto(f"{live_server.url}/visits/{visit.pk}/")
    assert not page.locator("#id_req_gender").is_visible()  # collapsed: one click stays one click
    tab_to(page, "more-choices-summary")
    page.keyboard.press("Enter")
    assert page.locator("#id_req_dialect").input_value() == "levantinsk"  # from the language need
    tab_to(page, "id_req_gender")
    page.select_option("#id_req_gender", "female")
    tab_to(page, "id_req_gender_required")
    page.keyboard.press("Space")
    tab_to(page, "id_req_named")
    page.keyboard.type("N-7")
    tab_to(page, "id_req_denied")
    page.keyboard.type("N-7")  # the same interpreter named and denied: refused, nothing booked
    tab_to(page, "book-phone")
    page.keyboard.press("Enter")
    page.locator("#booking-errors", has_text="both named and denied").wait_for()
    assert not InterpreterBooking.objects.filter(visit=visit).exists()
    page.fill("#id_req_denied", "")
    page.focus("#book-phone")
    page.keyboard.press("Enter")
    page.wait_for_selector("#booking-status")
    booking = InterpreterBooking.objects.get(visit=visit)
    asked = {(r.kind, r.value, r.required) for r in BookingRequirement.objects.filter(booking=booking)}
    assert asked == {("gender", "female", True), ("dialect", "levantinsk", False), ("named_interpreter", "N-7", False)}


def test_an_interpreter_change_shows_live_and_the_focus_stays_put(desk, live_server):
    visit, page = desk
    agency = AgencyFactory()
    booking = BookingFactory(
        visit=visit,
        agency=agency,
        status=BookingStatus.CONFIRMED,
        interpreter_name="Nour A.",
        connection_phone="+46701234567",
    )
    page.goto(f"{live_server.url}/visits/{visit.pk}/")
    tab_to(page, "cancel-booking-summary")
    page.keyboard.press("Enter")  # the officer is in the middle of the confirm step
    booking_interpreter_change(
        booking=booking,
        event=AgencyEvent(
            type="interpreter_changed",
            interpreter_name="Omar B.",
            interpreter_competence="auktoriserad",
            interpreter_official_number="4711",
        ),
        source=f"agency:{agency.slug}",
    )
    notice = page.locator("#interpreter-changed")
    notice.wait_for()
    text = notice.inner_text()
    assert "The agency changed the interpreter" in text and "Nour A. is replaced" in text
    assert "Omar B." in text and "Authorised" in text and "4711" in text
    # The focus and the open confirm step survived the panel swap.
    assert page.evaluate("document.activeElement.id") == "cancel-booking-summary"
    assert page.locator("#cancel-booking-confirm").get_attribute("open") is not None
