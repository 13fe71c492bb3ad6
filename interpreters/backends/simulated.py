"""A simulated agency for the demo: no network, configurable latency and failure rate.

backend_settings: book_latency_seconds (time book() takes), failure_rate (0..1, chance book() fails
transiently), confirm_after_seconds (when the "agency" confirms), and optionally
start_after_seconds / end_after_seconds / minutes to play the whole call through.

`play_through: true` (the demo agencies) plays every call to its end with a realistic plan drawn
from the booking's idempotency key (so every event of one booking agrees): most calls last 10-40
minutes (log-normal, median ~22); `no_show_rate` of them end in a no-show; `correction_rate` of the
ended ones get a corrected requisition afterwards. Demo time runs faster: each call minute takes
`seconds_per_call_minute` real seconds (default 3). A pre-booked call starts at its booked time.

Confirmation arrives through the same service a webhook callback uses (agency_callback_receive),
sent as a delayed Celery task, so the demo exercises the real callback path.
"""

import math
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from config.outbox.services import outbox_enqueue
from interpreters.backends.base import AgencyBackendBase, AgencyEvent, TransientAgencyError
from interpreters.events import AgencyEventType
from interpreters.models import InterpreterBooking, Modality


@dataclass(frozen=True)
class CallPlan:
    minutes: int
    no_show: bool
    corrected_minutes: int | None


def call_plan(booking: InterpreterBooking, *, no_show_rate: float, correction_rate: float) -> CallPlan:
    """The simulated call's length and fate, the same every time it is asked for (seeded by the key)."""
    rnd = random.Random(str(booking.idempotency_key))  # noqa: S311 - simulation only  # nosec B311
    minutes = max(3, min(120, round(rnd.lognormvariate(math.log(22), 0.4))))
    no_show = rnd.random() < no_show_rate
    corrected = None
    if rnd.random() < correction_rate:
        corrected = max(1, minutes + rnd.choice([-10, -5, -3, 3, 5]))
    return CallPlan(minutes=minutes, no_show=no_show, corrected_minutes=corrected)


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

    def plan(self, booking: InterpreterBooking) -> CallPlan:
        return call_plan(
            booking,
            no_show_rate=float(self.settings.get("no_show_rate", 0.05)),
            correction_rate=float(self.settings.get("correction_rate", 0.1)),
        )

    def accepted(self, booking: InterpreterBooking) -> None:
        """Play the agency's later callbacks as delayed tasks (sent after the booking is recorded)."""

        def send(event: AgencyEventType, countdown: float) -> None:
            # Through the outbox like every task: sent once the acceptance is committed.
            outbox_enqueue(
                task="interpreters.simulated_agency_event", args=[booking.pk, event.value], countdown=countdown
            )

        delay = float(self.settings.get("confirm_after_seconds", 5))
        send(AgencyEventType.CONFIRMED, delay)
        if self.settings.get("play_through"):
            start = delay + float(self.settings.get("start_after_seconds", 5))
            if booking.scheduled_for is not None:
                start = max(start, (booking.scheduled_for - timezone.now()).total_seconds())
            plan = self.plan(booking)
            if plan.no_show:
                send(AgencyEventType.NO_SHOW, start)
                return
            end = start + plan.minutes * float(self.settings.get("seconds_per_call_minute", 3))
            send(AgencyEventType.STARTED, start)
            send(AgencyEventType.ENDED, end)
            if plan.corrected_minutes is not None:
                send(AgencyEventType.REQUISITION_CORRECTED, end + 10)
        elif "end_after_seconds" in self.settings:
            start = float(self.settings.get("start_after_seconds", delay + 5))
            end = float(self.settings["end_after_seconds"])
            send(AgencyEventType.STARTED, start)
            send(AgencyEventType.ENDED, end)

    def _ended(self, booking: InterpreterBooking, event_type: str) -> AgencyEvent:
        """ "ended" or a corrected requisition: the minutes and the interpreter's start and end."""
        if self.settings.get("play_through"):
            plan = self.plan(booking)
            minutes = plan.minutes
            if event_type == AgencyEventType.REQUISITION_CORRECTED and plan.corrected_minutes is not None:
                minutes = plan.corrected_minutes
        else:
            minutes = int(self.settings.get("minutes", 20))
        started: datetime = booking.started_at or timezone.now()
        return AgencyEvent(
            type=event_type,
            reference=self.reference_for(booking),
            minutes=minutes,
            started_at=started,
            ended_at=started + timedelta(minutes=minutes),
        )

    def event_for(self, booking: InterpreterBooking, event_type: str) -> AgencyEvent:
        """The callback this agency would send for the booking."""
        from interpreters.selectors import interpreter_choose

        if event_type in (AgencyEventType.ENDED, AgencyEventType.REQUISITION_CORRECTED):
            return self._ended(booking, event_type)
        if event_type != AgencyEventType.CONFIRMED:
            return AgencyEvent(type=event_type, reference=self.reference_for(booking))
        interp = interpreter_choose(agency=self.agency, booking=booking)
        # 010-1xx xx xx: a number phonenumbers accepts (the confirmation path drops invalid ones).
        digits = int(uuid.UUID(str(booking.idempotency_key)).int % 1_000_000)
        return AgencyEvent(
            type=AgencyEventType.CONFIRMED,
            reference=self.reference_for(booking),
            interpreter_id=interp.pk if interp else None,
            interpreter_name=interp.name if interp else "Tolk " + self.agency.name.split()[0],
            interpreter_gender=interp.gender if interp else "",
            interpreter_competence=interp.competence if interp else "",
            connection_phone=f"+46101{digits:06d}" if booking.modality == Modality.PHONE else "",
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
