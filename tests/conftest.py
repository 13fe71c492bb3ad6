from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import browser  # noqa: F401  (the browser tests' Chromium)
from tests.factories import AuthorityFactory, MembershipFactory, OfficeFactory, UserFactory
from visits.models import StaffRole


@pytest.fixture
def office(db):
    return OfficeFactory()


@pytest.fixture
def authority(db):
    return AuthorityFactory()


@pytest.fixture
def receptionist(office):
    user = UserFactory(username="reception")
    MembershipFactory(user=user, office=office, role=StaffRole.RECEPTIONIST)
    return user


@pytest.fixture
def officer(office):
    user = UserFactory(username="officer")
    MembershipFactory(user=user, office=office, role=StaffRole.OFFICER)
    return user


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and lockouts live in the cache: no test inherits another's budget."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def pytest_sessionstart(session: pytest.Session) -> None:
    """A run that was killed leaves the SQLite test database's -wal/-shm files behind; next to a fresh
    database file they make every query fail with "disk I/O error". Start from nothing (the main
    process only: xdist workers each own a suffixed file that this glob also clears first)."""
    if hasattr(session.config, "workerinput"):
        return
    test_name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and test_name:
        path = Path(test_name)
        for leftover in path.parent.glob(path.stem + "*" + path.suffix + "*"):
            leftover.unlink(missing_ok=True)


# Tests that start real worker, web or beat processes (markers `worker`, `multiprocess`) share the
# broker CI names in CELERY_BROKER_URL (a BrokerSetup purges its queue) and are the timing-sensitive
# ones: under xdist (`.ci/test` runs `-n 2 --dist loadgroup`) they all go to one worker, one at a time,
# never alongside each other.
REAL_PROCESS_GROUP = "real-processes"


# tryfirst: xdist's worker turns xdist_group marks into the "@group" suffix of the test id in its own
# pytest_collection_modifyitems, which would otherwise run before this one and never see them.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("worker") or item.get_closest_marker("multiprocess"):
            item.add_marker(pytest.mark.xdist_group(REAL_PROCESS_GROUP))


@pytest.fixture
def fake_agencies():
    """Start real HTTP agencies on 127.0.0.1 on demand; all stopped after the test."""
    from tests.interpreters.fake_agency import FakeAgency

    started: list[FakeAgency] = []

    def start(**kwargs) -> FakeAgency:
        agency = FakeAgency(**kwargs).start()
        started.append(agency)
        return agency

    yield start
    for agency in started:
        agency.stop()
