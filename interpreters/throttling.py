"""The agency webhook's request budget: per agency, counted only for callbacks whose signature
checked out. Anyone can send badly signed requests from any address; counting them (or counting
by address) would let them use up the budget of the agency's genuine callbacks."""

from typing import Any

from rest_framework.throttling import SimpleRateThrottle

from interpreters.models import InterpreterAgency


class AgencyCallbackRateThrottle(SimpleRateThrottle):
    scope = "agency_callback"

    def __init__(self, agency: InterpreterAgency) -> None:
        self.agency = agency
        super().__init__()

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.agency.pk}
