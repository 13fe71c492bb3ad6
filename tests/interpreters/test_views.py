import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interpreters.models import BookingStatus, InterpreterBooking, Modality
from tests.factories import LanguageNeedFactory, MembershipFactory, OfficeFactory, UserFactory, VisitFactory
from visits.models import InterpreterWanted, StaffRole, VisitOutcome, VisitStatus


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def booking(visit, status=BookingStatus.REQUESTED, **extra):
    return InterpreterBooking.objects.create(
        visit=visit, language="ar", modality=Modality.PHONE, status=status, requested_at=timezone.now(), **extra
    )


@pytest.fixture
def visit(office):
    return VisitFactory(office=office)


@pytest.fixture
def in_service(office):
    return VisitFactory(office=office, status=VisitStatus.IN_SERVICE, started_at=timezone.now())


@pytest.fixture
def stranger(db):
    user = UserFactory(username="stranger")
    MembershipFactory(user=user, office=OfficeFactory(), role=StaffRole.OFFICER)
    return user


def detail(visit) -> str:
    return reverse("interpreters:visit-detail", args=[visit.pk])


def status_url(visit) -> str:
    return reverse("interpreters:visit-booking-status", args=[visit.pk])


# --- visit page ---------------------------------------------------------------------------------


def test_visit_page_shows_the_language_need_with_names_from_cldr(visit, officer):
    LanguageNeedFactory(visit=visit, language="ar", dialect="Levantine")
    response = login(officer).get(detail(visit), HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Arabiska" in body  # Swedish name from Babel
    assert "العربية" in body and 'dir="rtl"' in body  # endonym, right to left
    assert "Levantine" in body
    assert 'id="start-service"' in body
    assert 'id="book-phone"' in body and 'id="book-video"' in body


def test_visit_page_is_english_when_asked(visit, officer):
    LanguageNeedFactory(visit=visit, language="so")
    client = login(officer)
    client.cookies["django_language"] = "en"
    body = client.get(detail(visit)).content.decode()
    assert "Somali" in body and "Start service" in body


def test_visit_page_of_another_office_is_404(visit, stranger):
    client = login(stranger)
    assert client.get(detail(visit)).status_code == 404
    assert client.get(status_url(visit)).status_code == 404


def test_anonymous_is_sent_to_login(visit):
    response = Client().get(detail(visit))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_receptionist_sees_the_visit_but_no_action_buttons(visit, receptionist):
    LanguageNeedFactory(visit=visit)
    response = login(receptionist).get(detail(visit))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="book-phone"' not in body and 'id="start-service"' not in body


@pytest.mark.parametrize("name", ["visit-start", "visit-end", "visit-booking-request"])
def test_receptionist_actions_are_403(visit, receptionist, name):
    response = login(receptionist).post(reverse(f"interpreters:{name}", args=[visit.pk]), {"modality": "phone"})
    assert response.status_code == 403
    visit.refresh_from_db()
    assert visit.status == VisitStatus.WAITING
    assert not InterpreterBooking.objects.exists()


@pytest.mark.parametrize("name", ["visit-start", "visit-end", "visit-booking-request"])
def test_actions_on_another_office_are_404(visit, stranger, name):
    response = login(stranger).post(reverse(f"interpreters:{name}", args=[visit.pk]), {"modality": "phone"})
    assert response.status_code == 404
    assert not InterpreterBooking.objects.exists()


def test_cancel_of_another_office_booking_is_404(visit, stranger):
    b = booking(visit)
    url = reverse("interpreters:visit-booking-cancel", args=[visit.pk, b.pk])
    assert login(stranger).post(url).status_code == 404
    b.refresh_from_db()
    assert b.status == BookingStatus.REQUESTED


def test_get_on_an_action_is_405(visit, officer):
    assert login(officer).get(reverse("interpreters:visit-start", args=[visit.pk])).status_code == 405


def test_start_service_moves_the_visit_and_records_the_officer(visit, officer):
    response = login(officer).post(reverse("interpreters:visit-start", args=[visit.pk]))
    assert response.status_code == 302 and response["Location"] == detail(visit)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.IN_SERVICE and visit.served_by == officer


def test_starting_twice_is_a_clear_400(in_service, officer):
    response = login(officer).post(reverse("interpreters:visit-start", args=[in_service.pk]))
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


# --- live status --------------------------------------------------------------------------------


def test_status_json_without_booking(visit, receptionist):
    data = login(receptionist).get(status_url(visit)).json()
    assert data["visit"]["status"] == "waiting"
    assert data["booking"] is None
    assert data["version"]


def test_status_json_shows_connection_details_once_confirmed(visit, officer):
    b = booking(visit, BookingStatus.PENDING, connection_phone="+46101234567")
    client = login(officer)
    pending = client.get(status_url(visit)).json()
    assert pending["booking"]["status"] == "pending"
    assert pending["booking"]["connection_phone"] == ""  # not before it is confirmed
    InterpreterBooking.objects.filter(pk=b.pk).update(status=BookingStatus.CONFIRMED)
    confirmed = client.get(status_url(visit)).json()
    assert confirmed["version"] != pending["version"]
    assert confirmed["booking"]["status"] == "confirmed"
    assert confirmed["booking"]["connection_phone"] == "+46101234567"
    assert "tel:+46101234567" in confirmed["html"]
    assert 'id="cancel-booking"' in confirmed["html"]


def test_status_json_shows_video_link(visit, officer):
    InterpreterBooking.objects.create(
        visit=visit,
        language="ar",
        modality=Modality.VIDEO,
        status=BookingStatus.CONFIRMED,
        connection_url="https://video.example.test/room/42",
        requested_at=timezone.now(),
    )
    data = login(officer).get(status_url(visit)).json()
    assert data["booking"]["connection_url"] == "https://video.example.test/room/42"
    assert 'href="https://video.example.test/room/42"' in data["html"]


def test_failed_booking_shows_its_reason_and_offers_to_book_again(visit, officer):
    LanguageNeedFactory(visit=visit)
    booking(visit, BookingStatus.FAILED, failure_reason="No agency serves Tigrinya by video.")
    data = login(officer).get(status_url(visit)).json()
    assert data["booking"]["failure_reason"] == "No agency serves Tigrinya by video."
    assert 'id="booking-failure"' in data["html"] and "No agency serves Tigrinya by video." in data["html"]
    assert 'id="book-phone"' in data["html"]


def test_active_booking_hides_the_request_buttons(visit, officer):
    LanguageNeedFactory(visit=visit)
    booking(visit, BookingStatus.PENDING)
    html = login(officer).get(status_url(visit)).json()["html"]
    assert 'id="book-phone"' not in html


def test_status_version_is_stable_when_nothing_changed(visit, officer):
    booking(visit, BookingStatus.PENDING)
    client = login(officer)
    assert client.get(status_url(visit)).json()["version"] == client.get(status_url(visit)).json()["version"]


# --- end of visit and outcome -------------------------------------------------------------------


def end(client, visit, data):
    return client.post(reverse("interpreters:visit-end", args=[visit.pk]), data)


def test_ending_a_visit_with_a_wanted_interpreter_needs_the_outcome(in_service, officer):
    LanguageNeedFactory(visit=in_service, interpreter_wanted=InterpreterWanted.YES)
    response = end(login(officer), in_service, {})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    in_service.refresh_from_db()
    assert in_service.status == VisitStatus.IN_SERVICE
    assert not VisitOutcome.objects.exists()


def test_ending_records_the_outcome_and_closes_the_visit(in_service, officer):
    LanguageNeedFactory(visit=in_service, interpreter_wanted=InterpreterWanted.UNSURE)
    response = end(login(officer), in_service, {"interpreter_used": "no", "reason_not_used": "took_too_long"})
    assert response.status_code == 302
    in_service.refresh_from_db()
    assert in_service.status == VisitStatus.DONE and in_service.ended_at is not None
    outcome = VisitOutcome.objects.get(visit=in_service)
    assert (outcome.interpreter_used, outcome.reason_not_used, outcome.recorded_by) == (False, "took_too_long", officer)


def test_ending_without_reason_writes_nothing(in_service, officer):
    LanguageNeedFactory(visit=in_service)
    response = end(login(officer), in_service, {"interpreter_used": "no"})
    assert response.status_code == 400
    in_service.refresh_from_db()
    assert in_service.status == VisitStatus.IN_SERVICE
    assert not VisitOutcome.objects.exists()


@pytest.mark.parametrize(
    "data", [{"interpreter_used": "maybe"}, {"interpreter_used": "no", "reason_not_used": "bored"}]
)
def test_ending_with_bad_input_writes_nothing(in_service, officer, data):
    LanguageNeedFactory(visit=in_service)
    assert end(login(officer), in_service, data).status_code == 400
    in_service.refresh_from_db()
    assert in_service.status == VisitStatus.IN_SERVICE
    assert not VisitOutcome.objects.exists()


def test_a_visit_without_need_ends_without_outcome(in_service, officer):
    assert end(login(officer), in_service, {}).status_code == 302
    in_service.refresh_from_db()
    assert in_service.status == VisitStatus.DONE
    assert not VisitOutcome.objects.exists()


def test_a_visit_where_no_interpreter_was_wanted_ends_without_outcome(in_service, officer):
    LanguageNeedFactory(visit=in_service, interpreter_wanted=InterpreterWanted.DECLINED)
    assert end(login(officer), in_service, {}).status_code == 302
    in_service.refresh_from_db()
    assert in_service.status == VisitStatus.DONE


def test_a_waiting_visit_cannot_be_ended(visit, officer):
    LanguageNeedFactory(visit=visit)
    response = end(login(officer), visit, {"interpreter_used": "yes"})
    assert response.status_code == 400
    visit.refresh_from_db()
    assert visit.status == VisitStatus.WAITING
    assert not VisitOutcome.objects.exists()


def test_child_reason_is_recorded_and_the_page_warns(in_service, officer):
    LanguageNeedFactory(visit=in_service)
    client = login(officer)
    response = end(client, in_service, {"interpreter_used": "no", "reason_not_used": "child"})
    assert response.status_code == 302
    assert VisitOutcome.objects.get(visit=in_service).reason_not_used == "child"
    client.cookies["django_language"] = "en"
    body = client.get(detail(in_service)).content.decode()
    assert "Children must not be used as interpreters" in body
    assert 'id="visit-ended"' in body


def test_finished_visit_page_shows_the_outcome_and_stops_polling(db, office, officer):
    now = timezone.now()
    visit = VisitFactory(office=office, status=VisitStatus.DONE, checked_in_at=now, ended_at=now)
    VisitOutcome.objects.create(visit=visit, interpreter_used=True, recorded_at=now)
    body = login(officer).get(detail(visit)).content.decode()
    assert 'id="outcome-summary"' in body and 'data-poll="0"' in body
    assert 'id="end-visit"' not in body


# --- officer queue ------------------------------------------------------------------------------


def test_queue_lists_todays_open_visits_at_my_offices_only(office, officer):
    mine = VisitFactory(office=office)
    LanguageNeedFactory(visit=mine, language="ti")
    booking(mine, BookingStatus.PENDING)
    serving = VisitFactory(office=office, status=VisitStatus.IN_SERVICE)
    now = timezone.now()
    done = VisitFactory(office=office, status=VisitStatus.DONE, checked_in_at=now, ended_at=now)
    yesterday = VisitFactory(office=office, checked_in_at=now - dt.timedelta(days=1))
    elsewhere = VisitFactory(office=OfficeFactory())
    client = login(officer)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("interpreters:officer-queue"))
    assert response.status_code == 200
    body = response.content.decode()
    assert detail(mine) in body and detail(serving) in body
    assert "Tigrinya" in body and "Sent to agency" in body
    for hidden in (done, yesterday, elsewhere):
        assert f'data-visit="{hidden.pk}"' not in body


