"""DRF request budgets: anonymous clients by address, users by id, kiosks by token (rates in settings)."""

from typing import Any

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from config.client_ip import client_ip_address
from visits.permissions import kiosk_for_request


class AnonymousRateThrottle(AnonRateThrottle):
    """Anonymous requests by client address; kiosks have their own budget."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if kiosk_for_request(request) is not None:
            return None
        return super().get_cache_key(request, view)

    def get_ident(self, request: Any) -> str:
        # DRF's would read X-Forwarded-For (NUM_PROXIES): one trusted-proxy setting decides instead.
        return client_ip_address(request)


class KioskRateThrottle(SimpleRateThrottle):
    scope = "kiosk"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        kiosk = kiosk_for_request(request)
        if kiosk is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": kiosk.pk}


class StaffRateThrottle(UserRateThrottle):
    """Logged-in users by user id only (DRF's UserRateThrottle would also count anonymous clients
    and kiosks by address, against the wrong budget)."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
