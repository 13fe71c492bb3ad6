"""Officer hours per office and day: the service, the API, the manager's week grid."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, OfficeFactory, UserFactory
from visits.errors import DomainError
from visits.models import StaffingDay, StaffRole
from visits.services import staffing_day_set, staffing_week_set

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 5)


@pytest.fixture
def manager(office):
    user = UserFactory(username="manager")
    MembershipFactory(user=user, office=office, role=StaffRole.OFFICE_MANAGER)
    return user


@pytest.fixture
def manager_api(manager):
    client = APIClient()
    client.force_login(manager)
    return client


def url(office_id, day="2026-10-05"):
    return f"/api/v1/offices/{office_id}/staffing/{day}/"


def test_setting_a_day_twice_updates_the_one_row(office, manager):
    row, created = staffing_day_set(office=office, day=DAY, officer_hours="7,5", by=manager)
    assert created and row.officer_hours == Decimal("7.5")
    row, created = staffing_day_set(office=office, day=DAY, officer_hours=Decimal("15"), by=manager)
    assert not created
    assert list(StaffingDay.objects.values_list("officer_hours", flat=True)) == [Decimal("15.00")]


@pytest.mark.parametrize(
    ("hours", "code"),
    [("-1", "negative"), ("200.01", "too_many"), ("1e9", "too_many"), ("NaN", "invalid"), ("x", "invalid")],
)
def test_bad_hours_are_refused_on_the_field_and_write_nothing(office, manager, hours, code):
    with pytest.raises(DomainError) as err:
        staffing_day_set(office=office, day=DAY, officer_hours=hours, by=manager)
    assert (err.value.field, err.value.code) == ("officer_hours", code)
    assert not StaffingDay.objects.exists()


def test_a_week_with_one_bad_cell_writes_nothing(office, manager):
    with pytest.raises(DomainError) as err:
        staffing_week_set(office=office, hours_by_day={DAY: "8", date(2026, 10, 6): "-3"}, by=manager)
    assert err.value.field == "2026-10-06"
    assert not StaffingDay.objects.exists()


def test_a_blank_cell_removes_that_days_hours(office, manager):
    staffing_day_set(office=office, day=DAY, officer_hours="8", by=manager)
    assert staffing_week_set(office=office, hours_by_day={DAY: ""}, by=manager) == 1
    assert not StaffingDay.objects.exists()


# --- API ------------------------------------------------------------------------------------------


def test_put_creates_201_then_updates_200_and_delete_is_204_then_404(office, manager_api):
    first = manager_api.put(url(office.pk), {"officer_hours": 7.5}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["officer_hours"] == 7.5
    second = manager_api.put(url(office.pk), {"officer_hours": 22.5}, format="json")
    assert second.status_code == 200
    assert StaffingDay.objects.get().officer_hours == Decimal("22.5")
    assert manager_api.get(url(office.pk)).json()["officer_hours"] == 22.5
    assert manager_api.delete(url(office.pk)).status_code == 204
    assert manager_api.delete(url(office.pk)).status_code == 404
    assert not StaffingDay.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{"officer_hours": -1}, {"officer_hours": 250}, {"officer_hours": "many"}, {}, {"officer_hours": 8, "x": 1}],
)
def test_bad_bodies_are_400_on_the_field_and_write_nothing(office, manager_api, body):
    response = manager_api.put(url(office.pk), body, format="json")
    assert response.status_code == 400
    assert set(response.json()) <= {"officer_hours", "x"}
    assert not StaffingDay.objects.exists()


def test_a_bad_date_in_the_path_is_400(office, manager_api):
    response = manager_api.put(url(office.pk, "2026-13-40"), {"officer_hours": 8}, format="json")
    assert response.status_code == 400
    assert "date" in response.json()


def test_another_offices_staffing_is_404_for_a_manager(manager_api):
    other = OfficeFactory()
    assert manager_api.put(url(other.pk), {"officer_hours": 8}, format="json").status_code == 404
    assert not StaffingDay.objects.exists()


def test_roles_without_the_staffing_right_get_403_at_their_own_office(office, officer_api, reception_api):
    for client in (officer_api, reception_api):
        assert client.put(url(office.pk), {"officer_hours": 8}, format="json").status_code == 403
    assert not StaffingDay.objects.exists()


def test_a_national_admin_may_set_any_office(office, admin_api):
    assert admin_api.put(url(office.pk), {"officer_hours": 8}, format="json").status_code == 201


def test_the_list_returns_the_range_in_date_order(office, manager, manager_api):
    for day, hours in ((date(2026, 10, 7), "3"), (DAY, "8"), (date(2026, 9, 1), "1")):
        staffing_day_set(office=office, day=day, officer_hours=hours, by=manager)
    rows = manager_api.get(f"/api/v1/offices/{office.pk}/staffing/?since=2026-10-01&until=2026-10-31").json()
    assert [(row["date"], row["officer_hours"]) for row in rows] == [("2026-10-05", 8.0), ("2026-10-07", 3.0)]
    bad = manager_api.get(f"/api/v1/offices/{office.pk}/staffing/?since=2026-10-31&until=2026-10-01")
    assert bad.status_code == 400


# --- Week grid page ----------------------------------------------------------------------------


def test_a_manager_saves_a_week_and_is_redirected_to_it(client, office, manager):
    client.force_login(manager)
    page = reverse("visits:staffing")
    response = client.post(
        page, {"office": office.pk, "week": "2026-W41", "hours-2026-10-05": "7,5", "hours-2026-10-06": "16"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?office={office.pk}&week=2026-W41")
    assert dict(StaffingDay.objects.values_list("date", "officer_hours")) == {
        date(2026, 10, 5): Decimal("7.5"),
        date(2026, 10, 6): Decimal("16"),
    }
    shown = client.get(response["Location"])
    assert 'value="7.5"' in shown.content.decode()


def test_a_bad_cell_keeps_what_was_typed_and_saves_nothing(client, office, manager):
    client.force_login(manager)
    response = client.post(
        reverse("visits:staffing"),
        {"office": office.pk, "week": "2026-W41", "hours-2026-10-05": "8", "hours-2026-10-06": "900"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="900"' in body and 'aria-invalid="true"' in body
    assert not StaffingDay.objects.exists()


def test_officers_cannot_open_the_week_grid_and_other_offices_are_404(client, office, officer, manager):
    client.force_login(officer)
    assert client.get(reverse("visits:staffing")).status_code == 403
    client.force_login(manager)
    assert client.get(reverse("visits:staffing"), {"office": OfficeFactory().pk}).status_code == 404
    assert client.get(reverse("visits:staffing"), {"week": "nonsense"}).status_code == 404


def test_a_bad_date_is_400_on_every_method(office, manager_api):
    for method in ("get", "delete"):
        response = getattr(manager_api, method)(url(office.pk, "not-a-date"))
        assert response.status_code == 400 and "date" in response.json()


def test_a_stale_tab_does_not_overwrite_hours_saved_meanwhile(client, office, manager):
    """Two tabs on the same week: the first saves 8 for Monday; the second, opened before that,
    would save 6. It is refused with what is saved now, nothing is written, and its next save
    (the page now carries the new value) goes through."""
    client.force_login(manager)
    page = reverse("visits:staffing")
    opened = client.get(page, {"office": office.pk, "week": "2026-W41"}).content.decode()
    assert 'name="was-2026-10-05" value=""' in opened
    first = client.post(page, {"office": office.pk, "week": "2026-W41", "was-2026-10-05": "", "hours-2026-10-05": "8"})
    assert first.status_code == 302
    stale = {"office": office.pk, "week": "2026-W41", "was-2026-10-05": "", "hours-2026-10-05": "6"}
    second = client.post(page, stale)
    assert second.status_code == 400
    body = second.content.decode()
    assert "efter att du öppnade sidan" in body and "8" in body and 'value="6"' in body
    assert 'name="was-2026-10-05" value="8"' in body  # the re-shown form knows what is saved now
    assert StaffingDay.objects.get(date=date(2026, 10, 5)).officer_hours == Decimal("8")
    again = client.post(page, {**stale, "was-2026-10-05": "8"})
    assert again.status_code == 302
    assert StaffingDay.objects.get(date=date(2026, 10, 5)).officer_hours == Decimal("6")


def test_the_same_answer_from_a_stale_tab_is_no_conflict(office, manager):
    staffing_week_set(office=office, hours_by_day={DAY: "8"}, by=manager)
    assert staffing_week_set(office=office, hours_by_day={DAY: "8"}, by=manager, expected={DAY: ""}) == 0
    with pytest.raises(DomainError) as err:
        staffing_week_set(office=office, hours_by_day={DAY: ""}, by=manager, expected={DAY: "7,5"})
    assert err.value.field == DAY.isoformat() and err.value.code == "changed_meanwhile"
    assert StaffingDay.objects.get(date=DAY).officer_hours == Decimal("8")