def test_queue_for_receptionist_too(office, receptionist):
    v = VisitFactory(office=office)
    assert detail(v) in login(receptionist).get(reverse("interpreters:officer-queue")).content.decode()


# --- booking from the visit page ----------------------------------------------------------------


@pytest.fixture
def agency(db):
    from tests.interpreters.factories import AgencyFactory

    return AgencyFactory(slug="sim", name="Simulerad", languages=["ar", "so"])


def request_url(visit) -> str:
    return reverse("interpreters:visit-booking-request", args=[visit.pk])


FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def test_one_click_books_a_phone_interpreter(in_service, officer, agency, django_capture_on_commit_callbacks):
    LanguageNeedFactory(visit=in_service, language="ar")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = login(officer).post(request_url(in_service), {"modality": "phone"})
    assert callbacks, "the dispatch task is enqueued on commit"
    assert response.status_code == 302 and response["Location"] == detail(in_service)
    b = InterpreterBooking.objects.get(visit=in_service)
    assert (b.modality, b.language, b.requested_by, b.scheduled_for) == ("phone", "ar", officer, None)
    # Eager Celery in tests: the dispatch ran on commit and the simulated agency answered.
    assert b.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED)
    assert b.agency == agency


def test_fetch_click_answers_with_the_live_status(in_service, officer, agency):
    LanguageNeedFactory(visit=in_service, language="ar")
    response = login(officer).post(request_url(in_service), {"modality": "video"}, **FETCH)
    assert response.status_code == 200
    data = response.json()
    assert data["booking"]["modality"] == "video"
    assert data["booking"]["id"] == InterpreterBooking.objects.get(visit=in_service).pk
    assert 'id="booking-status"' in data["html"]


