import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from interpreters.models import BookingStatus, InterpreterBooking, Modality
from tests.factories import MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from visits.models import StaffRole, VisitOutcome, VisitStatus


def url(visit) -> str:
    return f"/api/v1/visits/{visit.pk}/outcome/"


@pytest.fixture
def visit(office):
    return VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now())


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_officer_records_outcome_with_201_then_updates_with_200(visit, officer):
    client = client_for(officer)
    first = client.post(url(visit), {"interpreter_used": False, "reason_not_used": "none_available"}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["reason_not_used"] == "none_available"
    assert first.json()["warnings"] == []
    second = client.put(url(visit), {"interpreter_used": True}, format="json")
    assert second.status_code == 200
    assert second.json()["interpreter_used"] is True
    stored = VisitOutcome.objects.get(visit=visit)
    assert stored.interpreter_used is True and stored.reason_not_used == ""
    assert client.get(url(visit)).json()["interpreter_used"] is True


def test_get_without_outcome_is_404(visit, officer):
    assert client_for(officer).get(url(visit)).status_code == 404


def test_child_reason_is_recorded_and_answered_with_a_warning(visit, officer):
    response = client_for(officer).post(
        url(visit), {"interpreter_used": False, "reason_not_used": "child"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["warnings"], "the child reason must come back with a warning"
    assert VisitOutcome.objects.get(visit=visit).reason_not_used == "child"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "interpreter_used"),
        ({"interpreter_used": "perhaps"}, "interpreter_used"),
        ({"interpreter_used": False}, "reason_not_used"),
        ({"interpreter_used": False, "reason_not_used": "bored"}, "reason_not_used"),
        ({"interpreter_used": True, "reason_not_used": "none_available"}, "reason_not_used"),
        ({"interpreter_used": [True]}, "interpreter_used"),
    ],
)
def test_bad_input_is_400_on_its_field_and_writes_nothing(visit, officer, body, field):
    response = client_for(officer).post(url(visit), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert response.json()[field][0]
    assert not VisitOutcome.objects.exists()


def test_malformed_json_is_400(visit, officer):
    response = client_for(officer).generic("POST", url(visit), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert not VisitOutcome.objects.exists()


def test_waiting_visit_is_400(office, officer):
    waiting = VisitFactory(office=office)
    response = client_for(officer).post(url(waiting), {"interpreter_used": True}, format="json")
    assert response.status_code == 400
    assert "visit" in response.json()


def test_not_used_after_a_completed_booking_is_400(visit, officer):
    InterpreterBooking.objects.create(
        visit=visit,
        language="ar",
        modality=Modality.PHONE,
        status=BookingStatus.COMPLETED,
        requested_at=timezone.now(),
    )
    response = client_for(officer).post(
        url(visit), {"interpreter_used": False, "reason_not_used": "solved_without"}, format="json"
    )
    assert response.status_code == 400
    assert "interpreter_used" in response.json()
    assert not VisitOutcome.objects.exists()


def test_receptionist_is_403(visit, receptionist):
    response = client_for(receptionist).post(url(visit), {"interpreter_used": True}, format="json")
    assert response.status_code == 403
    assert not VisitOutcome.objects.exists()


def test_office_manager_may_record(visit, office):
    manager = UserFactory(username="manager")
    MembershipFactory(user=manager, office=office, role=StaffRole.OFFICE_MANAGER)
    assert client_for(manager).post(url(visit), {"interpreter_used": True}, format="json").status_code == 201


def test_superuser_may_record_anywhere(visit):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    assert client_for(admin).post(url(visit), {"interpreter_used": True}, format="json").status_code == 201


def test_officer_of_another_office_gets_404(visit):
    stranger = UserFactory(username="stranger")
    MembershipFactory(user=stranger, office=OfficeFactory(), role=StaffRole.OFFICER)
    client = client_for(stranger)
    assert client.post(url(visit), {"interpreter_used": True}, format="json").status_code == 404
    assert client.get(url(visit)).status_code == 404
    assert not VisitOutcome.objects.exists()


def test_anonymous_is_refused(visit):
    response = APIClient().post(url(visit), {"interpreter_used": True}, format="json")
    assert response.status_code in (401, 403)
    assert not VisitOutcome.objects.exists()


def test_unknown_visit_is_404(db, officer):
    response = client_for(officer).post("/api/v1/visits/999999/outcome/", {"interpreter_used": True}, format="json")
    assert response.status_code == 404
