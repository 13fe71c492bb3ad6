"""Scoping lives in the selectors, so every page, API and export that reads through them is scoped:
a staff member sees the rows of the offices they work at, a national admin all, anonymous none."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from interpreters.models import InterpreterBooking, Modality
from interpreters.selectors import bookings_for_user
from tests.factories import MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from visits.models import StaffRole
from visits.reports.selectors import report_offices_for_user
from visits.selectors import offices_for_user, visits_for_user


@pytest.fixture
def world(db):
    uppsala, kiruna, lund = OfficeFactory(name="Uppsala"), OfficeFactory(name="Kiruna"), OfficeFactory(name="Lund")
    visits = {office.name: VisitFactory(office=office) for office in (uppsala, kiruna, lund)}
    bookings = {
        name: InterpreterBooking.objects.create(
            visit=visit, language="ar", modality=Modality.PHONE, requested_at=timezone.now()
        )
        for name, visit in visits.items()
    }
    user = UserFactory(username="two-offices")
    MembershipFactory(user=user, office=uppsala, role=StaffRole.RECEPTIONIST)
    MembershipFactory(user=user, office=kiruna, role=StaffRole.OFFICE_MANAGER)
    return {"offices": (uppsala, kiruna, lund), "visits": visits, "bookings": bookings, "user": user}


def names(rows, attr):
    return sorted(attr(row) for row in rows)


def test_staff_see_only_the_rows_of_their_own_offices(world):
    user = world["user"]
    assert names(offices_for_user(user), lambda o: o.name) == ["Kiruna", "Uppsala"]
    assert names(visits_for_user(user), lambda v: v.office.name) == ["Kiruna", "Uppsala"]
    assert names(bookings_for_user(user), lambda b: b.visit.office.name) == ["Kiruna", "Uppsala"]


def test_a_role_filter_narrows_the_offices_to_those_where_the_user_has_it(world):
    user = world["user"]
    assert names(offices_for_user(user, roles=[StaffRole.OFFICE_MANAGER]), lambda o: o.name) == ["Kiruna"]
    assert not offices_for_user(user, roles=[StaffRole.OFFICER]).exists()
    uppsala, kiruna, _lund = world["offices"]
    assert report_offices_for_user(user) == frozenset({kiruna.pk})


def test_national_admins_see_every_office_and_anonymous_users_none(world):
    admin = UserFactory(username="riks", is_superuser=True, is_staff=True)
    assert offices_for_user(admin).count() == 3 and visits_for_user(admin).count() == 3
    assert bookings_for_user(admin).count() == 3
    assert report_offices_for_user(admin) is None  # None = all offices
    for nobody in (AnonymousUser(), UserFactory(username="no-membership")):
        assert not offices_for_user(nobody).exists()
        assert not visits_for_user(nobody).exists()
        assert not bookings_for_user(nobody).exists()