def test_booking_later_keeps_the_time(visit, officer, agency):
    LanguageNeedFactory(visit=visit, language="ar")
    when = timezone.localtime() + dt.timedelta(hours=3)
    response = login(officer).post(
        request_url(visit), {"modality": "phone", "scheduled_for": when.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302
    b = InterpreterBooking.objects.get(visit=visit)
    assert b.scheduled_for == when.replace(second=0, microsecond=0)


def test_double_click_books_once(in_service, officer, agency):
    LanguageNeedFactory(visit=in_service, language="ar")
    client = login(officer)
    client.post(request_url(in_service), {"modality": "phone"})
    client.post(request_url(in_service), {"modality": "phone"})
    assert InterpreterBooking.objects.filter(visit=in_service).count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"modality": "carrier-pigeon"}, "modality"),
        ({}, "modality"),
        ({"modality": "on_site"}, "modality"),
        ({"modality": "phone", "scheduled_for": "yesterday-ish"}, "scheduled_for"),
        ({"modality": "phone", "scheduled_for": "2020-01-01T10:00"}, "scheduled_for"),
    ],
)
def test_bad_booking_input_is_400_on_its_field_and_books_nothing(in_service, officer, agency, data, field):
    LanguageNeedFactory(visit=in_service, language="ar")
    client = login(officer)
    response = client.post(request_url(in_service), data, **FETCH)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert client.post(request_url(in_service), data).status_code == 400  # and without JavaScript
    assert not InterpreterBooking.objects.exists()


