"""Complaints (reklamation): filing, the status flow, the agency's signed answers, auto-accept."""

import datetime as dt
import json
import time

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from interpreters.models import BookingStatus, Complaint, ComplaintStatus
from interpreters.services import agency_callback_signature, complaint_file, complaints_auto_accept
from interpreters.services.complaints import months_before
from tests.factories import MembershipFactory, OfficeFactory, UserFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory
from visits.errors import DomainError
from visits.models import StaffRole

S = BookingStatus
C = ComplaintStatus
SECRET = "s3cret-for-tests"
BODY = {"type": "late_or_absent", "message": "Tolken ringde 25 minuter för sent."}


@pytest.fixture(autouse=True)
def webhook_secret(monkeypatch):
    monkeypatch.setenv("TOLKDESK_AGENCY_TEST_WEBHOOK_SECRET", SECRET)


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def manager(office):
    user = UserFactory(username="chef")
    MembershipFactory(user=user, office=office, role=StaffRole.OFFICE_MANAGER)
    return user


@pytest.fixture
def done(visit, agency):
    return BookingFactory(visit=visit, agency=agency, status=S.COMPLETED, agency_reference="R-1")


def url(booking):
    return f"/api/v1/bookings/{booking.pk}/complaints/"


def test_officer_files_a_complaint_and_sees_it_on_the_booking(officer, done):
    api = client_for(officer)
    response = api.post(url(done), BODY, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["type"], body["agency"]["slug"], body["booking"]) == (
        "filed",
        "late_or_absent",
        "first",
        done.pk,
    )
    assert [c["id"] for c in api.get(url(done)).json()] == [body["id"]]
    assert done.events.filter(detail__kind="complaint_filed").count() == 1


@pytest.mark.parametrize(
    ("status", "confirmed"),
    [(S.REQUESTED, False), (S.PENDING, False), (S.CONFIRMED, True), (S.CANCELLED, True), (S.FAILED, False)],
)
def test_a_booking_that_never_started_cannot_be_complained_about(officer, visit, agency, status, confirmed):
    booking = BookingFactory(
        visit=visit, agency=agency, status=status, confirmed_at=timezone.now() if confirmed else None
    )
    response = client_for(officer).post(url(booking), BODY, format="json")
    assert response.status_code == 400 and "booking" in response.json()
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.NO_SHOW])
def test_a_call_in_progress_or_a_no_show_can_be_complained_about(officer, visit, agency, status):
    booking = BookingFactory(visit=visit, agency=agency, status=status)
    assert client_for(officer).post(url(booking), BODY, format="json").status_code == 201


def test_a_booking_that_failed_after_confirmation_can_be_complained_about(officer, visit, agency):
    booking = BookingFactory(visit=visit, agency=agency, status=S.FAILED, confirmed_at=timezone.now())
    assert client_for(officer).post(url(booking), BODY, format="json").status_code == 201


def test_a_second_open_complaint_is_400_but_after_withdrawing_a_new_one_is_fine(officer, done):
    api = client_for(officer)
    first = api.post(url(done), BODY, format="json").json()
    again = api.post(url(done), {"type": "other", "message": "Igen"}, format="json")
    assert again.status_code == 400 and "booking" in again.json()
    assert Complaint.objects.count() == 1
    assert api.post(f"/api/v1/complaints/{first['id']}/withdraw/", {}, format="json").json()["status"] == "withdrawn"
    assert api.post(url(done), BODY, format="json").status_code == 201


def test_a_receptionist_may_not_file_a_complaint(receptionist, done):
    assert client_for(receptionist).post(url(done), BODY, format="json").status_code == 403
    assert not Complaint.objects.exists()


def test_another_offices_booking_is_404(agency):
    stranger = UserFactory(username="annan")
    MembershipFactory(user=stranger, office=OfficeFactory(), role=StaffRole.OFFICER)
    booking = BookingFactory(agency=agency, status=S.COMPLETED)
    assert client_for(stranger).post(url(booking), BODY, format="json").status_code == 404
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"type": "rude", "message": "x"},
        {"type": "other", "message": ""},
        {"type": "other", "message": "   "},
        {"type": "other", "message": "x" * 2001},
        {"type": "other"},
        {"type": "other", "message": "x", "status": "accepted"},
    ],
)
def test_bad_complaint_input_is_400_and_writes_nothing(officer, done, body):
    response = client_for(officer).post(url(done), body, format="json")
    assert response.status_code == 400, response.content
    assert not Complaint.objects.exists()


