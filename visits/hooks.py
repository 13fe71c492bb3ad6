"""The "office-day changed" hook: every write that a report depends on calls it, inside the write's
own transaction. Bottom of the import graph: it imports only visits.models, so visits, interpreters
and the reports can all call it without a cycle.

It only marks the office-day dirty (one ``INSERT ... ON CONFLICT DO NOTHING``); it sends no task.
The reports app owns the refresh: a periodic task recomputes each dirty office-day once
(visits.reports.services.usage_dirty_days_refresh), however many writes marked it meanwhile.
An explicit call and not a Django signal, so a reader of a service sees what it triggers."""

from collections.abc import Callable
from datetime import date

from visits.models import Appointment, UsageDirtyDay, Visit


def office_day_changed(*, office_id: int, day: date) -> None:
    """Mark an office-day's usage rollups stale. Call it inside the transaction of the write: the
    mark commits or rolls back with it."""
    # Two writers marking the same office-day: ON CONFLICT DO NOTHING keeps the first mark (and its
    # marked_at); either way the office-day is dirty once. A mark racing the refresh's claim is
    # covered there (the claim deletes the mark before recomputing, so a later mark survives it).
    UsageDirtyDay.objects.bulk_create([UsageDirtyDay(office_id=office_id, day=day)], ignore_conflicts=True)


# What other apps do when a visitor with an appointment is checked in (issue 11): registered by name
# from their AppConfig.ready() (the interpreters app moves the appointment's pre-booked interpreter to
# the visit). Visits never imports those apps; the steps run inside the check-in's transaction.
_CHECK_IN_STEPS: dict[str, Callable[[Appointment, Visit], object]] = {}


def appointment_check_in_register(*, name: str, step: Callable[[Appointment, Visit], object]) -> None:
    """Add a step run when a visitor is checked in for `appointment` (registering a name again replaces it)."""
    _CHECK_IN_STEPS[name] = step


def appointment_checked_in(*, appointment: Appointment, visit: Visit) -> None:
    """Run every registered check-in step. Call it inside the check-in's transaction: the steps'
    writes commit or roll back with the visit."""
    for step in _CHECK_IN_STEPS.values():
        step(appointment, visit)
