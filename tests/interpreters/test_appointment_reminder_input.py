"""The visitor's reminder consent on the appointments API and day page (issue 11): a reminder needs its
channel and that channel's contact (SMS a phone, e-mail an address), refused on the missing field in
Swedish or English, nothing written; the day page records the e-mail, consent and channel."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from interpreters.models import BookingStatus, InterpreterBooking
from tests.factories import AppointmentFactory, AuthorityFactory
from visits.models import Appointment, Authority, ReminderChannel

EMAIL = "amal.haddad@example.se"


def _api(user, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _page(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _at(days: int, hour: int = 10) -> dt.datetime:
    return (timezone.localtime() + dt.timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def _body(office, **extra) -> dict:
    return {
        "office": office.pk,
        "authority": Authority.objects.get_or_create(code="skatteverket", defaults={"name": "Skatteverket"})[0].code,
        "start": _at(5).isoformat(),
        "expected_minutes": 30,
        **extra,
    }


@pytest.mark.parametrize(
    ("extra", "field", "english", "swedish"),
    [
        (
            {"reminder_consent": True, "reminder_channel": "sms", "visitor_email": EMAIL},
            "visitor_phone",
            "A reminder by SMS needs the visitor's phone number.",
            "En påminnelse med sms kräver besökarens telefonnummer.",
        ),
        (
            {"reminder_consent": True, "reminder_channel": "email", "visitor_phone": "+46701234567"},
            "visitor_email",
            "A reminder by e-mail needs the visitor's e-mail address.",
            "En påminnelse med e-post kräver besökarens e-postadress.",
        ),
        (
            {"reminder_consent": True, "visitor_email": EMAIL},
            "reminder_channel",
            "Say how the visitor wants the reminder.",
            None,
        ),
    ],
)
def test_a_reminder_without_the_contact_its_channel_needs_is_refused_on_that_field(
    office, receptionist, extra, field, english, swedish
):
    for language, message in (("en", english), ("sv", swedish)):
        response = _api(receptionist, language).post("/api/v1/appointments/", _body(office, **extra), format="json")
        assert response.status_code == 400, response.content
        if message is not None:
            assert response.json() == {field: [message]}
        else:
            assert list(response.json()) == [field]
    assert not Appointment.objects.exists()


def test_an_sms_reminder_to_a_landline_is_refused_on_the_phone(office, receptionist):
    body = _body(office, visitor_phone="+46812345678", reminder_consent=True, reminder_channel="sms")
    response = _api(receptionist).post("/api/v1/appointments/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "visitor_phone": ["This number cannot receive SMS: give a mobile number or choose e-mail."]
    }
    assert not Appointment.objects.exists()
    mobile = _api(receptionist).post("/api/v1/appointments/", {**body, "visitor_phone": "+46701234567"}, format="json")
    assert mobile.status_code == 201, mobile.content


def test_a_reminder_with_its_contact_records_the_consent_and_its_time(office, receptionist):
    before = timezone.now()
    response = _api(receptionist).post(
        "/api/v1/appointments/",
        _body(office, visitor_email=EMAIL, reminder_consent=True, reminder_channel="email"),
        format="json",
    )
    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["visitor_email"], answer["reminder_consent"], answer["reminder_channel"]) == (EMAIL, True, "email")
    assert (answer["reminder_status"], answer["reminder_skip_reason"], answer["reminder_sent_at"]) == ("", "", None)
    appointment = Appointment.objects.get()
    assert appointment.reminder_consent_at is not None and appointment.reminder_consent_at >= before


def test_patch_records_and_withdraws_consent_and_refuses_dropping_the_contact_it_needs(office, receptionist):
    appointment = AppointmentFactory(office=office, start=_at(5), visitor_phone="+46701234567")
    client = _api(receptionist)
    url = f"/api/v1/appointments/{appointment.pk}/"
    refused = client.patch(url, {"reminder_consent": True, "reminder_channel": "email"}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()) == ["visitor_email"]
    appointment.refresh_from_db()
    assert (appointment.reminder_consent, appointment.version) == (False, 1)

    given = client.patch(url, {"reminder_consent": True, "reminder_channel": "sms"}, format="json")
    assert given.status_code == 200, given.content
    appointment.refresh_from_db()
    assert (appointment.reminder_consent, appointment.reminder_channel) == (True, ReminderChannel.SMS)
    assert appointment.reminder_consent_at is not None

    dropped = client.patch(url, {"visitor_phone": ""}, format="json")
    assert dropped.status_code == 400
    assert list(dropped.json()) == ["visitor_phone"]

    withdrawn = client.patch(url, {"reminder_consent": False}, format="json")
    assert withdrawn.status_code == 200
    appointment.refresh_from_db()
    assert (appointment.reminder_consent, appointment.reminder_channel, appointment.reminder_consent_at) == (
        False,
        "",
        None,
    )


# --- the day page ---------------------------------------------------------------------------------------


def _new_form(office, **extra) -> dict:
    return {
        "office": office.pk,
        "authority": AuthorityFactory().pk,
        "day": _at(5).date().isoformat(),
        "at": "10:00",
        "expected_minutes": 30,
        "interpreter_wanted": "yes",
        "modality": "phone",
        **extra,
    }


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "A reminder by e-mail needs the visitor&#x27;s e-mail address."),
        ("sv", "En påminnelse med e-post kräver besökarens e-postadress."),
    ],
)
def test_the_day_page_shows_a_missing_contact_next_to_its_field(office, receptionist, language, message):
    response = _page(receptionist, language).post(
        "/appointments/new/", _new_form(office, reminder_consent="on", reminder_channel="email")
    )
    assert response.status_code == 400
    html = response.content.decode()
    field = html.index('id="id_visitor_email"')
    error = html.index(message, field)
    assert error < html.index('id="id_reminder_consent"')  # under the e-mail field, before the next one
    assert '<a href="#id_visitor_email">' in html  # and in the summary, pointing at it
    assert not Appointment.objects.exists()


def test_the_day_page_books_with_the_visitors_email_and_consent(office, receptionist):
    response = _page(receptionist).post(
        "/appointments/new/",
        _new_form(office, visitor_email=EMAIL, reminder_consent="on", reminder_channel="email"),
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.visitor_email, appointment.reminder_consent, appointment.reminder_channel) == (
        EMAIL,
        True,
        "email",
    )


def _move_form(appointment, **extra) -> dict:
    local = timezone.localtime(appointment.start)
    prefix = f"move-{appointment.pk}-"
    data = {
        "day": local.date().isoformat(),
        "at": local.strftime("%H:%M"),
        "expected_minutes": appointment.expected_minutes,
        "visitor_phone": str(appointment.visitor_phone or ""),
        "visitor_email": appointment.visitor_email,
        "reminder_channel": appointment.reminder_channel,
        "version": appointment.version,
        **extra,
    }
    return {prefix + name: value for name, value in data.items()}


def test_a_receptionist_records_consent_on_an_appointment_holding_a_booking_without_moving_it(office, receptionist):
    appointment = AppointmentFactory(office=office, start=_at(6))
    booking = InterpreterBooking.objects.create(
        appointment=appointment, language="ar", modality="phone", status=BookingStatus.PENDING,
        scheduled_for=appointment.start, requested_at=timezone.now(),
    )  # fmt: skip
    client = _page(receptionist)
    refused = client.post(
        f"/appointments/{appointment.pk}/move/", _move_form(appointment, reminder_consent="on", reminder_channel="sms")
    )
    assert refused.status_code == 400
    assert "A reminder by SMS needs the visitor&#x27;s phone number." in refused.content.decode()
    saved = client.post(
        f"/appointments/{appointment.pk}/move/",
        _move_form(appointment, visitor_email=EMAIL, reminder_consent="on", reminder_channel="email"),
    )
    assert saved.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.visitor_email, appointment.reminder_consent, appointment.reminder_channel) == (
        EMAIL,
        True,
        "email",
    )
    booking.refresh_from_db()
    assert booking.scheduled_for == appointment.start  # not moved: nothing for the agency
    assert not booking.events.filter(detail__kind="retimed").exists()
    # Moving it is still the officer's.
    moved = client.post(f"/appointments/{appointment.pk}/move/", _move_form(appointment, at="14:00"))
    assert moved.status_code == 403
