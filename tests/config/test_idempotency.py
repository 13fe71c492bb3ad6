"""Write-once requests: the one-time form token on the pages and `Idempotency-Key` on API POSTs."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from config.idempotency.models import IdempotencyRecord
from config.idempotency.services import idempotency_records_purge
from tests.factories import LanguageFactory, MembershipFactory, UserFactory, VisitFactory
from visits.models import StaffRole, Visit, VisitOutcome, VisitStatus

VISITS = "/api/v1/visits/"
TOKEN = "tok-" + "a" * 28


@pytest.fixture
def reception_api(receptionist):
    client = APIClient()
    client.force_login(receptionist)
    return client


def check_in_api(client, office, authority, key="key-1", **extra):
    body = {"office": office.pk, "authority": authority.code, **extra}
    return client.post(VISITS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


# --- API: Idempotency-Key -----------------------------------------------------------------------


def test_the_same_key_and_body_replays_the_first_answer_and_writes_once(reception_api, office, authority):
    first = check_in_api(reception_api, office, authority)
    again = check_in_api(reception_api, office, authority)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Visit.objects.count() == 1


def test_the_same_key_with_another_body_is_422_and_writes_nothing(reception_api, office, authority):
    check_in_api(reception_api, office, authority)
    response = check_in_api(reception_api, office, authority, visitor_name="Someone else")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert Visit.objects.count() == 1


def test_keys_are_scoped_per_user(reception_api, office, authority):
    other = UserFactory(username="reception2")
    MembershipFactory(user=other, office=office, role=StaffRole.RECEPTIONIST)
    other_api = APIClient()
    other_api.force_login(other)
    check_in_api(reception_api, office, authority)
    response = check_in_api(other_api, office, authority)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Visit.objects.count() == 2


def test_keys_are_scoped_per_path(officer, office, authority):
    api = APIClient()
    api.force_login(officer)
    check_in_api(api, office, authority)
    served = VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now(), queue_number="Z999")
    response = api.post(
        f"{VISITS}{served.pk}/outcome/",
        {"interpreter_used": False, "reason_not_used": "solved_without"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    assert response.status_code in (200, 201) and "Idempotent-Replayed" not in response
    assert VisitOutcome.objects.filter(visit=served).exists()


def test_without_the_header_every_post_writes(reception_api, office, authority):
    body = {"office": office.pk, "authority": authority.code}
    reception_api.post(VISITS, body, format="json")
    reception_api.post(VISITS, body, format="json")
    assert Visit.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "nyckel-å", "tab\there"])
def test_a_malformed_key_is_a_400_on_the_header_and_writes_nothing(reception_api, office, authority, key):
    response = check_in_api(reception_api, office, authority, key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Visit.objects.exists()


def test_a_refused_request_is_not_kept_so_the_corrected_retry_writes(reception_api, office, authority):
    refused = reception_api.post(
        VISITS, {"office": office.pk, "authority": "nope"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert refused.status_code == 400 and not IdempotencyRecord.objects.exists()
    # Another body under the same key is fine: nothing was recorded for the refused one.
    assert check_in_api(reception_api, office, authority, key="k").status_code == 201


def test_records_older_than_24_hours_are_purged(reception_api, office, authority):
    check_in_api(reception_api, office, authority, key="old")
    check_in_api(reception_api, office, authority, key="new")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert idempotency_records_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


# --- Pages: one-time form token -----------------------------------------------------------------


@pytest.fixture
def desk(client, office, authority, receptionist):
    LanguageFactory(code="ar")
    client.force_login(receptionist)
    return client


def check_in_form(client, office, authority, **extra):
    data = {
        "office": office.pk,
        "authority": authority.pk,
        "language": "ar",
        "interpreter_wanted": "yes",
        "identified_by": "visitor_said",
        "form_token": TOKEN,
        **extra,
    }
    return client.post(reverse("visits:check-in"), data, follow=True)


def test_the_check_in_page_carries_a_fresh_one_time_token(desk):
    first = desk.get(reverse("visits:check-in")).content.decode()
    second = desk.get(reverse("visits:check-in")).content.decode()
    assert 'name="form_token"' in first

    def token(body):
        return body.split('name="form_token" value="')[1].split('"')[0]

    assert token(first) != token(second)


def test_resubmitting_a_check_in_form_writes_one_visit_and_shows_the_first_result(desk, office, authority):
    first = check_in_form(desk, office, authority)
    again = check_in_form(desk, office, authority)
    visit = Visit.objects.get()
    for response in (first, again):
        assert response.redirect_chain[-1][1] == 302
        shown = [str(m) for m in response.context["messages"]]
        assert any(visit.queue_number in text for text in shown)


def test_a_check_in_form_token_costs_two_statements(desk, office, authority):
    with CaptureQueriesContext(connection) as captured:
        desk.post(
            reverse("visits:check-in"),
            {"office": office.pk, "authority": authority.pk, "language": "", "form_token": TOKEN},
        )
    assert Visit.objects.count() == 1
    mine = [q["sql"] for q in captured.captured_queries if "idempotency" in q["sql"].lower()]
    assert len(mine) == 2, mine


def test_a_check_in_without_a_token_is_still_accepted(desk, office, authority):
    check_in_form(desk, office, authority, form_token="")
    check_in_form(desk, office, authority, form_token="")
    assert Visit.objects.count() == 2


def test_a_refused_check_in_keeps_no_token_so_the_corrected_form_goes_through(desk, office, authority):
    refused = check_in_form(desk, office, authority, interpreter_wanted="")
    assert refused.status_code == 400 and not Visit.objects.exists()
    check_in_form(desk, office, authority)
    assert Visit.objects.count() == 1


# --- API: Idempotency-Key in the OpenAPI schema -------------------------------------------------


def test_every_api_post_documents_the_idempotency_key_header_and_its_answers(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    posts = {path: ops["post"] for path, ops in schema["paths"].items() if path.startswith("/api/") and "post" in ops}
    # The check-in, the booking create and cancel, complaints, kiosk tokens...: not one or two.
    assert {"/api/v1/visits/", "/api/v1/bookings/"} <= set(posts) and len(posts) >= 8
    missing = []
    for path, post in posts.items():
        headers = [p for p in post.get("parameters", []) if p["in"] == "header" and p["name"] == "Idempotency-Key"]
        if len(headers) != 1 or headers[0]["required"] or headers[0]["schema"]["maxLength"] != 255:
            missing.append(path)
        elif not {"400", "422"} <= set(post["responses"]):
            missing.append(f"{path} (400/422 answers)")
    assert missing == []
    # Reads take no such header: the hook documents writes only.
    assert all(p["name"] != "Idempotency-Key" for p in schema["paths"]["/api/v1/visits/"]["get"].get("parameters", []))


def test_a_key_that_is_not_visible_ascii_answers_400_as_documented(reception_api, office, authority):
    response = check_in_api(reception_api, office, authority, key="x" * 256)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert Visit.objects.count() == 0
