"""Agency backends: one adapter per way of talking to an interpreter agency."""

from interpreters.backends.base import (
    AgencyBackendBase,
    AgencyError,
    AgencyEvent,
    PermanentAgencyError,
    PlannedEvent,
    TransientAgencyError,
)
from interpreters.models import AgencyBackend, InterpreterAgency


def get_backend(agency: InterpreterAgency) -> AgencyBackendBase:
    from interpreters.backends.http_json import HttpJsonBackend
    from interpreters.backends.simulated import SimulatedBackend

    classes: dict[str, type[AgencyBackendBase]] = {
        AgencyBackend.SIMULATED: SimulatedBackend,
        AgencyBackend.HTTP_JSON: HttpJsonBackend,
    }
    try:
        return classes[agency.backend](agency)
    except KeyError:
        raise PermanentAgencyError(f"unknown backend {agency.backend!r}") from None


__all__ = [
    "AgencyBackendBase",
    "AgencyError",
    "AgencyEvent",
    "PermanentAgencyError",
    "PlannedEvent",
    "TransientAgencyError",
    "get_backend",
]
