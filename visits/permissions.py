"""Who may do what, at which office: the role matrix in one place, and the guards that enforce it.

Scoping rule (BRIEF "Decisions"): an object of an office the user does not work at is *404* (its
existence is not revealed); an object the user can see but whose action their role lacks is *403*.
National admins are superusers and may do everything everywhere. Kiosks are not users: they
authenticate with a KioskToken (visits.authentication) bound to ONE office, and may only do the
actions in KIOSK_ACTIONS, at that office.

Every role check in the project goes through this module; no other module lists roles. Use from
DRF views::

    permission_classes = [office_permission(Action.REPORT_VIEW)]  # the role at some office
    offices = offices_for_request(request, Action.CHECK_IN)         # scope writes/validation
    visit = visit_for_request_or_404(request, pk, Action.OUTCOME_RECORD)
    check_object_access(request, booking, Action.BOOKING_CANCEL)    # 404 other office, 403 role

and from Django views::

    if not user_can(request.user, Action.VISIT_STATUS, visit.office_id): raise PermissionDenied
    offices = offices_for_action(request.user, Action.CHECK_IN)
"""

from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from rest_framework.permissions import BasePermission

from visits.models import KioskToken, Office, OfficeMembership, StaffRole, Visit
from visits.selectors import offices_for_user

REC, OFF, MGR = StaffRole.RECEPTIONIST, StaffRole.OFFICER, StaffRole.OFFICE_MANAGER


class Action(StrEnum):
    VISIT_VIEW = "visit_view"  # a visit's page/API, incl. the visitor's personal details
    QUEUE_VIEW = "queue_view"  # today's queue (queue numbers, language badges)
    LANGUAGES_VIEW = "languages_view"  # the language catalogue / picker
    CHECK_IN = "check_in"
    LANGUAGE_NEED_EDIT = "language_need_edit"
    VISIT_STATUS = "visit_status"  # call the visitor in, end the visit
    BOOKING_VIEW = "booking_view"
    BOOKING_REQUEST = "booking_request"
    BOOKING_CANCEL = "booking_cancel"
    OUTCOME_RECORD = "outcome_record"
    REPORT_VIEW = "report_view"
    COMPLAINT_VIEW = "complaint_view"
    COMPLAINT_FILE = "complaint_file"  # file and withdraw a complaint about a booking
    COMPLAINT_ESCALATE = "complaint_escalate"
    BOOKING_RATE = "booking_rate"  # stars and problems after a call
    INTERPRETER_BLOCK = "interpreter_block"  # block an interpreter for the office
    INTERPRETER_BLOCK_WIDE = "interpreter_block_wide"  # block one for a county or the whole country
    AGENCY_QUARANTINE = "agency_quarantine"  # take an agency out of a county's ranking for a period
    STAFFING_EDIT = "staffing_edit"  # officer hours per office and day (the workload model)
    PRICE_ESTIMATE = "price_estimate"  # any staff member may see what a call would cost
    REQUISITION_VIEW = "requisition_view"
    REQUISITION_DECIDE = "requisition_decide"  # confirm or dispute the agency's minutes
    REQUISITION_DISPUTES_VIEW = "requisition_disputes_view"  # the office manager's list of disputes
    # Receive e-mail about bookings (one's own, and opted in, the office's) and set one's preferences.
    NOTIFICATION_RECEIVE = "notification_receive"
    APPOINTMENT_VIEW = "appointment_view"  # the day's appointments, one appointment with its visitor
    APPOINTMENT_EDIT = "appointment_edit"  # create, move, cancel an appointment, record a no-show


