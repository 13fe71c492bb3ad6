"""After the call (issue 10) in the reports: requirements asked vs met, calls with an authorised
interpreter, ratings and complaints per agency and language, kept up to date through the writes'
dirty office-days (the services below mark them; the refresh recomputes the rollups)."""

import pytest

from interpreters.backends import AgencyEvent
from interpreters.models import BookingRequirement, BookingStatus, CompetenceLevel
from interpreters.services.complaints import complaint_answer, complaint_file, complaint_withdraw
from interpreters.services.ratings import RatingInput, booking_rate
from tests.factories import AuthorityFactory, OfficeFactory
from tests.interpreters.factories import AgencyFactory
from tests.visits.reports.data import DAY, B, booking_for, day_query, local, visit_with
from visits.models import UsageDirtyDay
from visits.reports.measures import derive
from visits.reports.selectors import usage_counters, usage_report
from visits.reports.services import usage_dirty_days_refresh, usage_rollups_rebuild

S = BookingStatus


@pytest.fixture
def world(db):
    office, authority = OfficeFactory(), AuthorityFactory()
    first, second = AgencyFactory(slug="alfa"), AgencyFactory(slug="beta")
    visit = visit_with(office=office, authority=authority, at=local(DAY, 9), need=("ar", "yes"))

    def call(agency, status, competence, language="ar"):
        booking = booking_for(visit, B(status, agency, language=language, connect_s=30), requested_at=local(DAY, 9, 2))
        booking.interpreter_competence = competence
        booking.save(update_fields=["interpreter_competence"])
        return booking

    a1 = call(first, S.COMPLETED, CompetenceLevel.AUKTORISERAD)
    a2 = call(first, S.COMPLETED, CompetenceLevel.UTBILDAD)
    a3 = call(first, S.NO_SHOW, "")
    b1 = call(second, S.COMPLETED, CompetenceLevel.RATTSTOLK, language="so")
    for booking, answers in ((a1, [True, False, None]), (a2, [True]), (b1, [False, False])):
        for i, met in enumerate(answers):
            BookingRequirement.objects.create(booking=booking, kind="dialect", value=f"d{i}", rank=1 + i % 2, met=met)
    usage_rollups_rebuild()
    return office, first, second, (a1, a2, a3, b1)


def row_for(rows, label_part):
    [row] = [r for r in rows if label_part in str(r.label)]
    return row.measures


def test_quality_measures_per_agency_from_writes_through_the_dirty_days(world, officer):
    office, first, second, (a1, a2, a3, b1) = world
    UsageDirtyDay.objects.all().delete()
    booking_rate(booking=a1, by=officer, rating=RatingInput(stars=2, problems=("late", "other")))
    booking_rate(booking=a2, by=officer, rating=RatingInput(stars=5))
    booking_rate(booking=b1, by=officer, rating=RatingInput(stars=1, problems=("late",)))
    accepted = complaint_file(booking=a1, by=officer, type="late_or_absent", message="Sen")
    complaint_answer(booking=a1, agency=first, event=AgencyEvent(type="complaint_accepted", complaint_id=accepted.pk))
    disputed = complaint_file(booking=a3, by=officer, type="late_or_absent", message="Kom aldrig")
    complaint_answer(
        booking=a3, agency=first, event=AgencyEvent(type="complaint_disputed", complaint_id=disputed.pk, answer="Jo")
    )
    withdrawn = complaint_file(booking=b1, by=officer, type="other", message="x")
    complaint_withdraw(complaint=withdrawn, by=officer)
    # Every one of those writes marked the office-day; the refresh brings the rollups up to date.
    assert list(UsageDirtyDay.objects.values_list("office_id", "day")) == [(office.pk, DAY)]
    usage_dirty_days_refresh()

    rows = usage_report(day_query(group_by="agency"))
    alfa, beta = row_for(rows, first.name), row_for(rows, second.name)
    # alfa: requirements 4 asked, 2 met, 1 not met (one unanswered); 1 of 2 completed calls authorised.
    assert (alfa.requirements_asked, alfa.requirements_met, alfa.requirements_unmet) == (4, 2, 1)
    assert alfa.requirements_met_rate == pytest.approx(2 / 3)
    assert (alfa.calls_authorised, alfa.authorised_share) == (1, 0.5)
    assert (alfa.ratings, alfa.rating_average) == (2, 3.5)
    assert alfa.rating_problems == {"late": 1, "poor_interpretation": 0, "poor_sound_video": 0,
                                    "unprofessional": 0, "other": 1}  # fmt: skip
    # Two complaints over two completed bookings: 100 per 100; one accepted, one disputed.
    assert (alfa.complaints, alfa.complaints_accepted, alfa.complaints_disputed) == (2, 1, 1)
    assert alfa.complaints_per_100 == 100
    # beta: a withdrawn complaint counts for nothing; the legal interpreter is authorised.
    assert (beta.requirements_asked, beta.requirements_met, beta.requirements_unmet) == (2, 0, 2)
    assert (beta.calls_authorised, beta.authorised_share, beta.rating_average) == (1, 1.0, 1.0)
    assert (beta.complaints, beta.complaints_per_100) == (0, 0)
    # Per language too, and the raw rows agree with the rollups.
    by_language = usage_report(day_query(group_by="language"))
    assert {r.measures.ratings for r in by_language} == {1, 2}
    for group_by in ("agency", "language", "office"):
        q = day_query(group_by=group_by)
        assert usage_counters(q, source="rollup") == usage_counters(q, source="raw")


def test_an_empty_slice_has_no_rates():
    measures = derive({})
    assert measures.requirements_met_rate is None and measures.authorised_share is None
    assert measures.rating_average is None and measures.complaints_per_100 is None


def test_the_api_rows_carry_the_quality_measures(world):
    from visits.reports.apis import UsageReportRowSerializer, row_payload

    rows = usage_report(day_query(group_by="agency"))
    payload = row_payload(rows[0])
    for name in ("requirements_met_rate", "authorised_share", "rating_average", "complaints_per_100"):
        assert name in payload and name in UsageReportRowSerializer().fields
