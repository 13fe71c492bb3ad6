"""THE vocabulary of agency events: what an interpreter agency tells us about a booking, whether as
the answer to book()/status(), a webhook callback or a simulated agency's play-through.

Every module spells an event type through ``AgencyEvent``; add a new type here (and, if agencies
may send it to the webhook, to ``CALLBACK_EVENT_TYPES``). What an event does to a booking's status
is the state machine's business (``interpreters/services/agency.py:EVENT_TO_STATUS``).

Imports nothing from the project, so any layer may use it."""

from django.db import models


class AgencyEventType(models.TextChoices):
    ACCEPTED = "accepted"  # the agency took the request; no interpreter yet
    CONFIRMED = "confirmed"  # an interpreter is assigned; connection details may come with it
    STARTED = "started"  # the call began
    ENDED = "ended"  # the call ended; carries the minutes used
    CANCELLED = "cancelled"  # the agency withdrew
    NO_SHOW = "no_show"  # the interpreter did not turn up
    FAILED = "failed"  # the agency cannot serve the request
    # Events that move no status (issue 10):
    INTERPRETER_CHANGED = "interpreter_changed"  # the agency replaced the interpreter of a confirmed booking
    COMPLAINT_ACCEPTED = "complaint_accepted"  # the agency accepts a complaint (reklamation)
    COMPLAINT_DISPUTED = "complaint_disputed"  # the agency disputes it, with an answer
    # A corrected requisition for an ended call: new minutes (and start/end) replace the reported
    # ones; the old requisition is kept with status "replaced".
    REQUISITION_CORRECTED = "requisition_corrected"


#: The types an agency may post to the webhook (``/api/v1/agency-callbacks/<agency>/``). "accepted" and
#: "failed" only ever come back as the answer to book()/status().
CALLBACK_EVENT_TYPES: tuple[str, ...] = (
    AgencyEventType.CONFIRMED,
    AgencyEventType.STARTED,
    AgencyEventType.ENDED,
    AgencyEventType.CANCELLED,
    AgencyEventType.NO_SHOW,
    AgencyEventType.INTERPRETER_CHANGED,
    AgencyEventType.COMPLAINT_ACCEPTED,
    AgencyEventType.COMPLAINT_DISPUTED,
    AgencyEventType.REQUISITION_CORRECTED,
)
#: The agency's answers to a complaint (interpreters.services.complaints.complaint_answer).
COMPLAINT_ANSWER_TYPES: tuple[str, ...] = (AgencyEventType.COMPLAINT_ACCEPTED, AgencyEventType.COMPLAINT_DISPUTED)
