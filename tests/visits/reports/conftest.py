import pytest
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, UserFactory
from tests.visits.reports.data import client_for, known_world
from visits.models import StaffRole
from visits.reports.services import usage_rollups_rebuild


@pytest.fixture
def world(db):
    """The hand-computed world of tests.visits.reports.data, with its rollups built."""
    world = known_world()
    usage_rollups_rebuild()
    return world


@pytest.fixture
def admin(world):
    return client_for(UserFactory(username="national-admin", is_superuser=True, is_staff=True))


@pytest.fixture
def manager_of(world):
    """A client for the office manager of ``office`` (optionally holding other roles elsewhere)."""

    def make(office, *, other_roles=()) -> APIClient:
        user = UserFactory(username=f"manager-{office.pk}")
        MembershipFactory(user=user, office=office, role=StaffRole.OFFICE_MANAGER)
        for other_office, role in other_roles:
            MembershipFactory(user=user, office=other_office, role=role)
        return client_for(user)

    return make
