import json

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from tests.factories import (
    AuthorityFactory,
    MembershipFactory,
    OfficeFactory,
    UserFactory,
    VisitFactory,
)
from visits.audit import REDACTED, audit_log_for_visit, audit_visit_read, visit_reads
from visits.models import StaffRole, Visit, VisitOutcome, VisitStatus
from visits.services import LanguageNeedInput, language_need_record, visit_check_in, visit_set_status


@pytest.fixture
def office(db):
    return OfficeFactory(name="Göteborg")


@pytest.fixture
def staff(office):
    user = UserFactory(username="desk")
    MembershipFactory(user=user, office=office, role=StaffRole.RECEPTIONIST)
    return user


def entries_for(obj):
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


def test_check_in_logs_the_visit_and_need_with_office_but_not_the_personal_values(office, staff):
    visit = visit_check_in(
        office=office,
        authority=AuthorityFactory(),
        checked_in_by=staff,
        language_need=LanguageNeedInput(language="ar", dialect="syrisk, från Homs"),
        visitor_name="Amal Haddad",
        visitor_phone="+46701234567",
        note="Kommer med sin son",
    )
    created = entries_for(visit).get(action=LogEntry.Action.CREATE)
    assert created.additional_data["office_id"] == office.pk
    assert created.changes["visitor_name"][1] == REDACTED
    assert created.changes["queue_number"][1] == visit.queue_number
    need_entry = entries_for(visit.language_need).get(action=LogEntry.Action.CREATE)
    assert need_entry.changes["dialect"][1] == REDACTED
    assert need_entry.additional_data["office_id"] == office.pk
    dump = json.dumps([list(e.values()) for e in LogEntry.objects.values()], default=str)
    for secret in ("Amal", "Haddad", "701234567", "Homs", "sin son"):
        assert secret not in dump


def test_status_changes_and_need_corrections_are_logged_with_the_actor(office, staff):
    officer = UserFactory(username="handl")
    MembershipFactory(user=officer, office=office, role=StaffRole.OFFICER)
    visit = VisitFactory(office=office)
    visit_set_status(visit=visit, status=VisitStatus.IN_SERVICE, by=officer)
    language_need_record(visit=visit, need=LanguageNeedInput(language="so"), recorded_by=officer)
    update = entries_for(visit).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert update.changes["status"] == ["waiting", "in_service"]
    assert entries_for(visit.language_need).filter(action=LogEntry.Action.CREATE).exists()


