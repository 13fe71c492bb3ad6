"""DRF request budgets: anonymous clients by address, users by id, kiosks by token (rates in settings).

The counters live in the cache (settings.CACHES, from TOLKDESK_CACHE_URL: Redis in production, so every
worker process counts against one budget). When the cache is down the throttles FAIL OPEN: the
request goes through and a warning is logged, so a Redis outage costs the rate limit, not the desk."""

import logging
from typing import Any

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from config.client_ip import client_ip_address
from visits.permissions import kiosk_for_request

logger = logging.getLogger(__name__)


class FailOpenThrottle(SimpleRateThrottle):
    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # noqa: BLE001 - any cache error (connection refused, timeout, …)
            logger.warning("throttle %s: cache unavailable, request let through", self.scope, exc_info=True)
            return True


class AnonymousRateThrottle(FailOpenThrottle, AnonRateThrottle):
    """Anonymous requests by client address; kiosks have their own budget."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if kiosk_for_request(request) is not None:
            return None
        return super().get_cache_key(request, view)

    def get_ident(self, request: Any) -> str:
        # DRF's would read X-Forwarded-For (NUM_PROXIES): one trusted-proxy setting decides instead.
        return client_ip_address(request)


class KioskRateThrottle(FailOpenThrottle):
    scope = "kiosk"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        kiosk = kiosk_for_request(request)
        if kiosk is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": kiosk.pk}


class StaffRateThrottle(FailOpenThrottle, UserRateThrottle):
    """Logged-in users by user id only (DRF's UserRateThrottle would also count anonymous clients
    and kiosks by address, against the wrong budget)."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
