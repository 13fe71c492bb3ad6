"""Login lockout (django-axes) per username and per client address, separately (issue 14, item 3).

A username is locked after AXES_FAILURE_LIMIT failures from any address within the cool-off time, so
the right password from another address does not get round it. A client address is locked after
TOLKDESK_LOGIN_ADDRESS_FAILURE_LIMIT failures for any usernames (password spraying); that limit is
higher because an office's desks may share one address."""

from datetime import datetime
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

# The order of settings.AXES_LOCKOUT_PARAMETERS, which get_user_attempts follows.
LOCKOUT_PARAMETERS = ["username", "ip_address"]


def _failures(attempts: Any) -> int:
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        by_username, by_address = self.get_user_attempts(request, credentials)
        limit = settings.AXES_FAILURE_LIMIT
        address_limit = settings.TOLKDESK_LOGIN_ADDRESS_FAILURE_LIMIT
        # Axes compares one number with AXES_FAILURE_LIMIT: scale the address count onto it, so the
        # address reaches the limit exactly at its own (address_limit) failures.
        return max(_failures(by_username), _failures(by_address) * limit // address_limit)

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        # A successful login clears only that username's failures from that address. Axes' own reset
        # deletes every row of the address too, so anyone with an account at a shared address
        # could wipe a colleague's (or an attacker's) count by signing in.
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=getattr(request, "axes_ip_address", None)
        ).delete()
        return count


def login_records_purge(*, cutoff: datetime) -> int:
    """django-axes' tables hold usernames, client addresses and user agents (issue 14, item 2): the
    access log (every sign-in and sign-out), the failure log and the failure counters written before
    the cutoff are deleted (a counter that old stopped counting long ago: the cool-off is minutes or
    hours). Runs with the retention purge (visits/retention.py). Returns the rows deleted."""
    deleted = AccessLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    deleted += AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    deleted += AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()[0]
    return deleted
