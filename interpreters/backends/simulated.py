"""A simulated agency for the demo: no network, configurable latency and failure rate.

backend_settings: book_latency_seconds (time book() takes), failure_rate (0..1, chance book() fails
transiently), confirm_after_seconds (when the "agency" confirms), and optionally
start_after_seconds / end_after_seconds / minutes to play the whole call through;
wished_miss_rate (0..1, default 0; the demo agencies set it): chance that the interpreter sent
misses a wished requirement.

Requirements are honoured from the agency's own Interpreter rows: book() declines (a permanent
error, so the next agency is asked) when no interpreter meets every required one; the confirmation
says which requirements the chosen interpreter meets.

`play_through: true` (the demo agencies) plays every call to its end with a realistic plan drawn
from the booking's idempotency key (so every event of one booking agrees): most calls last 10-40
minutes (log-normal, median ~22); `no_show_rate` of them end in a no-show; `correction_rate` of the
ended ones get a corrected requisition afterwards. Demo time runs faster: each call minute takes
`seconds_per_call_minute` real seconds (default 3). A pre-booked call starts at its booked time.

The backend only says which callbacks it will play and when (planned_events); the acceptance's
transaction writes them to the outbox as rows due at those times, and the task that plays one
(interpreters.simulated_agency_event, over services.agency.agency_planned_event_play) hands it to the
same service a webhook callback uses (agency_callback_receive), so the demo exercises the real
callback path, and a broker outage or a worker restart delays the callbacks without losing them.
"""

import math
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from interpreters.backends.base import (
    AgencyBackendBase,
    AgencyEvent,
    PermanentAgencyError,
    PlannedEvent,
    TransientAgencyError,
)
from interpreters.events import AgencyEventType
from interpreters.models import CompetenceLevel, Interpreter, InterpreterBooking, Modality, RequirementKind
from interpreters.selectors import booking_requirements_for_agency, interpreter_candidates

K = RequirementKind
LEVELS: list[str] = list(CompetenceLevel.values)


def interpreter_meets(interp: Interpreter, req: dict[str, Any], language: str) -> bool:
    """Does one of our simulated interpreters meet one requirement (as sent to agencies)?"""
    kind, value = req["kind"], req["value"]
    ids = {str(interp.pk), interp.official_number} - {""}
    if kind == K.GENDER:
        return interp.gender == value
    if kind == K.COMPETENCE:
        return interp.competence in LEVELS and LEVELS.index(interp.competence) >= LEVELS.index(value)
    if kind == K.NAMED_INTERPRETER:
        return value in ids
    if kind == K.DENIED_INTERPRETER:
        return value not in ids
    if kind == K.DIALECT:
        base = language.split("-")[0].lower()
        return any(
            str(entry.get("language", "")).lower() in {language.lower(), base}
            and value.casefold() in {str(d).casefold() for d in entry.get("dialects") or []}
            for entry in interp.languages or []
            if isinstance(entry, dict)
        )
    return False