def test_the_complaint_list_is_per_office_and_filters_by_status_and_agency(officer, done, visit):
    other_agency = AgencyFactory(slug="other-agency")
    mine = complaint_file(booking=done, by=officer, type="other", message="a")
    second = BookingFactory(visit=visit, agency=other_agency, status=S.COMPLETED)
    theirs = complaint_file(booking=second, by=officer, type="other", message="b")
    Complaint.objects.filter(pk=theirs.pk).update(status=C.DISPUTED)
    complaint_file(booking=BookingFactory(agency=other_agency, status=S.COMPLETED), by=None, type="other", message="c")
    api = client_for(officer)
    assert {c["id"] for c in api.get("/api/v1/complaints/").json()["results"]} == {mine.pk, theirs.pk}
    assert [c["id"] for c in api.get("/api/v1/complaints/?status=filed").json()["results"]] == [mine.pk]
    assert [c["id"] for c in api.get("/api/v1/complaints/?agency=other-agency").json()["results"]] == [theirs.pk]
    assert api.get("/api/v1/complaints/?status=lost").status_code == 400


def test_only_an_office_manager_escalates_and_only_a_disputed_complaint(officer, manager, done):
    complaint = complaint_file(booking=done, by=officer, type="other", message="a")
    path = f"/api/v1/complaints/{complaint.pk}/escalate/"
    early = client_for(manager).post(path, {}, format="json")
    assert early.status_code == 400 and "status" in early.json()
    Complaint.objects.filter(pk=complaint.pk).update(status=C.DISPUTED)
    assert client_for(officer).post(path, {}, format="json").status_code == 403
    response = client_for(manager).post(path, {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "escalated"


def test_withdrawing_a_closed_complaint_is_400_and_changes_nothing(officer, done):
    complaint = complaint_file(booking=done, by=officer, type="other", message="a")
    Complaint.objects.filter(pk=complaint.pk).update(status=C.ACCEPTED)
    response = client_for(officer).post(f"/api/v1/complaints/{complaint.pk}/withdraw/", {}, format="json")
    assert response.status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == C.ACCEPTED


# --- sending to the agency ------------------------------------------------------------------------


def test_the_complaint_is_sent_to_the_http_agency_only_after_commit(
    officer, visit, http_agency, django_capture_on_commit_callbacks
):
    row, server = http_agency("alfa")
    booking = BookingFactory(visit=visit, agency=row, status=S.COMPLETED, agency_reference="FA-9")
    with pytest.raises(RuntimeError), transaction.atomic():
        complaint_file(booking=booking, by=officer, type="other", message="rullas tillbaka")
        raise RuntimeError("roll back")
    assert not Complaint.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_file(booking=booking, by=officer, type="poor_service", message="Otrevlig")
    [arrival] = [a for a in server.arrivals if a.path == "/complaints"]
    assert arrival.body["complaint_id"] == complaint.pk and arrival.body["reference"] == "FA-9"
    assert arrival.idempotency_key == str(booking.idempotency_key)
    complaint.refresh_from_db()
    assert complaint.sent_at is not None


# --- the agency's answers ------------------------------------------------------------------------------


def post_callback(client, agency, payload):
    body = json.dumps(payload).encode()
    ts = str(int(time.time()))
    sig = agency_callback_signature(secret=SECRET.encode(), timestamp=ts, body=body)
    return client.post(
        reverse("api-agency-callback", args=[agency.slug]),
        data=body,
        content_type="application/json",
        HTTP_X_TOLKDESK_TIMESTAMP=ts,
        HTTP_X_TOLKDESK_SIGNATURE=f"sha256={sig}",
    )


@pytest.fixture
def filed(http_agency, visit, officer):
    row, _server = http_agency("alfa")
    booking = BookingFactory(visit=visit, agency=row, status=S.COMPLETED, agency_reference="FA-1")
    return row, complaint_file(booking=booking, by=officer, type="late_or_absent", message="Sen")


def answer(complaint, event_type, event_id="ans-1", answer=""):
    return {
        "event_id": event_id,
        "type": event_type,
        "booking_id": str(complaint.booking.idempotency_key),
        "complaint_id": complaint.pk,
        "answer": answer,
    }


def test_the_agency_accepts_a_complaint_by_signed_callback(client, filed):
    row, complaint = filed
    response = post_callback(client, row, answer(complaint, "complaint_accepted"))
    assert response.status_code == 200, response.content
    complaint.refresh_from_db()
    assert complaint.status == C.ACCEPTED and complaint.answered_at and complaint.closed_at


def test_the_agency_disputes_with_an_answer_and_then_cannot_answer_again(client, filed):
    row, complaint = filed
    disputed = post_callback(client, row, answer(complaint, "complaint_disputed", answer="Tolken var i tid."))
    assert disputed.status_code == 200
    complaint.refresh_from_db()
    assert (complaint.status, complaint.agency_answer) == (C.DISPUTED, "Tolken var i tid.")
    again = post_callback(client, row, answer(complaint, "complaint_accepted", event_id="ans-2"))
    assert again.status_code == 409
    complaint.refresh_from_db()
    assert complaint.status == C.DISPUTED
    assert not row.callbacks.filter(event_id="ans-2").exists()


def test_a_dispute_without_an_answer_is_refused(client, filed):
    row, complaint = filed
    assert post_callback(client, row, answer(complaint, "complaint_disputed")).status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == C.FILED and not row.callbacks.exists()


def test_another_agency_cannot_answer_the_complaint(client, filed, http_agency):
    _row, complaint = filed
    intruder, _server = http_agency("beta")
    response = post_callback(client, intruder, answer(complaint, "complaint_accepted"))
    assert response.status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == C.FILED and complaint.answered_at is None
    assert not intruder.callbacks.exists()


def test_an_answer_naming_a_complaint_of_another_booking_is_refused(client, filed, visit):
    row, complaint = filed
    other = BookingFactory(visit=visit, agency=row, status=S.COMPLETED)
    payload = {**answer(complaint, "complaint_accepted"), "booking_id": str(other.idempotency_key)}
    assert post_callback(client, row, payload).status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == C.FILED


# --- auto-accept -------------------------------------------------------------------------------------


def test_complaints_without_an_answer_for_three_months_are_accepted_automatically(officer, done):
    filed_at = dt.datetime(2026, 5, 15, 12, 0, tzinfo=dt.UTC)
    complaint = complaint_file(booking=done, by=officer, type="other", message="a", now=filed_at)
    assert complaints_auto_accept(now=dt.datetime(2026, 8, 15, 11, 59, tzinfo=dt.UTC)) == 0
    complaint.refresh_from_db()
    assert complaint.status == C.FILED
    assert complaints_auto_accept(now=dt.datetime(2026, 8, 15, 12, 0, tzinfo=dt.UTC)) == 1
    complaint.refresh_from_db()
    assert complaint.status == C.ACCEPTED and complaint.auto_accepted


def test_an_answered_complaint_is_not_auto_accepted(officer, done):
    complaint = complaint_file(booking=done, by=officer, type="other", message="a")
    Complaint.objects.filter(pk=complaint.pk).update(status=C.DISPUTED)
    assert complaints_auto_accept(now=complaint.filed_at + dt.timedelta(days=400)) == 0


def test_months_before_keeps_the_day_where_the_month_has_it():
    at = dt.datetime(2026, 5, 31, 12, 0, tzinfo=dt.UTC)
    assert months_before(at, 3) == dt.datetime(2026, 2, 28, 12, 0, tzinfo=dt.UTC)
    assert months_before(at, 5) == dt.datetime(2025, 12, 31, 12, 0, tzinfo=dt.UTC)


def test_the_auto_accept_task_is_scheduled(settings):
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "interpreters.complaints_auto_accept" in entries


def test_filing_refuses_bad_type_on_its_field(officer, done):
    with pytest.raises(DomainError) as exc:
        complaint_file(booking=done, by=officer, type="rude", message="x")
    assert exc.value.field == "type"
    assert not Complaint.objects.exists()


def test_filing_writes_the_send_into_the_outbox_and_the_relay_delivers_it_to_the_fake_agency(
    officer, visit, http_agency, django_capture_on_commit_callbacks
):
    from config.outbox.models import OutboxMessage

    row, server = http_agency("alfa")
    booking = BookingFactory(visit=visit, agency=row, status=S.NO_SHOW, agency_reference="FA-3")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        complaint = complaint_file(booking=booking, by=officer, type="late_or_absent", message="Kom aldrig")
        # In the business transaction: a row in the outbox, nothing sent yet.
        [message] = OutboxMessage.objects.filter(task="interpreters.complaint_send")
        assert message.args == [complaint.pk]
        assert not [a for a in server.arrivals if a.path == "/complaints"]
    [arrival] = [a for a in server.arrivals if a.path == "/complaints"]
    assert (arrival.body["complaint_id"], arrival.body["type"]) == (complaint.pk, "late_or_absent")
    assert not OutboxMessage.objects.filter(task="interpreters.complaint_send").exists()
    complaint.refresh_from_db()
    assert complaint.sent_at is not None
