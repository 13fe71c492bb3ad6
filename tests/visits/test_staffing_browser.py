"""The managers' week grid in two tabs of headless Chromium, by keyboard: the tab opened before
the other one saved cannot overwrite the newer hours; it says what is saved now, and saves on the
second try."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import MembershipFactory, OfficeFactory, UserFactory
from visits.models import StaffingDay, StaffRole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager_tabs(browser, live_server):
    office = OfficeFactory()
    manager = UserFactory(username="manager-tabs")
    MembershipFactory(user=manager, office=office, role=StaffRole.OFFICE_MANAGER)
    context = browser.new_context(locale="en-GB", viewport={"width": 800, "height": 1280})
    context.set_default_timeout(10_000)
    client = Client()
    client.force_login(manager)
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


def test_a_stale_tab_cannot_overwrite_the_week_another_tab_saved(manager_tabs, live_server):
    office, first, second = manager_tabs
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    field = f"#hours-{monday.isoformat()}"
    for tab in (first, second):
        tab.goto(f"{live_server.url}/staffing/?office={office.pk}")
    first.fill(field, "8")
    first.focus(field)
    first.keyboard.press("Enter")  # submits the grid
    first.wait_for_selector(".messages")
    second.fill(field, "6")
    second.focus(field)
    second.keyboard.press("Enter")
    alert = second.locator("[role=alert]", has_text="after you opened the page")
    alert.wait_for()
    assert second.input_value(field) == "6"  # what the manager typed is kept
    assert StaffingDay.objects.get(office=office, date=monday).officer_hours == Decimal("8")
    second.focus(field)
    second.keyboard.press("Enter")  # saved on purpose, knowing the other value
    second.wait_for_selector(".messages")
    assert StaffingDay.objects.get(office=office, date=monday).officer_hours == Decimal("6")
