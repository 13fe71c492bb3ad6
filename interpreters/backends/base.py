"""The interface every agency backend implements, and the errors that drive retry and fallback."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from interpreters.models import Complaint, InterpreterAgency, InterpreterBooking


@dataclass(frozen=True)
class AgencyEvent:
    """What an agency tells us about a booking: the answer to book()/status(), or a callback."""

    type: str  # an AgencyEventType value (interpreters/events.py)
    reference: str = ""
    interpreter_name: str = ""
    interpreter_gender: str = ""
    interpreter_competence: str = ""
    interpreter_id: int | None = None  # our Interpreter row, when the agency is one we simulate
    interpreter_ref: str = ""  # the agency's own id for the interpreter
    interpreter_official_number: str = ""  # Kammarkollegiet's number, for an authorised interpreter
    connection_phone: str = ""
    connection_url: str = ""
    minutes: int | None = None
    # The agency's answer per requirement: our BookingRequirement id -> met.
    requirement_answers: dict[int, bool] = field(default_factory=dict)
    complaint_id: int | None = None
    answer: str = ""
    # The interpreter's own start and end of the call ("ended", "requisition_corrected").
    started_at: datetime | None = None
    ended_at: datetime | None = None
    # When it happened by the agency's clock: events are applied in this order, whatever order they
    # arrive in (None: now).
    occurred_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannedEvent:
    """A callback an agency will send by itself some time after it accepted a booking (the
    simulated agency's timers): the caller schedules it through the outbox."""

    type: str  # an AgencyEventType value
    after_seconds: float


class AgencyError(Exception):
    def __init__(self, message: str, *, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or {}


class TransientAgencyError(AgencyError):
    """Worth retrying at the same agency: timeout, connection refused, 5xx."""


class PermanentAgencyError(AgencyError):
    """This agency will not do it (4xx, no interpreter): move on to the next agency."""


class AgencyBackendBase:
    """book() must be idempotent per booking.idempotency_key: calling it twice books once."""

    def __init__(self, agency: InterpreterAgency) -> None:
        self.agency = agency
        self.settings: dict[str, Any] = dict(agency.backend_settings or {})

    def lease_seconds(self) -> float:
        """How long a dispatcher may wait on book(); a swept re-dispatch waits at least this long."""
        return 30.0

    def book(self, booking: InterpreterBooking) -> AgencyEvent:
        raise NotImplementedError

    def planned_events(self, booking: InterpreterBooking) -> list[PlannedEvent]:
        """The callbacks this agency will play by itself once it has accepted the booking, in the
        order it plays them. Called inside the transaction that records the acceptance, so it must
        not do I/O. A real agency sends its own callbacks to the webhook: nothing to plan."""
        return []

    def event_for(self, booking: InterpreterBooking, event_type: str) -> AgencyEvent | None:
        """The callback this agency sends for a planned event (None: it plays none)."""
        return None

    def cancel(self, booking: InterpreterBooking) -> None:
        raise NotImplementedError

    def reschedule(self, booking: InterpreterBooking) -> None:
        """Tell the agency the booking's new start and length (scheduled_for, minutes_ordered): the
        appointment it belongs to was moved. Safe to repeat."""
        raise NotImplementedError

    def cancel_by_key(self, booking: InterpreterBooking) -> None:
        """Cancel whatever this agency holds under the booking's idempotency key (we may not know
        its reference: the call that booked it timed out). Must be safe to repeat, and safe to send
        before a slow booking request with that key has arrived."""
        raise NotImplementedError

    def status(self, booking: InterpreterBooking) -> AgencyEvent | None:
        raise NotImplementedError

    def complaint_send(self, complaint: Complaint) -> None:
        """Hand a complaint to the agency; its answer comes back as a callback event."""
