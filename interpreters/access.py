"""Who may act on a visit at the officer's desk.

Seeing a visit is scoped by visits.selectors (another office's visit does not exist for the user:
404). Acting on it (starting service, booking an interpreter, recording the outcome) needs the
officer or office manager role at the visit's office, or a national admin (403 otherwise)."""

from django.contrib.auth.models import AnonymousUser, User

from visits.models import StaffRole, Visit
from visits.selectors import offices_for_user

ACTING_ROLES = [StaffRole.OFFICER, StaffRole.OFFICE_MANAGER]


def user_can_act_on_visit(user: User | AnonymousUser, visit: Visit) -> bool:
    return offices_for_user(user, roles=ACTING_ROLES).filter(pk=visit.office_id).exists()