def test_language_no_agency_serves_is_a_clear_400(in_service, officer, agency):
    LanguageNeedFactory(visit=in_service, language="ti")
    client = login(officer)
    client.cookies["django_language"] = "en"
    response = client.post(request_url(in_service), {"modality": "phone"}, **FETCH)
    assert response.status_code == 400
    assert "agency" in response.json()["errors"]["language"][0]["message"]
    html = client.post(request_url(in_service), {"modality": "phone"}).content.decode()
    assert "No active interpreter agency" in html
    assert not InterpreterBooking.objects.exists()


def test_without_a_need_the_officer_names_the_language_and_it_is_recorded(in_service, officer, agency):
    from tests.factories import LanguageFactory

    LanguageFactory(code="so")
    client = login(officer)
    missing = client.post(request_url(in_service), {"modality": "phone"}, **FETCH)
    assert missing.status_code == 400 and "language" in missing.json()["errors"]
    response = client.post(request_url(in_service), {"modality": "phone", "language": "so"}, **FETCH)
    assert response.status_code == 200
    in_service.refresh_from_db()  # drops the "no need" the fixture's access cached on the instance
    assert in_service.language_need.language == "so"
    assert in_service.language_need.identified_by == "officer_judged"
    assert InterpreterBooking.objects.get(visit=in_service).language == "so"


def test_booking_for_a_finished_visit_is_400(db, office, officer, agency):
    now = timezone.now()
    done = VisitFactory(office=office, status=VisitStatus.DONE, checked_in_at=now, ended_at=now)
    LanguageNeedFactory(visit=done, language="ar")
    response = login(officer).post(request_url(done), {"modality": "phone"}, **FETCH)
    assert response.status_code == 400
    assert not InterpreterBooking.objects.exists()


def test_officer_cancels_a_booking(in_service, officer):
    b = booking(in_service, BookingStatus.REQUESTED)
    url = reverse("interpreters:visit-booking-cancel", args=[in_service.pk, b.pk])
    response = login(officer).post(url, **FETCH)
    assert response.status_code == 200
    assert response.json()["booking"]["status"] == "cancelled"
    b.refresh_from_db()
    assert b.status == BookingStatus.CANCELLED
    assert b.events.filter(to_status=BookingStatus.CANCELLED, actor=officer).exists()


