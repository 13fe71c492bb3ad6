"""What a check-in costs the database: every statement of one check-in with a language need through
the API, counted in-process (issue 16: 25 before; at most 15, with the dirty office-day mark, an
outbox row and an idempotency record all included)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import LanguageFactory
from visits.models import LanguageNeed, UsageDirtyDay, Visit
from visits.reports.services import usage_dirty_days_refresh

MAX_STATEMENTS = 15


def check_in_payload(office, authority) -> dict:
    return {
        "office": office.pk,
        "authority": authority.code,
        "visitor_name": "Amal",
        "language_need": {"language": "ar", "interpreter_wanted": "yes"},
    }


def statements(ctx: CaptureQueriesContext) -> list[str]:
    """The statements a production request sends. The test runs inside a transaction, so the
    service's own transaction shows up as SAVEPOINT / RELEASE, where production sends BEGIN / COMMIT
    that Django does not log (neither is counted in the issue's figures, bare view included)."""
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_a_check_in_with_a_need_takes_at_most_15_statements(reception_api, office, authority):
    LanguageFactory(code="ar", rank=1)
    reception_api.post("/api/v1/visits/", check_in_payload(office, authority), format="json")  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        response = reception_api.post("/api/v1/visits/", check_in_payload(office, authority), format="json")
    assert response.status_code == 201, response.content
    sent = statements(ctx)
    assert len(sent) <= MAX_STATEMENTS, "\n".join(sent)
    # ... and it still wrote everything: the visit, its need, its audit entries and the dirty mark.
    visit = Visit.objects.get(pk=response.json()["id"])
    assert LanguageNeed.objects.filter(visit=visit, language="ar").exists()
    assert UsageDirtyDay.objects.filter(office=office, day=visit.service_date).exists()
    assert sum("auditlog_logentry" in sql and sql.startswith("INSERT") for sql in sent) == 2


def test_the_audit_entries_carry_their_office_without_a_second_write(reception_api, office, authority):
    from auditlog.models import LogEntry

    LanguageFactory(code="ar", rank=1)
    with CaptureQueriesContext(connection) as ctx:
        response = reception_api.post("/api/v1/visits/", check_in_payload(office, authority), format="json")
    assert response.status_code == 201
    assert not [q for q in statements(ctx) if q.startswith("UPDATE")]
    entries = LogEntry.objects.filter(action=LogEntry.Action.CREATE)
    assert entries.count() == 2
    assert {entry.additional_data["office_id"] for entry in entries} == {office.pk}


def test_the_periodic_refresh_counts_the_checked_in_visit(reception_api, office, authority):
    LanguageFactory(code="ar", rank=1)
    reception_api.post("/api/v1/visits/", check_in_payload(office, authority), format="json")
    assert usage_dirty_days_refresh() == 1


def test_a_check_in_without_a_need_reads_no_language_and_no_need(reception_api, office, authority):
    """Its answer shows no need: nothing to look up, neither the need row nor the catalogue."""
    body = {"office": office.pk, "authority": authority.code}
    reception_api.post("/api/v1/visits/", body, format="json")  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        response = reception_api.post("/api/v1/visits/", body, format="json")
    assert response.status_code == 201 and response.json()["language_need"] is None
    read = [sql for sql in statements(ctx) if sql.startswith("SELECT")]
    assert not [sql for sql in read if "visits_language" in sql], read
