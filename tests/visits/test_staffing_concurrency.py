"""Two office managers saving the same office's staffing at the same moment, from real threads with
their own connections and committed transactions (PostgreSQL: the test database; SQLite: a migrated
file configured like the embedded set-up, as in tests/visits/test_apis_concurrency.py)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, OfficeFactory, UserFactory
from tests.visits.test_apis_concurrency import in_thread, threads_use_a_sqlite_file
from visits.models import StaffingDay, StaffRole
from visits.services import staffing_week_set

MONDAY = date(2026, 10, 5)
WEEK = [date(2026, 10, 5 + n) for n in range(5)]
ROUNDS = 3


def set_up() -> tuple[int, list]:
    office = OfficeFactory()
    managers = []
    for n in range(2):
        user = UserFactory(username=f"manager{n}")
        MembershipFactory(user=user, office=office, role=StaffRole.OFFICE_MANAGER)
        managers.append(user)
    return office.pk, managers


def all_at_once(work: list) -> list:
    """Run each callable in its own thread, released together; their results (or exceptions)."""
    start = threading.Barrier(len(work))
    results: list = [None] * len(work)

    def run(i: int, func) -> None:
        try:
            start.wait(timeout=30)
            results[i] = func()
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, func)) for i, func in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def put_day(user, office_id: int, hours: str):
    def call() -> int:
        client = APIClient()
        client.force_authenticate(user)
        url = f"/api/v1/offices/{office_id}/staffing/{MONDAY.isoformat()}/"
        return client.put(url, {"officer_hours": hours}, format="json").status_code

    return call


def save_week(user, office_id: int, hours: str):
    def call() -> int:
        from visits.models import Office

        return staffing_week_set(
            office=Office.objects.get(pk=office_id), hours_by_day=dict.fromkeys(WEEK, hours), by=user
        )

    return call


def scenario():
    office_id, (first, second) = in_thread(set_up)
    put_results = []
    for n in range(ROUNDS):
        put_results += all_at_once([put_day(first, office_id, f"{7 + n}.5"), put_day(second, office_id, f"{20 + n}")])
    week_results = all_at_once([save_week(first, office_id, "8"), save_week(second, office_id, "12,5")])
    rows = in_thread(lambda: list(StaffingDay.objects.filter(office_id=office_id).values_list("date", "officer_hours")))
    return put_results, week_results, rows


@pytest.mark.django_db(transaction=True)
def test_two_managers_saving_at_once_never_fail_or_duplicate_a_day(tmp_path):
    if connection.vendor == "sqlite":
        with threads_use_a_sqlite_file(tmp_path / "staffing.sqlite3"):
            in_thread(call_command, "migrate", "--run-syncdb", "--verbosity", "0")
            put_results, week_results, rows = scenario()
    else:
        put_results, week_results, rows = scenario()

    # Every PUT answered (201 for the first that created the day, 200 after): no 500 from the unique
    # constraint, no lock error.
    assert sorted(put_results)[-1] in (200, 201) and set(put_results) <= {200, 201}, put_results
    assert put_results.count(201) == 1
    # Both week saves went through, one after the other: every day holds ONE row, and all of a
    # week's days hold the same manager's value (the later save), never a mix of the two grids.
    assert all(isinstance(result, int) for result in week_results), week_results
    assert sorted(day for day, _hours in rows) == WEEK
    assert len({hours for _day, hours in rows}) == 1
    assert rows[0][1] in (Decimal("8"), Decimal("12.5"))