def test_cancelling_a_completed_booking_is_400(in_service, officer):
    b = booking(in_service, BookingStatus.COMPLETED)
    url = reverse("interpreters:visit-booking-cancel", args=[in_service.pk, b.pk])
    client = login(officer)
    assert client.post(url, **FETCH).status_code == 400
    assert client.post(url).status_code == 400
    b.refresh_from_db()
    assert b.status == BookingStatus.COMPLETED


def test_receptionist_cannot_cancel(in_service, receptionist):
    b = booking(in_service, BookingStatus.REQUESTED)
    url = reverse("interpreters:visit-booking-cancel", args=[in_service.pk, b.pk])
    assert login(receptionist).post(url).status_code == 403
    b.refresh_from_db()
    assert b.status == BookingStatus.REQUESTED


def test_cancel_url_with_a_booking_of_another_visit_is_404(in_service, officer, office):
    other = booking(VisitFactory(office=office), BookingStatus.REQUESTED)
    url = reverse("interpreters:visit-booking-cancel", args=[in_service.pk, other.pk])
    assert login(officer).post(url).status_code == 404


def test_ending_the_visit_withdraws_a_booking_not_yet_started(in_service, officer):
    LanguageNeedFactory(visit=in_service)
    b = booking(in_service, BookingStatus.CONFIRMED)
    response = end(login(officer), in_service, {"interpreter_used": "no", "reason_not_used": "took_too_long"})
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.status == BookingStatus.CANCELLED


def test_ending_the_visit_leaves_a_running_interpreter_call_alone(in_service, officer):
    LanguageNeedFactory(visit=in_service)
    b = booking(in_service, BookingStatus.IN_PROGRESS)
    client = login(officer)
    refused = end(client, in_service, {"interpreter_used": "no", "reason_not_used": "took_too_long"})
    assert refused.status_code == 400  # contradicts the call in progress
    assert end(client, in_service, {"interpreter_used": "yes"}).status_code == 302
    b.refresh_from_db()
    assert b.status == BookingStatus.IN_PROGRESS
    assert VisitOutcome.objects.get(visit=in_service).interpreter_used is True


def test_visit_page_is_swedish_by_default(in_service, officer):
    LanguageNeedFactory(visit=in_service, language="ar")
    body = login(officer).get(detail(in_service)).content.decode()
    assert "Telefontolk" in body and "Videotolk" in body and "Avsluta besök" in body
    assert "Användes tolk?" in body


def test_visitor_left_button_closes_the_visit(visit, officer, receptionist):
    LanguageNeedFactory(visit=visit)
    url = reverse("interpreters:visit-left", args=[visit.pk])
    assert login(receptionist).post(url).status_code == 403
    assert login(officer).post(url).status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.LEFT
    assert VisitOutcome.objects.get(visit=visit).reason_not_used == "visitor_left"
    assert login(officer).post(url).status_code == 400  # already closed: a clear error, not a 500


def test_queue_costs_the_same_queries_for_one_or_many_visits(office, officer, django_assert_max_num_queries):
    for _ in range(12):
        LanguageNeedFactory(visit=VisitFactory(office=office))
    client = login(officer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("interpreters:officer-queue"))
    assert response.content.decode().count("data-visit=") == 12


def test_national_admin_sees_offices_with_open_visits(office):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    OfficeFactory(name="Tomma kontoret")
    v = VisitFactory(office=office)
    body = login(admin).get(reverse("interpreters:officer-queue")).content.decode()
    assert detail(v) in body and office.name in body
    assert "Tomma kontoret" not in body


def test_opening_a_visit_page_that_shows_the_visitors_name_logs_the_read(office, officer):
    from visits.audit import visit_reads

    named = VisitFactory(office=office, visitor_name="Hemlig Hemligsson")
    unnamed = VisitFactory(office=office)
    client = login(officer)
    page = client.get(detail(named), REMOTE_ADDR="10.1.2.3")
    assert page.status_code == 200 and "Hemlig Hemligsson" in page.content.decode()
    assert client.get(detail(unnamed)).status_code == 200

    reads = list(visit_reads(office_id=office.pk))
    assert [(e.object_id, e.actor, e.additional_data["via"], e.remote_addr) for e in reads] == [
        (named.pk, officer, "page:visit-detail", "10.1.2.3")
    ]
    assert reads[0].additional_data["fields"] == ["visitor_name"]
