"""The access matrix: every principal x own office / other office x every endpoint and page.

Each cell asserts the exact outcome: allowed (a 2xx/3xx the endpoint gives on success), or refused
(anonymous: 401/403 on the API, a redirect to the login page on pages; a role without the right:
403; another office's object: 404). The policy is visits.permissions.ROLE_MATRIX.

To cover a new endpoint add one `Spec` to SPECS: the path (built from the World of fixtures, for
the own or the other office), the method, the Action it needs (or `public`/`admin_only`), and for
writes a payload. A spec whose path does not resolve yet (its branch has not landed) is skipped.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone
from rest_framework.test import APIClient

from interpreters.models import (
    AgencyDirectLine,
    AgencyQuarantine,
    BlockScope,
    BookingRating,
    Complaint,
    ComplaintStatus,
    ComplaintType,
    InterpreterBlock,
    InterpreterBooking,
)
from interpreters.services.price_lists import price_lists_seed_demo
from tests.factories import (
    AppointmentFactory,
    AuthorityFactory,
    LanguageFactory,
    LanguageNeedFactory,
    MembershipFactory,
    OfficeFactory,
    UserFactory,
    VisitFactory,
    kiosk_token_with_key,
)
from tests.interpreters.factories import AgencyFactory
from visits.models import StaffRole, VisitStatus
from visits.permissions import KIOSK_ACTIONS, ROLE_MATRIX, Action

PRINCIPALS = ["anonymous", "kiosk", "receptionist", "officer", "office_manager", "national_admin"]
TARGETS = ["own", "other"]


@dataclass
class World:
    own: Any
    other: Any
    authority: Any
    visits: dict[str, Any]
    bookings: dict[str, Any]
    users: dict[str, Any]
    kiosk_key: str
    # Complaints (issue 10): a disputed one per office, on its own completed booking.
    complaints: dict[str, Any] = field(default_factory=dict)
    # Appointments (issue 11): per office one without and one with a pre-booked interpreter.
    appointments: dict[str, Any] = field(default_factory=dict)
    # Blocks (issue 10): an office block per office, and one agency quarantine under "quarantine".
    blocks: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Spec:
    name: str
    method: str
    path: Callable[[World, str], str]  # (world, "own"|"other") -> path
    action: Action | None = None  # None: see public / admin_only
    public: bool = False
    admin_only: bool = False  # national admins only (Django admin, national reports)
    signed_in: bool = False  # any signed-in staff member, whatever the role (their own account pages)
    api: bool = True  # API: anonymous gets 401/403; page: redirect to login
    poll: bool = False  # a page fragment the browser polls: without a session 401, not a redirect
    data: Callable[[World, str], dict] | None = None
    ok: tuple[int, ...] = (200,)
    scoped: bool = True  # does "other office" change anything for this endpoint?
    # What a principal allowed the action at *some* office gets for the other office's object.
    other_office: tuple[int, ...] = (404,)


def office_param(world: World, target: str) -> str:
    return str((world.own if target == "own" else world.other).pk)


def complaint_id(world: World, target: str) -> int:
    return world.complaints[target].pk if world.complaints else 1


def block_id(world: World, target: str) -> int:
    return world.blocks[target].pk if world.blocks else 1


def block_payload(world: World, target: str) -> dict:
    ends_on = (timezone.localdate() + timedelta(days=30)).isoformat()
    return {"office": int(office_param(world, target)), "interpreter": "KK-1", "reason": "r", "ends_on": ends_on}


def quarantine_payload(world: World, target: str) -> dict:
    ends_on = (timezone.localdate() + timedelta(days=30)).isoformat()
    return {"agency": "tolkbyran", "county": "C", "ends_on": ends_on, "motivation": "m"}


def appointment_id(world: World, target: str, kind: str = "") -> int:
    return world.appointments[target + kind].pk if world.appointments else 1


def appointment_payload(world: World, target: str, *, interpreter: bool = False) -> dict:
    office = world.own if target == "own" else world.other
    start = timezone.localtime() + timedelta(days=30)
    body: dict[str, Any] = {
        "office": office.pk,
        "authority": world.authority.code,
        "start": start.replace(hour=10, minute=0, second=0, microsecond=0).isoformat(),
        "expected_minutes": 45,
        "language_need": {"language": "ar", "interpreter_wanted": "yes"},
    }
    if interpreter:
        body["interpreter"] = {"modality": "phone"}
    return body


def later_start(world: World, target: str) -> dict:
    start = timezone.localtime() + timedelta(days=31)
    return {"start": start.replace(hour=11, minute=0, second=0, microsecond=0).isoformat()}


def visit_id(world: World, target: str) -> int:
    return world.visits[target].pk


def booking_id(world: World, target: str) -> int:
    return world.bookings[target].pk


def check_in_payload(world: World, target: str) -> dict:
    office = world.own if target == "own" else world.other
    return {
        "office": office.pk,
        "authority": world.authority.code,
        "language_need": {"language": "ar", "interpreter_wanted": "yes", "identified_by": "visitor_said"},
    }


def external_order_payload(world: World, target: str) -> dict:
    # Early on the visit's (today's) date, so never in the future.
    start = timezone.localtime().replace(hour=0, minute=1, second=0, microsecond=0)
    return {
        "order_number": f"KK-{target}",
        "agency_name": "Tolkjouren",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=1)).isoformat(),
    }


SPECS: list[Spec] = [
    # Pages
    Spec("login page", "get", lambda w, t: "/login/", public=True, api=False, scoped=False),
    # The check-in page shows the form and today's queue: every role reads it; POSTing a check-in needs CHECK_IN.
    Spec("check-in page", "get", lambda w, t: "/", action=Action.QUEUE_VIEW, api=False, scoped=False),
    Spec("admin", "get", lambda w, t: "/admin/", admin_only=True, api=False, scoped=False),
    # Two-step sign-in (visits/mfa): every staff member's own account pages. Without a device the
    # verification page sends on (302), the recovery-codes page has nothing to show (400).
    Spec("account page", "get", lambda w, t: "/account/", signed_in=True, api=False, scoped=False),
    Spec("two-step setup", "get", lambda w, t: "/account/two-step/setup/", signed_in=True, api=False, scoped=False),
    Spec(
        "two-step verify",
        "get",
        lambda w, t: "/account/two-step/verify/",
        signed_in=True,
        api=False,
        scoped=False,
        ok=(302,),
    ),
    Spec(
        "recovery codes",
        "post",
        lambda w, t: "/account/two-step/recovery-codes/",
        signed_in=True,
        api=False,
        scoped=False,
        ok=(400,),
        data=lambda w, t: {},
    ),
    Spec(
        "two-step off",
        "post",
        lambda w, t: "/account/two-step/off/",
        signed_in=True,
        api=False,
        scoped=False,
        ok=(400,),
        data=lambda w, t: {"code": "123456"},
    ),
    Spec("api schema", "get", lambda w, t: "/api/schema/", public=True, scoped=False),
    # API: foundation/API issue
    Spec("offices", "get", lambda w, t: "/api/v1/offices/", action=Action.VISIT_VIEW, scoped=False),
    Spec("office detail", "get", lambda w, t: f"/api/v1/offices/{office_param(w, t)}/", action=Action.VISIT_VIEW),
    Spec("queue", "get", lambda w, t: f"/api/v1/queue/?office={office_param(w, t)}", action=Action.QUEUE_VIEW),
    Spec(
        "check-in page, chosen office",
        "get",
        lambda w, t: f"/?office={office_param(w, t)}",
        action=Action.CHECK_IN,
        api=False,
    ),
    Spec(
        "queue fragment",
        "get",
        lambda w, t: f"/queue/?office={office_param(w, t)}",
        action=Action.QUEUE_VIEW,
        api=False,
        # Opened directly it is a page (login redirect); only the page's own background fetch gets the
        # 401 of a poll (tests/test_security_round2.py covers that).
    ),
    Spec("languages", "get", lambda w, t: "/api/v1/languages/", action=Action.LANGUAGES_VIEW, scoped=False),
    Spec("visit list", "get", lambda w, t: "/api/v1/visits/", action=Action.VISIT_VIEW, scoped=False),
    Spec(
        "check-in (visit create)",
        "post",
        lambda w, t: "/api/v1/visits/",
        action=Action.CHECK_IN,
        data=check_in_payload,
        ok=(201,),
        other_office=(400, 403),
    ),
    Spec("visit detail", "get", lambda w, t: f"/api/v1/visits/{visit_id(w, t)}/", action=Action.VISIT_VIEW),
    Spec(
        "visit status",
        "patch",
        lambda w, t: f"/api/v1/visits/{visit_id(w, t)}/",
        action=Action.VISIT_STATUS,
        data=lambda w, t: {"status": VisitStatus.IN_SERVICE},
    ),
    # Booking/officer issues
    Spec(
        "outcome",
        "post",
        lambda w, t: f"/api/v1/visits/{w.visits[t + '_in_service'].pk}/outcome/",
        action=Action.OUTCOME_RECORD,
        data=lambda w, t: {"interpreter_used": False, "reason_not_used": "solved_without"},
        ok=(200, 201),
    ),
    Spec("booking list", "get", lambda w, t: "/api/v1/bookings/", action=Action.BOOKING_VIEW, scoped=False),
    Spec("booking detail", "get", lambda w, t: f"/api/v1/bookings/{booking_id(w, t)}/", action=Action.BOOKING_VIEW),
    Spec(
        "outcome correction",
        "put",
        lambda w, t: f"/api/v1/visits/{w.visits[t + '_in_service'].pk}/outcome/",
        action=Action.OUTCOME_RECORD,
        data=lambda w, t: {"interpreter_used": True},
        ok=(200, 201),
    ),
    Spec(
        "visit language need",
        "patch",
        lambda w, t: f"/api/v1/visits/{visit_id(w, t)}/",
        action=Action.LANGUAGE_NEED_EDIT,
        data=lambda w, t: {"language_need": {"interpreter_wanted": "unsure"}},
    ),
    # Receptionists may neither request nor cancel a booking (issue 17), on the API or the page.
    Spec(
        "booking create",
        "post",
        lambda w, t: "/api/v1/bookings/",
        action=Action.BOOKING_REQUEST,
        data=lambda w, t: {"visit": w.visits[t + "_in_service"].pk, "modality": "phone"},
        ok=(201,),
    ),
    Spec(
        "booking cancel",
        "post",
        lambda w, t: f"/api/v1/bookings/{booking_id(w, t)}/cancel/",
        action=Action.BOOKING_CANCEL,
        data=lambda w, t: {"reason": "visitor_left"},
        ok=(200,),
    ),
    # Complaints (issue 10)
    Spec(
        "booking complaints",
        "get",
        lambda w, t: f"/api/v1/bookings/{w.bookings.get(t + '_completed', w.bookings[t]).pk}/complaints/",
        action=Action.COMPLAINT_VIEW,
    ),
    Spec(
        "complaint file",
        "post",
        lambda w, t: f"/api/v1/bookings/{w.bookings.get(t + '_completed', w.bookings[t]).pk}/complaints/",
        action=Action.COMPLAINT_FILE,
        data=lambda w, t: {"type": "late_or_absent", "message": "Tolken kom 20 minuter för sent."},
        ok=(201,),
    ),
    Spec("complaint list", "get", lambda w, t: "/api/v1/complaints/", action=Action.COMPLAINT_VIEW, scoped=False),
    Spec(
        "complaint detail",
        "get",
        lambda w, t: f"/api/v1/complaints/{complaint_id(w, t)}/",
        action=Action.COMPLAINT_VIEW,
    ),
    Spec(
        "complaint withdraw",
        "post",
        lambda w, t: f"/api/v1/complaints/{complaint_id(w, t)}/withdraw/",
        action=Action.COMPLAINT_FILE,
    ),
    Spec(
        "complaint escalate",
        "post",
        lambda w, t: f"/api/v1/complaints/{complaint_id(w, t)}/escalate/",
        action=Action.COMPLAINT_ESCALATE,
    ),
    # After the call (issue 10): ratings, blocks, quarantine
    Spec(
        "booking rating get",
        "get",
        lambda w, t: f"/api/v1/bookings/{w.bookings.get(t + '_disputed', w.bookings[t]).pk}/rating/",
        action=Action.BOOKING_VIEW,
    ),
    Spec(
        "booking rating put",
        "put",
        lambda w, t: f"/api/v1/bookings/{w.bookings.get(t + '_completed', w.bookings[t]).pk}/rating/",
        action=Action.BOOKING_RATE,
        data=lambda w, t: {"stars": 2, "problems": ["late"]},
        ok=(200, 201),
    ),
    Spec(
        "interpreter blocks",
        "get",
        lambda w, t: "/api/v1/interpreter-blocks/",
        action=Action.INTERPRETER_BLOCK,
        scoped=False,
    ),
    Spec(
        "interpreter block create",
        "post",
        lambda w, t: "/api/v1/interpreter-blocks/",
        action=Action.INTERPRETER_BLOCK,
        data=block_payload,
        ok=(201,),
    ),
    Spec(
        "interpreter block lift",
        "post",
        lambda w, t: f"/api/v1/interpreter-blocks/{block_id(w, t)}/lift/",
        action=Action.INTERPRETER_BLOCK,
    ),
    Spec(
        "interpreter blocks page",
        "get",
        lambda w, t: "/interpreter-blocks/",
        action=Action.INTERPRETER_BLOCK,
        api=False,
        scoped=False,
    ),
    Spec(
        "agency quarantines",
        "get",
        lambda w, t: "/api/v1/agency-quarantines/",
        action=Action.AGENCY_QUARANTINE,
        scoped=False,
    ),
    Spec(
        "agency quarantine create",
        "post",
        lambda w, t: "/api/v1/agency-quarantines/",
        action=Action.AGENCY_QUARANTINE,
        data=quarantine_payload,
        ok=(201,),
        scoped=False,
    ),
    Spec(
        "agency quarantine lift",
        "post",
        lambda w, t: f"/api/v1/agency-quarantines/{block_id(w, 'quarantine')}/lift/",
        action=Action.AGENCY_QUARANTINE,
        scoped=False,
    ),
    Spec(
        "agency quarantines page",
        "get",
        lambda w, t: "/agency-quarantines/",
        action=Action.AGENCY_QUARANTINE,
        api=False,
        scoped=False,
    ),
    # Appointments (issue 11): the whole staff books them; pre-booking an interpreter with one, or
    # moving or cancelling one that holds a booking, needs the booking right (receptionists: 403).
    Spec("appointment list", "get", lambda w, t: "/api/v1/appointments/", action=Action.APPOINTMENT_VIEW, scoped=False),
    Spec(
        "appointment list (office)",
        "get",
        lambda w, t: f"/api/v1/appointments/?office={office_param(w, t)}",
        action=Action.APPOINTMENT_VIEW,
    ),
    Spec(
        "appointment create",
        "post",
        lambda w, t: "/api/v1/appointments/",
        action=Action.APPOINTMENT_EDIT,
        data=appointment_payload,
        ok=(201,),
    ),
    Spec(
        "appointment create with interpreter",
        "post",
        lambda w, t: "/api/v1/appointments/",
        action=Action.BOOKING_REQUEST,
        data=lambda w, t: appointment_payload(w, t, interpreter=True),
        ok=(201,),
    ),
    Spec(
        "appointment detail",
        "get",
        lambda w, t: f"/api/v1/appointments/{appointment_id(w, t)}/",
        action=Action.APPOINTMENT_VIEW,
    ),
    Spec(
        "appointment move",
        "patch",
        lambda w, t: f"/api/v1/appointments/{appointment_id(w, t)}/",
        action=Action.APPOINTMENT_EDIT,
        data=later_start,
    ),
    Spec(
        "appointment move with booking",
        "patch",
        lambda w, t: f"/api/v1/appointments/{appointment_id(w, t, '_booked')}/",
        action=Action.BOOKING_REQUEST,
        data=later_start,
    ),
    Spec(
        "appointment cancel",
        "delete",
        lambda w, t: f"/api/v1/appointments/{appointment_id(w, t)}/",
        action=Action.APPOINTMENT_EDIT,
        ok=(204,),
    ),
    Spec(
        "appointment cancel with booking",
        "delete",
        lambda w, t: f"/api/v1/appointments/{appointment_id(w, t, '_booked')}/",
        action=Action.BOOKING_CANCEL,
        ok=(204,),
    ),
    Spec(
        "appointments day page",
        "get",
        lambda w, t: f"/appointments/?office={office_param(w, t)}",
        action=Action.APPOINTMENT_VIEW,
        api=False,
    ),
    # Workload issue: officer hours per office and day
    Spec(
        "staffing day put",
        "put",
        lambda w, t: f"/api/v1/offices/{office_param(w, t)}/staffing/2026-10-05/",
        action=Action.STAFFING_EDIT,
        data=lambda w, t: {"officer_hours": 7.5},
        ok=(200, 201),
    ),
    Spec(
        "staffing list",
        "get",
        lambda w, t: f"/api/v1/offices/{office_param(w, t)}/staffing/",
        action=Action.STAFFING_EDIT,
    ),
    Spec(
        "staffing week page",
        "get",
        lambda w, t: f"/staffing/?office={office_param(w, t)}",
        action=Action.STAFFING_EDIT,
        api=False,
    ),
    # The officer's desk (pages)
    Spec("officer visit page", "get", lambda w, t: f"/visits/{visit_id(w, t)}/", action=Action.VISIT_VIEW, api=False),
    Spec(
        "booking request page",
        "post",
        lambda w, t: f"/visits/{w.visits[t + '_in_service'].pk}/interpreter/",
        action=Action.BOOKING_REQUEST,
        api=False,
        data=lambda w, t: {"modality": "phone"},
        ok=(302,),
    ),
    Spec(
        "booking cancel page",
        "post",
        lambda w, t: f"/visits/{visit_id(w, t)}/interpreter/{booking_id(w, t)}/cancel/",
        action=Action.BOOKING_CANCEL,
        api=False,
        ok=(302,),
    ),
    # No requisition on the pending booking: an allowed role gets the page back with the error (400).
    Spec(
        "requisition decide page",
        "post",
        lambda w, t: f"/visits/{visit_id(w, t)}/interpreter/{booking_id(w, t)}/requisition/",
        action=Action.REQUISITION_DECIDE,
        api=False,
        data=lambda w, t: {"action": "confirm"},
        ok=(400,),
    ),
    Spec(
        "disputed requisitions",
        "get",
        lambda w, t: "/api/v1/requisitions/disputed/",
        action=Action.REQUISITION_DISPUTES_VIEW,
        scoped=False,
    ),
    Spec(
        "disputed requisitions page",
        "get",
        lambda w, t: f"/requisitions/disputed/?office={office_param(w, t)}",
        action=Action.REQUISITION_DISPUTES_VIEW,
        api=False,
    ),
    Spec(
        "start service page",
        "post",
        lambda w, t: f"/visits/{visit_id(w, t)}/start/",
        action=Action.VISIT_STATUS,
        api=False,
        ok=(302,),
    ),
    Spec(
        "visitor left page",
        "post",
        lambda w, t: f"/visits/{visit_id(w, t)}/left/",
        action=Action.VISIT_STATUS,
        api=False,
        ok=(302,),
    ),
    # The world's visits are open: an allowed role is told there is nothing to reopen (400).
    Spec(
        "reopen visit page",
        "post",
        lambda w, t: f"/visits/{visit_id(w, t)}/reopen/",
        action=Action.VISIT_STATUS,
        api=False,
        ok=(400,),
    ),
    # Money issue
    Spec(
        "price estimate",
        "get",
        lambda w, t: "/api/v1/price-estimate/?language=ar&modality=phone&competence=ovrig&minutes=30",
        action=Action.PRICE_ESTIMATE,
        scoped=False,
    ),
    Spec(
        "booking estimate fragment",
        "get",
        lambda w, t: f"/visits/{visit_id(w, t)}/interpreter/estimate/?minutes_ordered=30",
        action=Action.PRICE_ESTIMATE,
        api=False,
    ),
    # No requisition yet: an allowed role gets the 404 of "not reported yet", the others 403.
    Spec(
        "requisition",
        "get",
        lambda w, t: f"/api/v1/bookings/{booking_id(w, t)}/requisition/",
        action=Action.REQUISITION_VIEW,
        ok=(404,),
    ),
    Spec(
        "requisition confirm",
        "post",
        lambda w, t: f"/api/v1/bookings/{booking_id(w, t)}/requisition/",
        action=Action.REQUISITION_DECIDE,
        data=lambda w, t: {"action": "confirm"},
        ok=(400,),
    ),
    # Notifications (issue 11): one's own settings, officers and managers only.
    Spec(
        "notification preferences",
        "get",
        lambda w, t: "/api/v1/notification-preferences/",
        action=Action.NOTIFICATION_RECEIVE,
        scoped=False,
    ),
    Spec(
        "notification preferences change",
        "patch",
        lambda w, t: "/api/v1/notification-preferences/",
        action=Action.NOTIFICATION_RECEIVE,
        data=lambda w, t: {"language": "en"},
        scoped=False,
    ),
    Spec(
        "notification preferences page",
        "get",
        lambda w, t: "/notifications/",
        action=Action.NOTIFICATION_RECEIVE,
        api=False,
        scoped=False,
    ),
    # Every channel counted (issue 11): booking rights, like any booking.
    Spec(
        "direct line number",
        "get",
        lambda w, t: f"/api/v1/visits/{visit_id(w, t)}/direct-line/",
        action=Action.BOOKING_REQUEST,
    ),
    Spec(
        "direct line connected",
        "post",
        lambda w, t: f"/api/v1/visits/{w.visits[t + '_in_service'].pk}/direct-line/",
        action=Action.BOOKING_REQUEST,
        data=lambda w, t: {},
        ok=(201,),
    ),
    # The world's booking was made through tolkdesk: an allowed role is told it is no direct-line call.
    Spec(
        "direct line ended",
        "post",
        lambda w, t: f"/api/v1/bookings/{booking_id(w, t)}/direct-line/end/",
        action=Action.BOOKING_REQUEST,
        data=lambda w, t: {},
        ok=(400,),
    ),
    Spec(
        "ordered elsewhere",
        "post",
        lambda w, t: f"/api/v1/visits/{visit_id(w, t)}/external-orders/",
        action=Action.BOOKING_REQUEST,
        data=external_order_payload,
        ok=(201,),
    ),
    Spec(
        "direct line page",
        "get",
        lambda w, t: f"/visits/{visit_id(w, t)}/direct-line/",
        action=Action.BOOKING_REQUEST,
        api=False,
    ),
    Spec(
        "ordered elsewhere page",
        "get",
        lambda w, t: f"/visits/{visit_id(w, t)}/ordered-elsewhere/",
        action=Action.BOOKING_REQUEST,
        api=False,
    ),
    # Reports issue
    Spec(
        "usage report (own office)",
        "get",
        lambda w, t: f"/api/v1/reports/usage/?group_by=office&office={office_param(w, t)}",
        action=Action.REPORT_VIEW,
        other_office=(403, 404),
    ),
    Spec(
        "monthly report PDF",
        "get",
        lambda w, t: f"/reports/monthly/?month=2026-03&office={office_param(w, t)}",
        action=Action.REPORT_VIEW,
        api=False,
    ),
]


def expected(spec: Spec, principal: str, target: str) -> tuple[int, ...]:
    """The status codes this cell may answer."""
    login_redirect = (302,)
    refused_anon = (401, 403) if spec.api or spec.poll else login_redirect
    if spec.public:
        return spec.ok
    if principal == "anonymous":
        return refused_anon
    if spec.admin_only:
        if principal == "national_admin":
            return spec.ok
        return (403,) if spec.api else (302, 403)
    if spec.signed_in:
        if principal == "kiosk":
            return login_redirect
        return spec.ok
    assert spec.action is not None
    if principal == "national_admin":
        return spec.ok
    if principal == "kiosk":
        if not spec.api:
            return (401,) if spec.poll else login_redirect
        if spec.action not in KIOSK_ACTIONS:
            return (401, 403)
        if target == "other" and spec.scoped:
            return spec.other_office
        return spec.ok
    allowed = principal in ROLE_MATRIX[spec.action]
    if not allowed:
        # Staff without the right: refused. For another office's object, 404 (its existence is not
        # revealed) is equally right.
        return (403, 404) if target == "other" and spec.scoped else (403,)
    if target == "other" and spec.scoped:
        return spec.other_office
    return spec.ok


@pytest.fixture
def world(db) -> World:
    own, other = OfficeFactory(name="Servicekontor Uppsala"), OfficeFactory(name="Servicekontor Kiruna")
    authority = AuthorityFactory()
    LanguageFactory(code="ar")
    visits, bookings, complaints, appointments, blocks = {}, {}, {}, {}, {}
    agency = AgencyFactory(name="Tolkbyrån", slug="tolkbyran")  # offers phone interpreters for "ar"
    AgencyDirectLine.objects.create(agency=agency, language="ar", phone="+46101239100")
    price_lists_seed_demo()
    for target, office in (("own", own), ("other", other)):
        visit = VisitFactory(office=office, authority=authority, status=VisitStatus.WAITING)
        LanguageNeedFactory(visit=visit)
        visits[target] = visit
        # The outcome is recorded once service has started: a visit already in service.
        serving = VisitFactory(office=office, authority=authority, status=VisitStatus.IN_SERVICE)
        LanguageNeedFactory(visit=serving)
        visits[f"{target}_in_service"] = serving
        bookings[target] = InterpreterBooking.objects.create(
            visit=visit, language="ar", modality="phone", agency=agency, status="pending", requested_at=timezone.now()
        )
        done = VisitFactory(office=office, authority=authority, status=VisitStatus.DONE)
        for name in ("completed", "disputed"):
            bookings[f"{target}_{name}"] = InterpreterBooking.objects.create(
                visit=done,
                language="ar",
                modality="phone",
                agency=agency,
                status="completed",
                requested_at=timezone.now(),
            )
        start = (timezone.localtime() + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)
        for kind in ("", "_booked"):
            appointments[target + kind] = AppointmentFactory(office=office, authority=authority, start=start)
        InterpreterBooking.objects.create(
            appointment=appointments[f"{target}_booked"],
            language="ar",
            modality="phone",
            agency=agency,
            status="pending",
            scheduled_for=start,
            requested_at=timezone.now(),
        )
        complaints[target] = Complaint.objects.create(
            booking=bookings[f"{target}_disputed"],
            agency=agency,
            type=ComplaintType.OTHER,
            message="Dålig ljudkvalitet.",
            status=ComplaintStatus.DISPUTED,
            filed_at=timezone.now(),
        )
        BookingRating.objects.create(booking=bookings[f"{target}_disputed"], stars=4, rated_at=timezone.now())
        blocks[target] = InterpreterBlock.objects.create(
            scope=BlockScope.OFFICE,
            office=office,
            interpreter="KK-0",
            reason="r",
            ends_on=timezone.localdate() + timedelta(days=9),
            created_at=timezone.now(),
        )
    users = {}
    for role in (StaffRole.RECEPTIONIST, StaffRole.OFFICER, StaffRole.OFFICE_MANAGER):
        user = UserFactory(username=f"matrix-{role}")
        MembershipFactory(user=user, office=own, role=role)
        users[role.value] = user
    users["national_admin"] = UserFactory(username="matrix-admin", is_superuser=True, is_staff=True)
    _token, key = kiosk_token_with_key(own)
    blocks["quarantine"] = AgencyQuarantine.objects.create(
        agency=agency,
        county="AB",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=9),
        motivation="m",
        created_at=timezone.now(),
    )
    return World(own, other, authority, visits, bookings, users, key, complaints, appointments, blocks)


def client_for(world: World, principal: str) -> APIClient:
    client = APIClient()
    if principal == "kiosk":
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.kiosk_key}")
    elif principal != "anonymous":
        client.force_login(world.users[principal])
    return client


def _on_this_branch(spec: Spec) -> bool:
    """Does the endpoint exist yet? Checked with placeholder ids, before any fixture is built."""
    one = SimpleNamespace(pk=1)
    dummy = World(
        one,
        one,
        one,
        dict.fromkeys(["own", "other", "own_in_service", "other_in_service"], one),
        {"own": one, "other": one},
        {},
        "",
    )
    try:
        resolve(spec.path(dummy, "own").split("?")[0])
    except Resolver404:
        return False
    return True


CELLS = [
    pytest.param(
        spec,
        principal,
        target,
        id=f"{spec.name}|{principal}|{target}",
        marks=pytest.mark.skipif(not _on_this_branch(spec), reason=f"{spec.name}: endpoint not on this branch yet"),
    )
    for spec in SPECS
    for principal in PRINCIPALS
    for target in (TARGETS if spec.scoped else ["own"])
]


@pytest.mark.parametrize(("spec", "principal", "target"), CELLS)
def test_access_matrix(world, spec, principal, target):
    path = spec.path(world, target)
    client = client_for(world, principal)
    kwargs: dict[str, Any] = {"format": "json"} if spec.api else {}
    if spec.data is not None:
        kwargs["data"] = spec.data(world, target)
    response = getattr(client, spec.method)(path, **kwargs)
    wanted = expected(spec, principal, target)
    assert response.status_code in wanted, (
        f"{spec.method.upper()} {path} as {principal} ({target} office): got {response.status_code}, "
        f"expected {wanted}: {getattr(response, 'content', b'')[:300]!r}"
    )
    if response.status_code == 302 and principal == "anonymous":
        assert "login" in response["Location"]


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(spec, id=spec.name, marks=pytest.mark.skipif(not _on_this_branch(spec), reason="not here yet"))
        for spec in SPECS
    ],
)
def test_every_endpoint_and_page_answers_no_store(world, spec):
    """Issue 14, item 10, for every endpoint and page in the matrix (a new one included as soon as
    it has its Spec): the answer a national admin gets for their office is never stored by a
    browser or proxy (reception desks are shared), whatever it holds."""
    kwargs: dict[str, Any] = {"format": "json"} if spec.api else {}
    if spec.data is not None:
        kwargs["data"] = spec.data(world, "own")
    response = getattr(client_for(world, "national_admin"), spec.method)(spec.path(world, "own"), **kwargs)
    assert "no-store" in response.get("Cache-Control", ""), (spec.name, response.status_code)


def test_every_action_the_api_exposes_is_in_the_role_matrix():
    for spec in SPECS:
        assert spec.public or spec.admin_only or spec.signed_in or spec.action in ROLE_MATRIX, spec.name
