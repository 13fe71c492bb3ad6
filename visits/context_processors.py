"""Template context shared by every page."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from visits.permissions import Action, actions_anywhere

#: Main-menu entries and the action each needs at some office.
NAV_ACTIONS = {
    "nav_reports": Action.REPORT_VIEW,
    "nav_notifications": Action.NOTIFICATION_RECEIVE,
    "nav_disputes": Action.REQUISITION_DISPUTES_VIEW,
    "nav_staffing": Action.STAFFING_EDIT,
    "nav_blocks": Action.INTERPRETER_BLOCK,
    "nav_quarantine": Action.AGENCY_QUARANTINE,
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Which main-menu entries the signed-in user may open. Lazy, so a response that never renders
    the menu (JSON, redirects, exports) costs no query; a page that does costs one (the user's roles),
    however many entries the menu has."""
    user = getattr(request, "user", None)
    allowed: Any = SimpleLazyObject(lambda: actions_anywhere(user) if user is not None else frozenset())

    def entry(action: Action) -> SimpleLazyObject:
        return SimpleLazyObject(lambda: action in allowed)

    return {name: entry(action) for name, action in NAV_ACTIONS.items()}