# The role matrix (README "Roles and access"). Superusers are allowed everything.
ROLE_MATRIX: dict[Action, frozenset[str]] = {
    Action.VISIT_VIEW: frozenset({REC, OFF, MGR}),
    Action.QUEUE_VIEW: frozenset({REC, OFF, MGR}),
    Action.LANGUAGES_VIEW: frozenset({REC, OFF, MGR}),
    # Officers and managers stand in at reception in small offices (check-in page and API agree).
    Action.CHECK_IN: frozenset({REC, OFF, MGR}),
    Action.LANGUAGE_NEED_EDIT: frozenset({REC, OFF, MGR}),
    Action.VISIT_STATUS: frozenset({OFF, MGR}),
    Action.BOOKING_VIEW: frozenset({REC, OFF, MGR}),
    # Booking an interpreter (and withdrawing one) is the officer's call, on page and API alike
    # (issue 17). An appointment a receptionist makes that holds a booking needs this right too.
    Action.BOOKING_REQUEST: frozenset({OFF, MGR}),
    Action.BOOKING_CANCEL: frozenset({OFF, MGR}),
    Action.OUTCOME_RECORD: frozenset({OFF, MGR}),
    Action.REPORT_VIEW: frozenset({MGR}),
    Action.COMPLAINT_VIEW: frozenset({OFF, MGR}),
    Action.COMPLAINT_FILE: frozenset({OFF, MGR}),
    Action.COMPLAINT_ESCALATE: frozenset({MGR}),
    Action.BOOKING_RATE: frozenset({OFF, MGR}),
    # County or national blocks and agency quarantine: national admins (superusers) only.
    Action.INTERPRETER_BLOCK: frozenset({MGR}),
    Action.INTERPRETER_BLOCK_WIDE: frozenset(),
    Action.AGENCY_QUARANTINE: frozenset(),
    Action.STAFFING_EDIT: frozenset({MGR}),
    Action.PRICE_ESTIMATE: frozenset({REC, OFF, MGR}),
    Action.REQUISITION_VIEW: frozenset({OFF, MGR}),
    Action.REQUISITION_DECIDE: frozenset({OFF, MGR}),
    Action.REQUISITION_DISPUTES_VIEW: frozenset({MGR}),
    Action.NOTIFICATION_RECEIVE: frozenset({OFF, MGR}),
    # Appointments (issue 11): the whole staff books meetings. Pre-booking an interpreter with one,
    # or moving or cancelling one that holds a booking, also needs BOOKING_REQUEST / BOOKING_CANCEL.
    Action.APPOINTMENT_VIEW: frozenset({REC, OFF, MGR}),
    Action.APPOINTMENT_EDIT: frozenset({REC, OFF, MGR}),
}
# What a kiosk token may do, at its own office only.
KIOSK_ACTIONS: frozenset[Action] = frozenset({Action.CHECK_IN, Action.LANGUAGES_VIEW, Action.QUEUE_VIEW})


def roles_for(action: Action) -> list[str]:
    return sorted(ROLE_MATRIX[action])


def kiosk_for_request(request: Any) -> KioskToken | None:
    """The kiosk token a DRF request authenticated with, if any (plain Django requests have none)."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, KioskToken) else None


def offices_for_action(user: User | AnonymousUser, action: Action) -> QuerySet[Office]:
    """Offices where the user's role allows the action (all offices for a national admin)."""
    return offices_for_user(user, roles=roles_for(action))


def offices_for_request(request: Any, action: Action) -> QuerySet[Office]:
    """Like offices_for_action, but a kiosk gets its one (active) office for the kiosk actions."""
    kiosk = kiosk_for_request(request)
    if kiosk is not None:
        if action not in KIOSK_ACTIONS:
            return Office.objects.none()
        return Office.objects.filter(pk=kiosk.office_id, active=True)
    return offices_for_action(request.user, action)


def actions_anywhere(user: User | AnonymousUser) -> frozenset[Action]:
    """Every action the user may do at some office, from ONE query of their roles: what
    ``user_can(user, action)`` answers for each action (the main menu asks for six at once)."""
    if not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return frozenset(Action)
    roles = set(OfficeMembership.objects.filter(user=user).values_list("role", flat=True))
    return frozenset(action for action, allowed in ROLE_MATRIX.items() if roles & allowed)


def user_can(user: User | AnonymousUser, action: Action, office: Office | int | None = None) -> bool:
    """May the user do the action at this office (or, with office=None, at any office at all)?"""
    if office is None and user.is_authenticated and user.is_superuser:
        return True  # national admins may do everything, even before any office exists
    offices = offices_for_action(user, action)
    if office is None:
        return offices.exists()
    office_id = office.pk if isinstance(office, Office) else office
    return offices.filter(pk=office_id).exists()


