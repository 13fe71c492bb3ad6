"""The agency webhook: HMAC over timestamp+body, timestamp window, replay/duplicate handling."""

import json
import time

import pytest
from django.urls import reverse

from interpreters.models import AgencyCallback, BookingEvent, BookingStatus
from interpreters.services import agency_callback_signature, booking_price
from tests.interpreters.factories import BookingFactory, seed_price_lists

S = BookingStatus
SECRET = "s3cret-for-tests"


@pytest.fixture(autouse=True)
def webhook_secret(monkeypatch):
    monkeypatch.setenv("TOLKDESK_AGENCY_TEST_WEBHOOK_SECRET", SECRET)


@pytest.fixture
def booked(http_agency, visit):
    row, _server = http_agency("alfa")
    booking = BookingFactory(
        visit=visit, agency=row, status=S.PENDING, agency_reference="FA-1", modality="phone", urgent=True
    )
    return row, booking


def post(client, agency, payload, *, secret=SECRET, timestamp=None, signature=None, raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = (
        signature
        if signature is not None
        else agency_callback_signature(secret=secret.encode(), timestamp=ts, body=body)
    )
    return client.post(
        reverse("api-agency-callback", args=[agency.slug]),
        data=body,
        content_type="application/json",
        HTTP_X_TOLKDESK_TIMESTAMP=ts,
        HTTP_X_TOLKDESK_SIGNATURE=f"sha256={sig}",
    )


def confirmed(booking, event_id="ev-1"):
    return {
        "event_id": event_id,
        "type": "confirmed",
        "booking_id": str(booking.idempotency_key),
        "reference": "FA-1",
        "interpreter": {"name": "Nour A.", "gender": "female", "competence": "auktoriserad"},
        "connection": {"phone": "+46101234567"},
    }


def assert_nothing_written(booking):
    booking.refresh_from_db()
    assert booking.status == S.PENDING
    assert not AgencyCallback.objects.exists() and not BookingEvent.objects.exists()


def test_confirmed_started_ended_walk_the_booking_to_completed_with_cost(client, booked):
    agency, booking = booked
    seed_price_lists()
    assert post(client, agency, confirmed(booking)).json() == {
        "duplicate": False,
        "changed": True,
        "status": "confirmed",
    }
    booking.refresh_from_db()
    assert str(booking.connection_phone) == "+46101234567" and booking.interpreter_name == "Nour A."
    base = {"booking_id": str(booking.idempotency_key)}
    assert post(client, agency, {**base, "event_id": "ev-2", "type": "started"}).status_code == 200
    response = post(client, agency, {**base, "event_id": "ev-3", "type": "ended", "minutes": 20})
    assert response.json()["status"] == "completed"
    booking.refresh_from_db()
    assert booking.minutes_used == 20
    # Priced by the pricing module on the on-demand list (asked for now), at the actual start time.
    price = booking_price(booking=booking, minutes=20)
    assert price is not None and booking.cost_ore == price.total_ore > 0
    assert [e.source for e in booking.events.all()] == [f"agency:{agency.slug}"] * 3


def test_the_same_callback_twice_is_a_200_no_op(client, booked):
    agency, booking = booked
    assert post(client, agency, confirmed(booking)).status_code == 200
    events = BookingEvent.objects.count()
    again = post(client, agency, confirmed(booking))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert BookingEvent.objects.count() == events and AgencyCallback.objects.count() == 1


def test_an_event_for_a_status_already_passed_is_accepted_and_ignored(client, booked):
    agency, booking = booked
    post(client, agency, confirmed(booking))
    response = post(client, agency, confirmed(booking, event_id="ev-resent-with-new-id"))
    assert response.status_code == 200 and response.json()["changed"] is False


def test_ended_without_started_passes_through_in_progress(client, booked):
    agency, booking = booked
    post(client, agency, confirmed(booking))
    post(client, agency, {"event_id": "e9", "type": "ended", "minutes": 12, "booking_id": str(booking.idempotency_key)})
    booking.refresh_from_db()
    assert [e.to_status for e in booking.events.all()] == [S.CONFIRMED, S.IN_PROGRESS, S.COMPLETED]


@pytest.mark.parametrize(
    "tamper",
    [
        {"signature": "0" * 64},
        {"secret": "wrong-secret"},
        {"timestamp": int(time.time()) - 3600},  # outside the window: a captured request replayed later
        {"timestamp": int(time.time()) + 3600},
        {"timestamp": "yesterday"},
        # Malformed headers are refused too, never a 500:
        {"signature": "é" * 64},  # non-ASCII: hmac.compare_digest would raise TypeError
        {"signature": "\udcff"},
        {"timestamp": "1" + "0" * 400},  # too big for a float
        {"timestamp": " 1700000000"},
        {"timestamp": "+1700000000"},
        {"timestamp": ""},
    ],
)
def test_bad_signature_or_timestamp_is_401_and_writes_nothing(client, booked, tamper):
    agency, booking = booked
    response = post(client, agency, confirmed(booking), **tamper)
    assert response.status_code == 401
    assert_nothing_written(booking)


def test_a_body_changed_after_signing_is_refused(client, booked):
    agency, booking = booked
    body = json.dumps(confirmed(booking)).encode()
    ts = str(int(time.time()))
    sig = agency_callback_signature(secret=SECRET.encode(), timestamp=ts, body=body)
    response = post(client, agency, None, raw=body.replace(b"Nour", b"Evil"), timestamp=ts, signature=sig)
    assert response.status_code == 401


def test_agency_without_a_configured_secret_cannot_call_back(client, booked, monkeypatch):
    agency, booking = booked
    monkeypatch.delenv("TOLKDESK_AGENCY_TEST_WEBHOOK_SECRET")
    assert post(client, agency, confirmed(booking)).status_code == 401


def test_an_unknown_agency_is_answered_exactly_like_a_bad_signature(client, booked, monkeypatch):
    # Issue 14, item 13: the answer must not tell which agency slugs exist.
    agency, booking = booked
    unknown = client.post("/api/v1/agency-callbacks/nobody/", data=b"{}", content_type="application/json")
    bad_signature = post(client, agency, confirmed(booking), signature="0" * 64)
    monkeypatch.delenv("TOLKDESK_AGENCY_TEST_WEBHOOK_SECRET")
    no_secret = post(client, agency, confirmed(booking))
    assert unknown.status_code == bad_signature.status_code == no_secret.status_code == 401
    assert unknown.json() == bad_signature.json() == no_secret.json()


@pytest.mark.parametrize(
    "payload",
    [
        {"event_id": "x", "type": "teleported"},
        {"event_id": "x", "type": "ended"},  # no minutes
        {"type": "confirmed"},  # no event id
        [1, 2, 3],
    ],
)
def test_malformed_callbacks_are_400_and_write_nothing(client, booked, payload):
    agency, booking = booked
    if isinstance(payload, dict):
        payload = {"booking_id": str(booking.idempotency_key), **payload}
    assert post(client, agency, payload).status_code == 400
    assert not AgencyCallback.objects.exists()


def test_callback_for_another_agencys_booking_is_refused(client, booked, http_agency):
    _agency, booking = booked
    other, _server = http_agency("beta")
    assert post(client, other, confirmed(booking)).status_code == 400
    assert not AgencyCallback.objects.exists()


def test_a_callback_contradicting_the_booking_is_409_and_writes_nothing(client, booked):
    agency, booking = booked
    from interpreters.services import booking_cancel

    booking_cancel(booking=booking, by=None)
    response = post(client, agency, {"event_id": "late", "type": "started", "booking_id": str(booking.idempotency_key)})
    assert response.status_code == 409
    assert not AgencyCallback.objects.exists()
    booking.refresh_from_db()
    assert booking.status == S.CANCELLED


@pytest.mark.parametrize(
    ("event_type", "status", "stamp"),
    [("no_show", S.NO_SHOW, "ended_at"), ("cancelled", S.CANCELLED, "cancelled_at")],
)
def test_agency_reports_a_no_show_or_its_own_cancellation(client, booked, event_type, status, stamp):
    agency, booking = booked
    assert post(client, agency, confirmed(booking)).status_code == 200
    key = str(booking.idempotency_key)
    response = post(client, agency, {"event_id": "ev-2", "type": event_type, "booking_id": key})
    assert response.status_code == 200 and response.json()["status"] == status
    booking.refresh_from_db()
    assert booking.status == status and getattr(booking, stamp) is not None
    last = booking.events.last()
    assert (last.from_status, last.to_status, last.source) == (S.CONFIRMED, status, f"agency:{agency.slug}")
    # Nothing follows a terminal status: a late "started" is a 409 that writes nothing.
    late = post(client, agency, {"event_id": "ev-3", "type": "started", "booking_id": key})
    assert late.status_code == 409
    assert booking.events.count() == 2 and AgencyCallback.objects.count() == 2


def test_a_replayed_callback_inside_the_window_changes_nothing_and_one_outside_it_is_refused(client, booked):
    agency, booking = booked
    body = json.dumps(confirmed(booking)).encode()
    ts = int(time.time())
    sig = agency_callback_signature(secret=SECRET.encode(), timestamp=str(ts), body=body)
    assert post(client, agency, None, raw=body, timestamp=ts, signature=sig).status_code == 200
    booking.refresh_from_db()
    after_first = (booking.status, BookingEvent.objects.count(), AgencyCallback.objects.count())

    # The very same signed request again: accepted as a duplicate, writes nothing.
    replay = post(client, agency, None, raw=body, timestamp=ts, signature=sig)
    assert replay.status_code == 200 and replay.json() == {"duplicate": True, "changed": False, "status": "confirmed"}
    booking.refresh_from_db()
    assert (booking.status, BookingEvent.objects.count(), AgencyCallback.objects.count()) == after_first

    # Captured and replayed later, with its original (valid) signature: refused by the window.
    from django.test import override_settings

    with override_settings(AGENCY_WEBHOOK_TOLERANCE_SECONDS=0):
        time.sleep(1.1)
        assert post(client, agency, None, raw=body, timestamp=ts, signature=sig).status_code == 401


@pytest.mark.parametrize(
    "extra",
    [
        '"interpreter": {"name": "Nour\\u0000A."}',  # PostgreSQL's jsonb refuses \u0000
        '"note\\u0000": 1',
        '"x": "\\ud800"',  # an unpaired surrogate cannot be encoded
    ],
)
def test_a_signed_callback_with_unstorable_characters_is_400_and_writes_nothing(client, booked, extra):
    agency, booking = booked
    body = f'{{"event_id": "ev-nul", "type": "confirmed", "booking_id": "{booking.idempotency_key}", {extra}}}'.encode()
    response = post(client, agency, None, raw=body)
    assert response.status_code == 400
    assert_nothing_written(booking)


def test_a_signed_callback_nested_too_deep_to_parse_is_400(client, booked):
    agency, _booking = booked
    response = post(client, agency, None, raw=b"[" * 50_000 + b"]" * 50_000)
    assert response.status_code == 400


# --- Budget: signature first, then per agency ----------------------------------------------------


@pytest.fixture
def tight_callback_rates(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**SimpleRateThrottle.THROTTLE_RATES, "anon": "60/min", "agency_callback": "3/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def test_sixty_badly_signed_requests_do_not_block_the_agencys_genuine_callback(client, booked, tight_callback_rates):
    agency, booking = booked
    for _ in range(61):
        assert post(client, agency, confirmed(booking), signature="0" * 64).status_code == 401
    response = post(client, agency, confirmed(booking))
    assert response.status_code == 200, response.content
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED


def test_a_busy_agency_is_not_held_to_the_anonymous_per_address_budget(client, booked, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "anon": "2/min"})
    agency, booking = booked
    codes = [post(client, agency, confirmed(booking, event_id=f"ev-{i}")).status_code for i in range(5)]
    assert codes == [200] * 5


def test_the_callback_budget_is_per_agency_and_answers_429_with_retry_after(
    client, booked, http_agency, visit, tight_callback_rates
):
    agency, booking = booked
    codes = [post(client, agency, confirmed(booking, event_id=f"ev-{i}")).status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    over = post(client, agency, confirmed(booking, event_id="ev-over"))
    assert over.status_code == 429 and over["Retry-After"].isdigit()
    other, _server = http_agency("beta")
    from tests.factories import VisitFactory

    other_booking = BookingFactory(
        visit=VisitFactory(office=visit.office),
        agency=other,
        status=S.PENDING,
        agency_reference="FB-1",
        modality="phone",
        urgent=True,
    )
    assert post(client, other, {**confirmed(other_booking), "reference": "FB-1"}).status_code == 200