def meets_required(interp: Interpreter, reqs: list[dict[str, Any]], language: str) -> bool:
    """Every required requirement; of several required levels (first choice and fallback) or
    named interpreters, meeting one is enough."""
    required = [r for r in reqs if r["required"]]
    for alternatives in (K.COMPETENCE, K.NAMED_INTERPRETER):
        group = [r for r in required if r["kind"] == alternatives]
        if group and not any(interpreter_meets(interp, r, language) for r in group):
            return False
    return all(
        interpreter_meets(interp, r, language) for r in required if r["kind"] not in (K.COMPETENCE, K.NAMED_INTERPRETER)
    )


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
        reqs = self._requirements(booking)
        if any(r["required"] for r in reqs) and self.choose(booking, reqs) is None:
            missed = sorted({f"{r['kind']}={r['value']}" for r in reqs if r["required"]})
            raise PermanentAgencyError(
                "declined: no interpreter meets the required " + ", ".join(missed), detail={"declined": True}
            )
        return AgencyEvent(type=AgencyEventType.ACCEPTED, reference=self.reference_for(booking))

    def _requirements(self, booking: InterpreterBooking) -> list[dict[str, Any]]:
        return booking_requirements_for_agency(booking=booking, on=timezone.localdate())

    def choose(self, booking: InterpreterBooking, reqs: list[dict[str, Any]]) -> Interpreter | None:
        """The interpreter this agency sends: one meeting every required requirement, the one
        meeting most wishes first (first choices count double); with probability
        wished_miss_rate one that misses a wish instead. Seeded by the booking, so book() and the
        later confirmation agree."""
        pool = [
            i
            for i in interpreter_candidates(agency=self.agency, booking=booking)
            if meets_required(i, reqs, booking.language)
        ]
        if not pool:
            return None
        wished = [r for r in reqs if not r["required"]]

        def score(interp: Interpreter) -> tuple[int, int]:
            hits = sum(3 - r["rank"] for r in wished if interpreter_meets(interp, r, booking.language))
            return (hits, LEVELS.index(interp.competence) if interp.competence in LEVELS else -1)

        pool.sort(key=lambda i: (score(i), -i.pk), reverse=True)
        rng = random.Random(str(booking.idempotency_key))  # noqa: S311 - simulation only  # nosec B311
        if wished and rng.random() < float(self.settings.get("wished_miss_rate", 0.0)):
            missing = [i for i in pool if not all(interpreter_meets(i, r, booking.language) for r in wished)]
            if missing:
                return missing[0]
        return pool[0]

    def plan(self, booking: InterpreterBooking) -> CallPlan:
        return call_plan(
            booking,
            no_show_rate=float(self.settings.get("no_show_rate", 0.05)),
            correction_rate=float(self.settings.get("correction_rate", 0.1)),
        )

    def planned_events(self, booking: InterpreterBooking) -> list[PlannedEvent]:
        """The agency's later callbacks, with their delays after the acceptance. The caller
        schedules them through the outbox (interpreters/services/agency.py:_record_acceptance)."""
        delay = float(self.settings.get("confirm_after_seconds", 5))
        events = [PlannedEvent(AgencyEventType.CONFIRMED, delay)]
        if self.settings.get("play_through"):
            start = delay + float(self.settings.get("start_after_seconds", 5))
            if booking.scheduled_for is not None:
                start = max(start, (booking.scheduled_for - timezone.now()).total_seconds())
            plan = self.plan(booking)
            if plan.no_show:
                return [*events, PlannedEvent(AgencyEventType.NO_SHOW, start)]
            end = start + plan.minutes * float(self.settings.get("seconds_per_call_minute", 3))
            events += [PlannedEvent(AgencyEventType.STARTED, start), PlannedEvent(AgencyEventType.ENDED, end)]
            if plan.corrected_minutes is not None:
                events.append(PlannedEvent(AgencyEventType.REQUISITION_CORRECTED, end + 10))
        elif "end_after_seconds" in self.settings:
            start = float(self.settings.get("start_after_seconds", delay + 5))
            end = float(self.settings["end_after_seconds"])
            events += [PlannedEvent(AgencyEventType.STARTED, start), PlannedEvent(AgencyEventType.ENDED, end)]
        return events

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

    def event_for(self, booking: InterpreterBooking, event_type: str) -> AgencyEvent | None:
        """The callback this agency would send for the booking."""
        if event_type in (AgencyEventType.ENDED, AgencyEventType.REQUISITION_CORRECTED):
            return self._ended(booking, event_type)
        if event_type != AgencyEventType.CONFIRMED:
            return AgencyEvent(type=event_type, reference=self.reference_for(booking))
        reqs = self._requirements(booking)
        interp = self.choose(booking, reqs)
        answers = {
            r["id"]: interp is not None and interpreter_meets(interp, r, booking.language)
            for r in reqs
            if r["id"] is not None
        }
        # 010-1xx xx xx: a number phonenumbers accepts (the confirmation path drops invalid ones).
        digits = int(uuid.UUID(str(booking.idempotency_key)).int % 1_000_000)
        return AgencyEvent(
            type=AgencyEventType.CONFIRMED,
            reference=self.reference_for(booking),
            interpreter_id=interp.pk if interp else None,
            interpreter_ref=str(interp.pk) if interp else "",
            interpreter_official_number=interp.official_number if interp else "",
            requirement_answers=answers,
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

    def reschedule(self, booking: InterpreterBooking) -> None:
        return None  # the demo agency keeps whatever time the booking row says

    def cancel_by_key(self, booking: InterpreterBooking) -> None:
        return None  # books nothing when it fails: nothing to cancel

    def status(self, booking: InterpreterBooking) -> AgencyEvent | None:
        return None
