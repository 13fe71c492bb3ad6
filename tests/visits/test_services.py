import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.factories import AuthorityFactory, OfficeFactory, VisitFactory
from visits.errors import DomainError
from visits.models import LanguageNeed, Visit, VisitStatus
from visits.services import LanguageNeedInput, visit_check_in, visit_set_status

STHLM = ZoneInfo("Europe/Stockholm")


def test_check_in_records_visit_and_language_need(office, authority, receptionist):
    visit = visit_check_in(
        office=office,
        authority=authority,
        checked_in_by=receptionist,
        language_need=LanguageNeedInput(language="PRS", dialect="Herat"),
    )
    visit.refresh_from_db()
    assert visit.status == VisitStatus.WAITING
    assert visit.queue_number == "F001"
    assert visit.language_need.language == "prs"
    assert visit.language_need.dialect == "Herat"
    assert visit.language_need.recorded_by == receptionist


def test_queue_numbers_count_up_per_office_and_restart_each_day(db):
    office, other = OfficeFactory(), OfficeFactory()
    authority = AuthorityFactory(code="skatteverket", name="Skatteverket")
    day1 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=STHLM)
    numbers = [
        visit_check_in(office=office, authority=authority, checked_in_by=None, now=day1).queue_number for _ in range(3)
    ]
    assert numbers == ["S001", "S002", "S003"]
    assert visit_check_in(office=other, authority=authority, checked_in_by=None, now=day1).queue_number == "S001"
    next_day = day1 + dt.timedelta(days=1)
    assert visit_check_in(office=office, authority=authority, checked_in_by=None, now=next_day).queue_number == "S001"


def test_service_date_is_the_stockholm_date(office, authority):
    # 23:30 UTC on 1 March is 00:30 on 2 March in Stockholm.
    late = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    visit = visit_check_in(office=office, authority=authority, checked_in_by=None, now=late)
    assert visit.service_date == dt.date(2026, 3, 2)


def test_invalid_language_writes_nothing(office, authority):
    with pytest.raises(DomainError) as err:
        visit_check_in(
            office=office, authority=authority, checked_in_by=None, language_need=LanguageNeedInput(language="zz")
        )
    assert "language" in err.value.as_dict()
    assert Visit.objects.count() == 0
    assert LanguageNeed.objects.count() == 0


def test_bad_phone_number_is_rejected_on_its_field(office, authority):
    with pytest.raises(Exception) as err:
        visit_check_in(office=office, authority=authority, checked_in_by=None, visitor_phone="12")
    assert "visitor_phone" in err.value.message_dict
    assert Visit.objects.count() == 0


def test_inactive_office_cannot_check_in(authority):
    office = OfficeFactory(active=False)
    with pytest.raises(DomainError):
        visit_check_in(office=office, authority=authority, checked_in_by=None)


def test_visit_moves_waiting_in_service_done(officer):
    visit = VisitFactory()
    visit = visit_set_status(visit=visit, status=VisitStatus.IN_SERVICE, by=officer)
    assert visit.started_at is not None and visit.served_by == officer
    visit = visit_set_status(visit=visit, status=VisitStatus.DONE, by=officer)
    assert visit.ended_at is not None


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (VisitStatus.DONE, VisitStatus.WAITING),
        (VisitStatus.WAITING, VisitStatus.DONE),
        (VisitStatus.LEFT, VisitStatus.IN_SERVICE),
    ],
)
def test_it_refuses_illegal_visit_transitions(db, start, target):
    visit = VisitFactory(status=start)
    with pytest.raises(DomainError) as err:
        visit_set_status(visit=visit, status=target, by=None)
    assert "status" in err.value.as_dict()
    visit.refresh_from_db()
    assert visit.status == start
