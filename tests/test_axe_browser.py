"""axe-core (WCAG 2.0/2.1 A and AA rules) on every page, for every role, in Swedish and English:
no violation may be left. Runs once per CI run: CI runs the suite on SQLite and then on PostgreSQL,
and the pages are the same on both, so these tests skip unless the database is SQLite."""

import os
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from interpreters.backends import AgencyEvent
from interpreters.models import BookingStatus, InterpreterBooking, Modality
from interpreters.services import booking_apply_agency_event, requisition_decide
from tests.factories import (
    AppointmentFactory,
    AuthorityFactory,
    LanguageFactory,
    LanguageNeedFactory,
    MembershipFactory,
    OfficeFactory,
    UserFactory,
    VisitFactory,
)
from tests.interpreters.factories import AgencyFactory, BookingFactory, seed_price_lists
from visits.models import StaffRole, Visit, VisitStatus
from visits.reference_data import LANGUAGE_CODES, LANGUAGE_SEARCH_ALIASES

axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")

pytestmark = [pytest.mark.browser, pytest.mark.axe, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("TOLKDESK_SCREENSHOTS", "")  # a folder: the reflow test saves what it saw
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture(autouse=True)
def _once_per_ci_run():
    if connection.vendor != "sqlite":
        pytest.skip("axe runs in the SQLite pass of CI only (the pages do not depend on the database)")


@pytest.fixture
def world(db):
    office = OfficeFactory(name="Göteborg Angered")
    authority = AuthorityFactory(code="forsakringskassan", name="Försäkringskassan")
    for rank, code in enumerate(LANGUAGE_CODES, start=1):
        LanguageFactory(code=code, rank=rank, search_aliases=LANGUAGE_SEARCH_ALIASES.get(code, ""))
    users = {}
    for role in (StaffRole.RECEPTIONIST, StaffRole.OFFICER, StaffRole.OFFICE_MANAGER):
        users[role.value] = UserFactory(username=f"axe-{role.value}")
        MembershipFactory(user=users[role.value], office=office, role=role)
    users["admin"] = UserFactory(username="axe-admin", is_superuser=True, is_staff=True)
    users["nobody"] = UserFactory(username="axe-nobody")
    waiting = VisitFactory(office=office, authority=authority)
    LanguageNeedFactory(visit=waiting, language="hbs", dialect="Sarajevo")
    serving = VisitFactory(office=office, authority=authority, status=VisitStatus.IN_SERVICE, started_at=timezone.now())
    LanguageNeedFactory(visit=serving, language="ar")
    InterpreterBooking.objects.create(
        visit=serving, language="ar", modality=Modality.PHONE, status=BookingStatus.PENDING, requested_at=timezone.now()
    )
    # The appointments day view (issue 11): one with a pre-booked interpreter, one to come.
    soon = timezone.localtime() + timedelta(hours=1)
    booked = AppointmentFactory(office=office, authority=authority, start=soon, visitor_name="Amal Haddad")
    InterpreterBooking.objects.create(
        appointment=booked, language="ar", modality=Modality.PHONE, status=BookingStatus.PENDING,
        scheduled_for=soon, requested_at=timezone.now(), answer_by=soon - timedelta(minutes=30),
    )  # fmt: skip
    AppointmentFactory(
        office=office, authority=authority, start=soon + timedelta(hours=1), language="", interpreter_wanted=""
    )
    ended = VisitFactory(office=office, authority=authority, status=VisitStatus.LEFT)
    Visit.objects.filter(pk=ended.pk).update(ended_at=ended.checked_in_at)
    # A disputed requisition, so the managers' disputes page shows its table.
    seed_price_lists()
    called = VisitFactory(office=office, authority=authority, status=VisitStatus.DONE)
    booking = BookingFactory(visit=called, agency=AgencyFactory(), status=BookingStatus.CONFIRMED)
    booking_apply_agency_event(booking=booking, event=AgencyEvent(type="started"), source="agency")
    booking_apply_agency_event(booking=booking, event=AgencyEvent(type="ended", minutes=48), source="agency")
    requisition_decide(booking=booking, by=users["office_manager"], action="dispute", minutes=30, comment="Kort samtal")
    return {"office": office, "users": users, "visits": {"waiting": waiting, "serving": serving, "ended": ended}}


def pages_for(world, who):
    visits = world["visits"]
    common = ["/", "/no-such-page/"]
    if who == "nobody":
        return common  # "/" is the no-office 403 page
    pages = [*common, "/officer/", "/appointments/", *(f"/visits/{visit.pk}/" for visit in visits.values())]
    # Two-step sign-in (visits/mfa): the account page and the enrolment page with its QR code.
    pages += ["/account/", "/account/two-step/setup/"]
    if who in ("office_manager", "admin"):
        pages += [
            "/reports/",
            "/reports/offices/",
            f"/reports/offices/{world['office'].pk}/",
            "/staffing/",
            "/requisitions/disputed/",
        ]
        pages += ["/reports/monthly/", "/reports/?from=2026-02-30"]  # the month form; a filter error shown
    if who in ("office_manager", "admin"):
        pages.append("/interpreter-blocks/")  # the form through templates/_form_fields.html
    if who == "admin":
        pages.append("/agency-quarantines/")
    if who == "receptionist":
        pages.append("/reports/")  # not allowed: the 403 page
    return pages


def check(page, url, axe, failures, *, go=True):
    if go:
        page.goto(url)
        page.wait_for_load_state("load")
    results = axe.run(page, options=WCAG_AA)
    violations = results.response.get("violations", [])
    for violation in violations:
        targets = [" ".join(node.get("target", [])) for node in violation.get("nodes", [])][:5]
        failures.append(f"{url}: {violation['id']} ({violation.get('impact')}) {violation['help']} -> {targets}")


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("who", ["anonymous", "receptionist", "officer", "office_manager", "admin", "nobody"])
def test_every_page_passes_axe_for_every_role(browser, live_server, world, who, lang):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    context.set_default_timeout(15_000)
    host = urlparse(live_server.url).hostname
    cookies = [{"name": "django_language", "value": lang, "domain": host, "path": "/"}]
    if who != "anonymous":
        client = Client()
        client.force_login(world["users"][who])
        cookies.append({"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"})
    context.add_cookies(cookies)
    page = context.new_page()
    axe = axe_sync.Axe()
    failures: list[str] = []
    urls = ["/login/", "/no-such-page/"] if who == "anonymous" else pages_for(world, who)
    try:
        for url in urls:
            check(page, f"{live_server.url}{url}", axe, failures)
    finally:
        context.close()
    assert not failures, "axe found WCAG 2.1 A/AA violations:\n" + "\n".join(failures)


@pytest.mark.parametrize("who", ["receptionist", "office_manager"])
def test_pages_reflow_at_320_px_without_sideways_scrolling(browser, live_server, world, who):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.set_default_timeout(15_000)
    host = urlparse(live_server.url).hostname
    client = Client()
    client.force_login(world["users"][who])
    context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"},
            {"name": "django_language", "value": "sv", "domain": host, "path": "/"},
        ]
    )
    page = context.new_page()
    too_wide = []
    try:
        for url in pages_for(world, who):
            page.goto(f"{live_server.url}{url}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if SHOTS:
                page.screenshot(path=os.path.join(SHOTS, f"320-{who}-{url.strip('/').replace('/', '-') or 'home'}.png"))
            if width > 320:
                culprits = page.evaluate(
                    "() => Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right"
                    " > 321).slice(-3).map(e => e.tagName + '.' + e.className)"
                )
                too_wide.append(f"{url}: {width} px {culprits}")
    finally:
        context.close()
    assert not too_wide, "pages wider than a 320 px screen:\n" + "\n".join(too_wide)


def admin_pages(world) -> list[str]:
    """The Django admin as a national admin sees it: the index, every app's page, and every
    registered model's list, add form and (where a row exists) change form and history."""
    from django.contrib import admin
    from django.urls import reverse

    pages = [reverse("admin:index"), reverse("admin:password_change")]
    apps = set()
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        apps.add(meta.app_label)
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        if model_admin.has_add_permission(_AdminRequest(world["users"]["admin"])):
            pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk]))
            pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[row.pk]))
    pages += [reverse("admin:app_list", args=[label]) for label in sorted(apps)]
    return pages


class _AdminRequest:
    def __init__(self, user):
        self.user = user


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_admin_and_the_api_docs_pass_axe(browser, live_server, world, lang):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    context.set_default_timeout(20_000)
    host = urlparse(live_server.url).hostname
    client = Client()
    client.force_login(world["users"]["admin"])
    context.add_cookies(
        [
            {"name": "django_language", "value": lang, "domain": host, "path": "/"},
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"},
        ]
    )
    page = context.new_page()
    axe = axe_sync.Axe()
    failures: list[str] = []
    urls = admin_pages(world)
    assert len(urls) > 20
    try:
        for url in urls:
            check(page, f"{live_server.url}{url}", axe, failures)
        # The API docs: wait until Swagger UI has drawn the operations, then open one.
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".opblock-summary-path")
        page.locator(".opblock-summary-control").first.click()
        page.wait_for_selector(".opblock-body")
        check(page, "/api/docs/", axe, failures, go=False)
    finally:
        context.close()
    assert not failures, "axe found WCAG 2.1 A/AA violations:\n" + "\n".join(failures)
