"""Issue 17: a Celery task shares its service's name, and a task renamed for that still runs a message
queued under its old name (a worker looks the task up by the name in the message)."""

import importlib

import pytest

from config.celery import app
from interpreters.tasks import OLD_NAMES

# Where each app's services live (the names a task may take after "<label>.").
SERVICE_MODULES = {
    "interpreters": ["interpreters.services", "interpreters.services.complaints"],
    "visits": ["visits.services", "visits.retention", "visits.reminders"],
    "reports": ["visits.reports.services"],
    "outbox": ["config.outbox.services"],
    "idempotency": ["config.idempotency.services"],
}
# Not a service call: the simulated agency's adapter plays its events (issue 17, helper C's part).
NOT_A_SERVICE = {
    "interpreters.simulated_agency_event",
    # Issue 11's beat tasks, landed after this check: each loops over a selector itself. Give each a
    # service of the same name, then drop them from here.
    "interpreters.booking_answer_deadlines",
    "visits.appointments_no_show",
}
LEGACY = set(OLD_NAMES) | {"visits.purge_personal_data"}


def our_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if name.split(".", 1)[0] in SERVICE_MODULES)


def test_every_task_is_named_after_the_service_it_calls():
    tasks = our_tasks()
    assert len(tasks) > 10
    unnamed = []
    for name in tasks:
        if name in NOT_A_SERVICE or name in LEGACY:
            continue
        label, action = name.split(".", 1)
        modules = [importlib.import_module(m) for m in SERVICE_MODULES[label]]
        # "outbox.relay" is outbox_relay: an app's own prefix is not repeated in the task name.
        if not any(hasattr(m, action) or hasattr(m, f"{label}_{action}") for m in modules):
            unnamed.append(name)
    assert unnamed == []


def test_every_task_function_is_the_service_name_plus_task():
    for name in our_tasks():
        if name in NOT_A_SERVICE or name in LEGACY:
            continue
        task = app.tasks[name]
        label, action = name.split(".", 1)
        assert task.__wrapped__.__name__ in (f"{action}_task", f"{label}_{action}_task", f"_{action}"), name


@pytest.mark.parametrize("old", sorted(LEGACY))
def test_every_old_name_is_still_registered(old):
    assert old in our_tasks()
