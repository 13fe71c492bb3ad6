"""Simultaneous check-ins at one office, through the API, from real threads with their own
database connections and committed transactions.

On PostgreSQL the threads use the test database (transactional_db). On SQLite the test database is
an in-memory, shared-cache database, where SQLite uses table locks that fail at once ("database table
is locked") instead of waiting, so concurrent writers cannot be tested there. The embedded set-up
uses a database *file* (WAL, BEGIN IMMEDIATE, busy timeout: config.settings.base), so on SQLite the
threads run against a migrated temporary file configured exactly like that.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections
from rest_framework.test import APIClient

from tests.factories import AuthorityFactory, MembershipFactory, OfficeFactory, UserFactory
from visits.models import StaffRole, Visit

AT_OFFICE, AT_OTHER = 6, 2


@contextmanager
def threads_use_a_sqlite_file(path: Path) -> Iterator[None]:
    """New threads open `default` on a file database with the project's SQLite options; the main
    thread keeps its in-memory test database (closing that would destroy it)."""
    original = connections.settings["default"]
    connections.settings["default"] = {**original, "NAME": str(path)}
    try:
        yield
    finally:
        connections.settings["default"] = original


def in_thread(func, *args):
    """Run func in a fresh thread (so with a fresh connection), returning its result."""
    out: dict = {}

    def run() -> None:
        try:
            out["value"] = func(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            out["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    if "error" in out:
        raise out["error"]
    return out["value"]


def set_up_offices() -> tuple[int, int, str, list]:
    office, other_office = OfficeFactory(), OfficeFactory()
    authority = AuthorityFactory()
    users = []
    for n in range(AT_OFFICE + AT_OTHER):
        user = UserFactory(username=f"desk{n}")
        MembershipFactory(user=user, office=office, role=StaffRole.RECEPTIONIST)
        MembershipFactory(user=user, office=other_office, role=StaffRole.RECEPTIONIST)
        users.append(user)
    return office.pk, other_office.pk, authority.code, users


def check_in_all_at_once(office_id: int, other_id: int, authority_code: str, users: list) -> list[tuple[int, dict]]:
    start = threading.Barrier(len(users))
    results: list[tuple[int, dict]] = []

    def check_in(user, target: int) -> None:
        client = APIClient()
        client.force_authenticate(user)
        try:
            start.wait(timeout=30)
            response = client.post(
                "/api/v1/visits/",
                {"office": target, "authority": authority_code, "language_need": {"language": "ar"}},
                format="json",
            )
            results.append((response.status_code, response.json()))
        except Exception as exc:  # noqa: BLE001 - the test client re-raises server errors: count them as 500s
            results.append((500, {"error": repr(exc)}))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=check_in, args=(user, office_id if n < AT_OFFICE else other_id))
        for n, user in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def scenario() -> tuple[list[tuple[int, dict]], int, int, int]:
    office_id, other_id, code, users = in_thread(set_up_offices)
    results = check_in_all_at_once(office_id, other_id, code, users)
    return results, office_id, other_id, in_thread(Visit.objects.count)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_check_ins_at_one_office_get_distinct_queue_numbers(tmp_path):
    if connection.vendor == "sqlite":
        with threads_use_a_sqlite_file(tmp_path / "concurrency.sqlite3"):
            in_thread(call_command, "migrate", "--run-syncdb", "--verbosity", "0")
            results, office_id, other_id, visits = scenario()
    else:
        results, office_id, other_id, visits = scenario()

    # Every request answered 201: no lock error surfaced as a 500, nobody lost their check-in.
    assert [status for status, _ in results] == [201] * (AT_OFFICE + AT_OTHER), results
    at_office = sorted(body["queue_number"] for _, body in results if body["office"]["id"] == office_id)
    at_other = sorted(body["queue_number"] for _, body in results if body["office"]["id"] == other_id)
    assert at_office == [f"F{n:03d}" for n in range(1, AT_OFFICE + 1)]
    assert at_other == [f"F{n:03d}" for n in range(1, AT_OTHER + 1)]
    assert visits == AT_OFFICE + AT_OTHER