def test_the_actor_of_a_change_through_a_request_is_recorded(client, office):
    admin = UserFactory(username="riks", is_superuser=True, is_staff=True)
    visit = VisitFactory(office=office)
    client.force_login(admin)
    response = client.post(
        f"/admin/visits/visit/{visit.pk}/change/",
        {
            "office": office.pk,
            "authority": visit.authority_id,
            "service_date": visit.service_date.isoformat(),
            "queue_number": visit.queue_number,
            "status": "waiting",
            "checked_in_at_0": timezone.localtime(visit.checked_in_at).strftime("%Y-%m-%d"),
            "checked_in_at_1": timezone.localtime(visit.checked_in_at).strftime("%H:%M:%S"),
            "visitor_name": "Ny Person",
            "note": "",
            "visitor_phone_0": "",
            "visitor_phone_1": "",
            "language_need-TOTAL_FORMS": "0",
            "language_need-INITIAL_FORMS": "0",
            "language_need-MIN_NUM_FORMS": "0",
            "language_need-MAX_NUM_FORMS": "1",
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.visitor_name == "Ny Person"
    entry = entries_for(visit).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == admin
    assert entry.changes["visitor_name"] == [REDACTED, REDACTED]


def test_outcomes_are_logged(office):
    visit = VisitFactory(office=office)
    outcome = VisitOutcome.objects.create(
        visit=visit, interpreter_used=False, reason_not_used="none_available", recorded_at=timezone.now()
    )
    entry = entries_for(outcome).get(action=LogEntry.Action.CREATE)
    assert entry.changes["reason_not_used"][1] == "none_available"
    assert entry.additional_data["office_id"] == office.pk


def test_a_read_is_logged_with_who_what_where_and_no_values(office, staff):
    visit = VisitFactory(office=office, visitor_name="Hemlig Hemligsson", visitor_phone="+46709999999")
    entry = audit_visit_read(user=staff, visit=visit, via="api:visit-detail", remote_addr="127.0.0.1")
    assert entry.action == LogEntry.Action.ACCESS
    assert entry.actor == staff and entry.object_id == visit.pk
    assert entry.additional_data == {
        "office_id": office.pk,
        "via": "api:visit-detail",
        "fields": ["visitor_name", "visitor_phone", "note"],
    }
    assert "Hemlig" not in json.dumps(list(LogEntry.objects.values()), default=str)
    assert list(visit_reads(office_id=office.pk)) == [entry]
    assert list(visit_reads(office_id=office.pk + 1)) == []
    assert list(visit_reads(actor=staff)) == [entry]


def test_the_visit_history_collects_the_visit_need_and_outcome(office, staff):
    visit = visit_check_in(
        office=office, authority=AuthorityFactory(), checked_in_by=staff, language_need=LanguageNeedInput("ti")
    )
    VisitOutcome.objects.create(visit=visit, interpreter_used=True, recorded_at=timezone.now())
    audit_visit_read(user=staff, visit=visit, via="page:visit")
    kinds = [(e.content_type.model, e.action) for e in audit_log_for_visit(visit=visit)]
    assert ("visit", LogEntry.Action.CREATE) in kinds
    assert ("languageneed", LogEntry.Action.CREATE) in kinds
    assert ("visitoutcome", LogEntry.Action.CREATE) in kinds
    assert ("visit", LogEntry.Action.ACCESS) in kinds


def test_admins_can_search_the_log_by_office_and_reader(client, office, staff):
    visit = VisitFactory(office=office)
    audit_visit_read(user=staff, visit=visit, via="page:visit")
    admin = UserFactory(username="natadm", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get("/admin/auditlog/logentry/", {"office": office.pk, "q": "desk"})
    assert response.status_code == 200
    assert "page:visit" in response.content.decode()
    # Staff who are not national admins cannot open the log.
    plain_staff = UserFactory(username="staffonly", is_staff=True)
    client.force_login(plain_staff)
    assert client.get("/admin/auditlog/logentry/").status_code in (302, 403)


def test_deleting_a_visit_is_logged(office):
    visit = VisitFactory(office=office)
    pk = visit.pk
    Visit.objects.filter(pk=pk).get().delete()
    assert LogEntry.objects.filter(object_id=pk, action=LogEntry.Action.DELETE).exists()


def test_opening_a_visit_in_the_admin_logs_the_read_of_its_personal_details(client, office):
    admin = UserFactory(username="riksadmin", is_superuser=True, is_staff=True)
    visit = VisitFactory(office=office, visitor_name="Amal Haddad")
    client.force_login(admin)
    assert client.get(f"/admin/visits/visit/{visit.pk}/change/").status_code == 200
    entry = visit_reads(actor=admin).get()
    assert entry.object_id == visit.pk
    assert entry.additional_data == {
        "office_id": office.pk,
        "via": "admin:visit-change",
        "fields": ["visitor_name", "visitor_phone", "note"],
    }
    # The list shows no personal field: no read is logged for it.
    assert client.get("/admin/visits/visit/").status_code == 200
    assert visit_reads(actor=admin).count() == 1


def test_every_write_through_the_api_is_logged_with_the_actor_and_office(office):
    from rest_framework.test import APIClient

    from interpreters.models import InterpreterBooking
    from tests.interpreters.factories import AgencyFactory, RankingFactory

    RankingFactory(agency=AgencyFactory(), county=office.county, rank=1)
    officer = UserFactory(username="handlaggare")
    MembershipFactory(user=officer, office=office, role=StaffRole.OFFICER)
    api = APIClient()
    api.force_login(officer)
    authority = AuthorityFactory()

    visit_id = api.post("/api/v1/visits/", {"office": office.pk, "authority": authority.code}, format="json").json()[
        "id"
    ]
    need = api.patch(f"/api/v1/visits/{visit_id}/", {"language_need": {"language": "so"}}, format="json")
    assert need.status_code == 200
    assert api.patch(f"/api/v1/visits/{visit_id}/", {"status": "in_service"}, format="json").status_code == 200
    booked = api.post("/api/v1/bookings/", {"visit": visit_id, "modality": "phone"}, format="json")
    assert booked.status_code == 201, booked.content
    outcome = api.post(f"/api/v1/visits/{visit_id}/outcome/", {"interpreter_used": True}, format="json")
    assert outcome.status_code == 201

    visit = Visit.objects.get(pk=visit_id)
    written = {
        (entry.content_type.model, entry.action)
        for entry in LogEntry.objects.filter(actor=officer, additional_data__office_id=office.pk)
    }
    assert {
        ("visit", LogEntry.Action.CREATE),
        ("visit", LogEntry.Action.UPDATE),
        ("languageneed", LogEntry.Action.CREATE),
        ("interpreterbooking", LogEntry.Action.CREATE),
        ("visitoutcome", LogEntry.Action.CREATE),
    } <= written
    booking = InterpreterBooking.objects.get(visit=visit)
    assert entries_for(booking).get(action=LogEntry.Action.CREATE).timestamp is not None
    assert len(audit_log_for_visit(visit=visit)) >= 5
