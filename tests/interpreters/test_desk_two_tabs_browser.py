"""Two tabs on one visit, in headless Chromium: the stale tab's action gets a plain message that
says what happened and what the page shows now, and the message outlives the next status poll."""

from urllib.parse import urlparse

import pytest
from django.test import Client
from django.utils import timezone

from interpreters.backends.simulated import SimulatedBackend
from interpreters.models import AgencyBackend, InterpreterAgency, InterpreterBooking
from tests.factories import LanguageNeedFactory, MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from visits.models import StaffRole, VisitStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer_tabs(browser, live_server):
    office = OfficeFactory()
    officer = UserFactory(username="officer-tabs")
    MembershipFactory(user=officer, office=office, role=StaffRole.OFFICER)
    context = browser.new_context(locale="en-GB")
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
    try:
        yield office, context.new_page(), context.new_page()
    finally:
        context.close()


def test_a_second_end_visit_answer_gets_a_plain_message_not_an_empty_400(officer_tabs, live_server):
    office, first, second = officer_tabs
    visit = VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now())
    LanguageNeedFactory(visit=visit, language="ar")
    # The second tab is stale: its status polls do not get through until it acts.
    second.route("**/status.json", lambda route: route.abort())
    for tab in (first, second):
        tab.goto(f"{live_server.url}/visits/{visit.pk}/")
    for tab in (first, second):
        tab.check("input[name=interpreter_used][value=no]")
        tab.select_option("select[name=reason_not_used]", "solved_without")
    first.click("#end-visit")
    first.wait_for_selector("#visit-ended")
    second.click("#end-visit")
    alert = second.locator("[role=alert]", has_text="already been ended")
    alert.wait_for()
    body = second.inner_text("main")
    assert "cannot go from" not in body
    assert second.locator("#visit-ended").is_visible()  # and the page shows the ended visit


def test_a_video_request_while_a_phone_request_is_in_flight_says_so_and_it_stays(
    officer_tabs, live_server, monkeypatch
):
    office, first, second = officer_tabs
    InterpreterAgency.objects.create(
        name="Simulerad Tolkförmedling",
        slug="sim",
        backend=AgencyBackend.SIMULATED,
        backend_settings={"book_latency_seconds": 0, "failure_rate": 0},
        modalities=["phone", "video"],
        languages=["ar"],
    )
    monkeypatch.setattr(SimulatedBackend, "planned_events", lambda self, booking: [])  # stays pending
    visit = VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now())
    LanguageNeedFactory(visit=visit, language="ar")
    second.route("**/status.json", lambda route: route.abort())  # stale until it acts
    for tab in (first, second):
        tab.goto(f"{live_server.url}/visits/{visit.pk}/")
    first.click("#book-phone")
    first.wait_for_selector("#booking-status")
    second.click("#book-video")
    message = second.locator("#booking-errors", has_text="already being booked")
    message.wait_for()
    assert "phone" in message.inner_text()
    second.unroute("**/status.json")
    second.wait_for_timeout(4_500)  # two status polls later, which swap the panel
    assert "already being booked" in second.inner_text("#booking-errors")
    assert InterpreterBooking.objects.filter(visit=visit).count() == 1