def request_can(request: Any, action: Action, office: Office | int) -> bool:
    """Like user_can for one office, but a kiosk may do the kiosk actions at its own office."""
    office_id = office.pk if isinstance(office, Office) else office
    return offices_for_request(request, action).filter(pk=office_id).exists()


def office_id_of(obj: Any) -> int | None:
    """The office an object belongs to: a Visit, or anything hanging off a visit (need, booking, outcome)."""
    if isinstance(obj, Office):
        return obj.pk
    if hasattr(obj, "office_id"):
        return obj.office_id
    visit = getattr(obj, "visit", None)
    return visit.office_id if visit is not None else None


def check_object_access(request: Any, obj: Any, action: Action) -> None:
    """Raise Http404 if the object is outside every office the requester can see, PermissionDenied
    if they can see it but their role (or kiosk) lacks the action there."""
    office_id = office_id_of(obj)
    kiosk = kiosk_for_request(request)
    if kiosk is not None:
        if office_id != kiosk.office_id:
            raise Http404
        if action not in KIOSK_ACTIONS:
            raise PermissionDenied
        return
    if office_id is None:  # belongs to no office, so to none of the user's: filter(pk=None) found nothing too
        raise Http404
    user = request.user
    if not offices_for_user(user).filter(pk=office_id).exists():
        raise Http404
    if not offices_for_action(user, action).filter(pk=office_id).exists():
        raise PermissionDenied


def visit_for_request_or_404(request: Any, pk: Any, action: Action) -> Visit:
    """Fetch a visit the requester may act on: 404 outside their offices, 403 if their role lacks it."""
    try:
        visit = Visit.objects.select_related("office", "authority").get(pk=int(pk))
    except (Visit.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc
    check_object_access(request, visit, action)
    return visit


# --- DRF ----------------------------------------------------------------------------------------


class OfficeActionPermission(BasePermission):
    """Allows the request if the user (or kiosk) may do `action` at at least one office; object
    checks then apply check_object_access (404 other office, 403 wrong role).

    Use office_permission(Action.X) to get a class for one action."""

    action: Action = Action.VISIT_VIEW
    message = "Your role does not allow this action."

    def has_permission(self, request: Any, view: Any) -> bool:
        kiosk = kiosk_for_request(request)
        if kiosk is not None:
            return self.action in KIOSK_ACTIONS
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.is_superuser or offices_for_action(user, self.action).exists()

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        try:
            check_object_access(request, obj, self.action)
        except PermissionDenied:
            return False
        return True


_permission_classes: dict[Action, type[OfficeActionPermission]] = {}


def office_permission(action: Action) -> type[OfficeActionPermission]:
    """A DRF permission class for one action (cached, so the same class is reused)."""
    if action not in _permission_classes:
        _permission_classes[action] = type(
            f"Can{action.title().replace('_', '')}", (OfficeActionPermission,), {"action": action}
        )
    return _permission_classes[action]


class AuthenticatedOrKiosk(BasePermission):
    """Logged-in users (the view then scopes by role), or a kiosk for the HTTP methods the view
    lists in `kiosk_methods` (the view scopes the kiosk to its office via offices_for_request)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if kiosk_for_request(request) is not None:
            return request.method in getattr(view, "kiosk_methods", ())
        return bool(request.user and request.user.is_authenticated)


# --- Two-step sign-in (issue 14, item 4) ----------------------------------------------------------

# Roles that must sign in with a second factor when settings.TOLKDESK_MFA_REQUIRED is on. National
# admins (superusers) and anyone with Django admin access (is_staff) always must.
MFA_REQUIRED_ROLES: frozenset[str] = frozenset({MGR})


def mfa_required_for(user: User | AnonymousUser) -> bool:
    """Must this user pass a second factor before using the service?"""
    if not settings.TOLKDESK_MFA_REQUIRED or not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return OfficeMembership.objects.filter(user=user, role__in=MFA_REQUIRED_ROLES).exists()
