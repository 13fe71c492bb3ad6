"""Template context shared by every page."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from visits.permissions import Action, user_can


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Which main-menu entries the signed-in user may open. Lazy, so a response that never renders
    the menu (JSON, redirects, exports) costs no query."""
    user = getattr(request, "user", None)
    return {
        "nav_reports": SimpleLazyObject(
            lambda: bool(user is not None and user.is_authenticated and user_can(user, Action.REPORT_VIEW))
        ),
        "nav_notifications": SimpleLazyObject(
            lambda: bool(user is not None and user.is_authenticated and user_can(user, Action.NOTIFICATION_RECEIVE))
        ),
        "nav_disputes": SimpleLazyObject(
            lambda: bool(
                user is not None and user.is_authenticated and user_can(user, Action.REQUISITION_DISPUTES_VIEW)
            )
        ),
        "nav_staffing": SimpleLazyObject(
            lambda: bool(user is not None and user.is_authenticated and user_can(user, Action.STAFFING_EDIT))
        ),
        "nav_blocks": SimpleLazyObject(
            lambda: bool(user is not None and user.is_authenticated and user_can(user, Action.INTERPRETER_BLOCK))
        ),
        "nav_quarantine": SimpleLazyObject(
            lambda: bool(user is not None and user.is_authenticated and user_can(user, Action.AGENCY_QUARANTINE))
        ),
    }
