"""A simulated agency for the demo: no network, configurable latency and failure rate.

backend_settings: book_latency_seconds (time book() takes), failure_rate (0..1, chance book() fails
transiently), confirm_after_seconds (when the "agency" confirms), and optionally
start_after_seconds / end_after_seconds / minutes to play the whole call through.

Confirmation arrives through the same service a webhook callback uses (agency_callback_receive),
sent as a delayed Celery task, so the demo exercises the real callback path.
"""

import random
import time
import uuid

from config.outbox.services import outbox_enqueue
from interpreters.backends.base import AgencyBackendBase, AgencyEvent, TransientAgencyError
from interpreters.events import AgencyEventType
from interpreters.models import InterpreterBooking, Modality


def _callback_later(booking: InterpreterBooking, event_type: str, seconds: float) -> None:
    outbox_enqueue(task="interpreters.simulated_agency_event", args=[booking.pk, str(event_type)], countdown=seconds)


class SimulatedBackend(AgencyBackendBase):
    def lease_seconds(self) -> float:
        return float(self.settings.get("book_latency_seconds", 0.5)) + 30.0

    def reference_for(self, booking: InterpreterBooking) -> str:
        # Derived from the idempotency key: booking twice yields the same reference (books once).
        return f"SIM-{self.agency.slug[:8].upper()}-{str(booking.idempotency_key)[:8]}"

    def book(self, booking: InterpreterBooking) -> AgencyEvent:
        latency = float(self.settings.get("book_latency_seconds", 0.5))
        if latency > 0:
            time.sleep(latency)
        if random.random() < float(self.settings.get("failure_rate", 0.0)):  # noqa: S311 - simulation only  # nosec B311
            raise TransientAgencyError("simulated agency unavailable")
        return AgencyEvent(type=AgencyEventType.ACCEPTED, reference=self.reference_for(booking))

    def accepted(self, booking: InterpreterBooking) -> None:
        """Play the agency's later callbacks as delayed tasks (sent after the booking is recorded)."""
        delay = float(self.settings.get("confirm_after_seconds", 5))
        _callback_later(booking, AgencyEventType.CONFIRMED, delay)
        if "end_after_seconds" in self.settings:
            start = float(self.settings.get("start_after_seconds", delay + 5))
            end = float(self.settings["end_after_seconds"])
            _callback_later(booking, AgencyEventType.STARTED, start)
            _callback_later(booking, AgencyEventType.ENDED, end)

    def event_for(self, booking: InterpreterBooking, event_type: str) -> AgencyEvent:
        """The callback this agency would send for the booking."""
        from interpreters.selectors import interpreter_choose

        if event_type != AgencyEventType.CONFIRMED:
            minutes = int(self.settings.get("minutes", 20)) if event_type == AgencyEventType.ENDED else None
            return AgencyEvent(type=event_type, reference=self.reference_for(booking), minutes=minutes)
        interp = interpreter_choose(agency=self.agency, booking=booking)
        digits = int(uuid.UUID(str(booking.idempotency_key)).int % 10_000_000)
        return AgencyEvent(
            type=AgencyEventType.CONFIRMED,
            reference=self.reference_for(booking),
            interpreter_id=interp.pk if interp else None,
            interpreter_name=interp.name if interp else "Tolk " + self.agency.name.split()[0],
            interpreter_gender=interp.gender if interp else "",
            interpreter_competence=interp.competence if interp else "",
            connection_phone=f"+4610{digits:07d}" if booking.modality == Modality.PHONE else "",
            connection_url=(
                f"https://video.example.se/{self.agency.slug}/{booking.idempotency_key}"
                if booking.modality != Modality.PHONE
                else ""
            ),
        )

    def cancel(self, booking: InterpreterBooking) -> None:
        return None

    def cancel_by_key(self, booking: InterpreterBooking) -> None:
        return None  # books nothing when it fails: nothing to cancel

    def status(self, booking: InterpreterBooking) -> AgencyEvent | None:
        return None
