"""Sessions at shared reception desks (issue 14, item 5), in headless Chromium: signing out in one tab
ends the session in the others (their next poll or click lands on the login page), and an idle
session ends although the page keeps polling in the background."""

import time

import pytest

from tests.browser import PASSWORD
from tests.factories import MembershipFactory, OfficeFactory, UserFactory
from visits.models import StaffRole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser, live_server):
    office = OfficeFactory()
    user = UserFactory(username="shared-desk")
    MembershipFactory(user=user, office=office, role=StaffRole.RECEPTIONIST)
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


def sign_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", "shared-desk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:not([name=language])")
    page.wait_for_url(f"{base_url}/")


def test_signing_out_in_one_tab_sends_the_other_tabs_to_the_login_page(desk, live_server):
    first = desk.new_page()
    sign_in(first, live_server.url)
    polling = desk.new_page()  # the check-in page polls the queue every 2 s
    polling.goto(f"{live_server.url}/")
    quiet = desk.new_page()  # a page that does not poll: its next click
    quiet.goto(f"{live_server.url}/account/")
    assert "/login/" not in polling.url and "/login/" not in quiet.url

    first.click("form[action='/logout/'] button")
    first.wait_for_url("**/login/**")

    # By its own poll (every 15 s), nobody touched this tab.
    polling.wait_for_url("**/login/?next=**", timeout=25_000)
    quiet.click("a.site-user")
    quiet.wait_for_url("**/login/?next=**")
    assert quiet.locator("input[name=password]").is_visible()


def test_an_idle_session_ends_although_the_page_keeps_polling(desk, live_server, settings):
    settings.TOLKDESK_SESSION_IDLE_MINUTES = 0.2  # twelve seconds
    page = desk.new_page()
    polls: list[tuple[float, int]] = []
    page.on(
        "response",
        lambda response: polls.append((time.monotonic(), response.status)) if "/queue/" in response.url else None,
    )
    sign_in(page, live_server.url)
    signed_in_at = time.monotonic()
    # The page polls the queue (every 15 s; here sooner, with the hook the page offers): each poll is
    # answered while the session lasts, and none of them counts as use.
    for seconds in (3, 6):
        page.wait_for_timeout(max(0, (signed_in_at + seconds - time.monotonic()) * 1000))
        page.evaluate("window.tolkdeskRefreshQueue()")
    page.wait_for_timeout(500)
    early = [status for at, status in polls if at > signed_in_at]
    assert early == [200, 200], polls
    assert "/login/" not in page.url
    # Past the idle period (counted from the last real use, the sign-in), the next poll sends the
    # page to the login page, although the page polled all along.
    page.wait_for_timeout(max(0, (signed_in_at + 13 - time.monotonic()) * 1000))
    page.evaluate("window.tolkdeskRefreshQueue()")
    page.wait_for_url("**/login/?next=**")
    assert polls[-1][1] == 401
    # And the session is really gone: the check-in page asks for the password again.
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
