"""The security layer on the real API: kiosk tokens on check-in/languages/queue, and the read log
on the visit detail endpoint."""

import pytest
from auditlog.models import LogEntry
from rest_framework.test import APIClient

from tests.factories import (
    AuthorityFactory,
    LanguageFactory,
    LanguageNeedFactory,
    MembershipFactory,
    OfficeFactory,
    UserFactory,
    VisitFactory,
    kiosk_token_with_key,
)
from visits.models import StaffRole, Visit


@pytest.fixture
def offices(db):
    return OfficeFactory(name="Södertälje"), OfficeFactory(name="Luleå")


@pytest.fixture
def kiosk(offices):
    _token, key = kiosk_token_with_key(offices[0])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def check_in_body(office):
    return {
        "office": office.pk,
        "authority": AuthorityFactory().code,
        "language_need": {"language": "ti", "interpreter_wanted": "yes", "identified_by": "pointed_at_card"},
    }


def test_a_kiosk_checks_in_at_its_office_with_no_staff_user(kiosk, offices):
    response = kiosk.post("/api/v1/visits/", check_in_body(offices[0]), format="json")
    assert response.status_code == 201, response.content
    visit = Visit.objects.get(pk=response.data["id"])
    assert visit.office == offices[0] and visit.checked_in_by is None
    assert visit.language_need.language == "ti"


def test_a_kiosk_cannot_check_in_at_another_office_and_nothing_is_written(kiosk, offices):
    response = kiosk.post("/api/v1/visits/", check_in_body(offices[1]), format="json")
    assert response.status_code == 403
    assert not Visit.objects.exists()


def test_a_kiosk_reads_languages_and_its_own_queue_without_personal_data(kiosk, offices):
    LanguageFactory(code="so")
    visit = VisitFactory(office=offices[0], visitor_name="Hodan Ali", visitor_phone="+46701231234")
    LanguageNeedFactory(visit=visit, language="so")
    VisitFactory(office=offices[1])
    assert kiosk.get("/api/v1/languages/").status_code == 200

    queue = kiosk.get("/api/v1/queue/")
    assert queue.status_code == 200
    assert queue.data == {
        "office": offices[0].pk,
        "entries": [
            {
                "queue_number": visit.queue_number,
                "status": "waiting",
                "checked_in_at": queue.data["entries"][0]["checked_in_at"],
                "language": "so",
            }
        ],
    }
    assert "Hodan" not in queue.content.decode()
    assert kiosk.get(f"/api/v1/queue/?office={offices[1].pk}").status_code == 404
    assert kiosk.get("/api/v1/queue/?office=abc").status_code == 400


def test_a_kiosk_can_read_no_visit_and_change_nothing(kiosk, offices):
    visit = VisitFactory(office=offices[0])
    assert kiosk.get("/api/v1/visits/").status_code == 403
    assert kiosk.get(f"/api/v1/visits/{visit.pk}/").status_code == 403
    assert kiosk.patch(f"/api/v1/visits/{visit.pk}/", {"status": "in_service"}, format="json").status_code == 403
    assert kiosk.get("/api/v1/offices/").status_code == 403


def test_reading_a_visit_through_the_api_is_logged_without_the_values(offices):
    office = offices[0]
    user = UserFactory(username="handlaggare")
    MembershipFactory(user=user, office=office, role=StaffRole.OFFICER)
    visit = VisitFactory(office=office, visitor_name="Hemlig Person")
    client = APIClient()
    client.force_login(user)

    assert client.get(f"/api/v1/visits/{visit.pk}/").status_code == 200
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert (entry.actor, entry.object_id) == (user, visit.pk)
    assert entry.additional_data["via"] == "api:visit-detail"
    assert entry.additional_data["office_id"] == office.pk
    assert entry.remote_addr == "127.0.0.1"
    assert "Hemlig" not in str(entry.changes) + str(entry.additional_data)

    # A refused read (another office) is not a read.
    other_visit = VisitFactory(office=offices[1])
    assert client.get(f"/api/v1/visits/{other_visit.pk}/").status_code == 404
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == 1
