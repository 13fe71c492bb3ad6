import json
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Sum
from django.test import override_settings
from django.utils import timezone

from interpreters.models import AgencyBackend, AgencyCallback, BookingEvent, InterpreterAgency, InterpreterBooking
from tests.factories import AuthorityFactory, LanguageNeedFactory, OfficeFactory, UserFactory, VisitFactory
from visits.audit import REDACTED, audit_visit_read
from visits.errors import DomainError
from visits.models import LanguageNeed, Visit, VisitOutcome
from visits.retention import scrub_json, visit_purge_personal_data
from visits.services import LanguageNeedInput, visit_check_in
from visits.tasks import visit_purge_personal_data_task

NOW = timezone.now()


@pytest.fixture
def agency(db):
    return InterpreterAgency.objects.create(name="Tolkförmedling Väst", slug="tfv", backend=AgencyBackend.SIMULATED)


def old_visit(office, days_ago, *, language="ar", used=True, name="Amal Haddad", agency=None):
    when = NOW - timedelta(days=days_ago)
    visit = VisitFactory(
        office=office,
        checked_in_at=when,
        visitor_name=name,
        visitor_phone="+46701234567",
        note="ringer tillbaka",
    )
    LanguageNeedFactory(visit=visit, language=language, dialect="levantinsk", recorded_at=when)
    VisitOutcome.objects.create(
        visit=visit, interpreter_used=used, reason_not_used="" if used else "took_too_long", recorded_at=when
    )
    if agency is not None:
        booking = InterpreterBooking.objects.create(
            visit=visit,
            language=language,
            dialect="levantinsk",
            modality="phone",
            agency=agency,
            status="completed",
            connection_phone="+46708887766",
            connection_url="https://video.example/room/abc",
            minutes_used=25,
            cost_ore=32800,
            requested_at=when,
            confirmed_at=when + timedelta(minutes=3),
        )
        BookingEvent.objects.create(
            booking=booking,
            from_status="pending",
            to_status="confirmed",
            source="agency:tfv",
            at=when,
            detail={"interpreter_name": "Tolk Tolksson", "interpreter_phone": "+46701112233", "minutes": 25},
        )
        AgencyCallback.objects.create(
            agency=agency,
            event_id=f"evt-{visit.pk}",
            received_at=when,
            payload={"event": "confirmed", "connection": {"phone": "+46708887766"}, "booking": booking.pk},
        )
    return visit


def aggregates():
    """The numbers the reports are built from, per office and language."""
    return {
        "visits": list(Visit.objects.values("office_id", "service_date", "status").annotate(n=Count("pk")).order_by()),
        "needs": sorted(
            LanguageNeed.objects.values_list("visit__office_id", "language", "interpreter_wanted", "identified_by")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        "outcomes": sorted(
            VisitOutcome.objects.values_list("visit__office_id", "interpreter_used", "reason_not_used")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        "bookings": sorted(
            InterpreterBooking.objects.values_list("visit__office_id", "language", "status", "modality")
            .annotate(n=Count("pk"), minutes=Sum("minutes_used"), cost=Sum("cost_ore"))
            .order_by()
        ),
        "connect_times": sorted(InterpreterBooking.objects.values_list("requested_at", "confirmed_at")),
    }


def test_it_erases_personal_fields_of_old_visits_only(db, agency):
    office = OfficeFactory()
    old = old_visit(office, 120, agency=agency)
    recent = old_visit(office, 10, agency=agency, name="Ny Besökare")

    result = visit_purge_personal_data(older_than_days=90, now=NOW)

    assert result.visits == 1 and result.language_needs == 1 and result.bookings == 1
    old.refresh_from_db()
    assert (old.visitor_name, str(old.visitor_phone or ""), old.note) == ("", "", "")
    assert old.personal_data_erased_at == NOW
    assert old.language_need.dialect == ""
    booking = old.bookings.get()
    assert (booking.dialect, str(booking.connection_phone or ""), booking.connection_url) == ("", "", "")
    assert booking.events.get().detail == {
        "interpreter_name": REDACTED,
        "interpreter_phone": REDACTED,
        "minutes": 25,
    }
    callback = AgencyCallback.objects.get(event_id=f"evt-{old.pk}")
    assert callback.payload == {"event": "confirmed", "connection": REDACTED, "booking": booking.pk}

    recent.refresh_from_db()
    assert recent.visitor_name == "Ny Besökare" and recent.personal_data_erased_at is None
    assert recent.language_need.dialect == "levantinsk"
    assert recent.bookings.get().connection_url == "https://video.example/room/abc"


@pytest.fixture
def two_offices_of_old_visits(agency):
    """12 visits 80-113 days old at two offices: three languages, half without an interpreter (the
    gap), every fourth with a completed booking."""
    uppsala, kiruna = OfficeFactory(name="Uppsala"), OfficeFactory(name="Kiruna")
    for i in range(12):
        old_visit(
            uppsala if i % 3 else kiruna,
            80 + i * 3,
            language=["ar", "so", "ti"][i % 3],
            used=i % 2 == 0,
            agency=agency if i % 4 == 0 else None,
        )


def test_aggregates_are_identical_before_and_after_the_purge(two_offices_of_old_visits):
    before = aggregates()
    result = visit_purge_personal_data(older_than_days=90, now=NOW)
    assert result.visits > 0
    assert aggregates() == before
    assert Visit.objects.count() == 12 and LanguageNeed.objects.count() == 12


def test_it_is_idempotent_and_works_in_batches(db):
    office = OfficeFactory()
    for _ in range(7):
        old_visit(office, 100)
    first = visit_purge_personal_data(older_than_days=90, now=NOW, batch_size=3)
    second = visit_purge_personal_data(older_than_days=90, now=NOW, batch_size=3)
    assert first.visits == 7 and second.visits == 0
    assert not Visit.objects.exclude(visitor_name="").exists()


def test_no_erased_value_survives_in_the_audit_log(db):
    office = OfficeFactory()
    visit = visit_check_in(
        office=office,
        authority=AuthorityFactory(),
        checked_in_by=None,
        language_need=LanguageNeedInput("fa", dialect="Herati"),
        visitor_name="Sara Karimi",
        visitor_phone="+46705550101",
        note="behöver hörslinga",
        now=NOW - timedelta(days=200),
    )
    reader = UserFactory(username="reader")
    audit_visit_read(user=reader, visit=visit, via="page:visit")
    # An entry written without masking (e.g. before masking was configured) is scrubbed too.
    LogEntry.objects.log_create(
        visit, action=LogEntry.Action.UPDATE, changes={"visitor_name": ["Sara Karimi", "Sara K."]}
    )

    visit_purge_personal_data(older_than_days=90, now=NOW)

    dump = json.dumps(list(LogEntry.objects.values()), default=str)
    for secret in ("Sara", "Karimi", "705550101", "Herati", "hörslinga"):
        assert secret not in dump
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_id=visit.pk).exists()


@pytest.mark.parametrize("days", [0, -5, 1.5, "90", True])
def test_it_refuses_a_bad_period(db, days):
    with pytest.raises(DomainError):
        visit_purge_personal_data(older_than_days=days)


def test_dry_run_counts_without_erasing(db):
    office = OfficeFactory()
    visit = old_visit(office, 100)
    assert visit_purge_personal_data(older_than_days=90, dry_run=True).visits == 1
    visit.refresh_from_db()
    assert visit.visitor_name == "Amal Haddad"


def test_the_command_purges_and_reports(db, capsys):
    office = OfficeFactory()
    visit = old_visit(office, 40)
    call_command("purge_personal_data", "--older-than-days", "30")
    assert "visits=1" in capsys.readouterr().out
    visit.refresh_from_db()
    assert visit.personal_data_erased_at is not None


@pytest.mark.parametrize("args", [["--older-than-days", "0"], ["--older-than-days", "-1"], ["--batch-size", "0"]])
def test_the_command_fails_on_bad_args(db, args):
    with pytest.raises(CommandError):
        call_command("purge_personal_data", *args)


def test_the_command_exits_non_zero_on_bad_args(db):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "manage.py", "purge_personal_data", "--older-than-days", "soon"],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert proc.returncode != 0
    assert "older-than-days" in proc.stderr


@override_settings(TOLKDESK_RETENTION_DAYS=30)
def test_the_beat_task_uses_the_setting(db):
    office = OfficeFactory()
    older, newer = old_visit(office, 31), old_visit(office, 29)
    assert visit_purge_personal_data_task.delay().get()["visits"] == 1
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.personal_data_erased_at and not newer.personal_data_erased_at


def test_the_task_is_scheduled_by_celery_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["visits.purge_personal_data"]
    assert entry["task"] == visit_purge_personal_data_task.name


def test_scrub_json_keeps_only_allow_listed_keys():
    value = {
        "minutes": 3,
        "list": [{"phone": "+4670"}, {"status": "ok"}],
        "name": "",
        "surprise": "Amal Haddad 070-123 45 67",
        "event": {"type": "confirmed", "by": "Amal"},
    }
    assert scrub_json(value) == (
        {
            "minutes": 3,
            "list": REDACTED,
            "name": "",
            "surprise": REDACTED,
            "event": {"type": "confirmed", "by": REDACTED},
        },
        True,
    )


def report_snapshot(date_from, date_to, *, source):
    """Every report the usage API can produce over the range (each grouping x period), as served."""
    from visits.reports.selectors import UsageQuery, national_measures, usage_report

    snapshot = {}
    for group_by in (None, "office", "county", "authority", "language", "agency", "modality"):
        for period in (None, "week", "month"):
            query = UsageQuery(date_from=date_from, date_to=date_to, group_by=group_by, period=period)
            snapshot[(group_by, period)] = (
                [
                    (r.group, r.label, r.period, r.counters, r.measures.as_dict(), r.outlier)
                    for r in usage_report(query, source=source)
                ],
                national_measures(query, source=source).as_dict(),
            )
    return snapshot


def test_every_report_gives_the_same_numbers_before_and_after_the_purge(two_offices_of_old_visits):
    from visits.reports.services import usage_rollups_rebuild

    date_from, date_to = (NOW - timedelta(days=200)).date(), NOW.date()
    usage_rollups_rebuild()
    before = {source: report_snapshot(date_from, date_to, source=source) for source in ("rollup", "raw")}
    total = before["raw"][(None, None)][1]
    # The measures compared are not empty: visits with needs, a gap by reason, bookings with cost.
    assert total["visits"] == 12 and total["need"] == 12 and total["gap"] == 6
    assert total["bookings"] == 3 and total["cost_ore"] == 3 * 32800

    assert visit_purge_personal_data(older_than_days=90, now=NOW).visits > 0
    after = {source: report_snapshot(date_from, date_to, source=source) for source in ("rollup", "raw")}
    assert after == before
    # The nightly rebuild recomputes the rollups from the purged rows: still the same numbers.
    usage_rollups_rebuild()
    assert report_snapshot(date_from, date_to, source="rollup") == before["rollup"]


def test_a_failing_app_step_rolls_the_whole_batch_back(db, agency, monkeypatch):
    """Each app purges its own fields, but a batch is one transaction: erased everywhere or nowhere."""
    from visits import retention

    visit = old_visit(OfficeFactory(), 120, agency=agency)

    def broken(visit_ids):
        raise RuntimeError("disk full")

    monkeypatch.setitem(retention._PARTS, "broken", retention.RetentionPart(name="broken", purge_visits=broken))
    with pytest.raises(RuntimeError):
        visit_purge_personal_data(older_than_days=90, now=NOW)
    visit.refresh_from_db()
    assert visit.visitor_name == "Amal Haddad" and visit.personal_data_erased_at is None
    assert visit.bookings.get().connection_url == "https://video.example/room/abc"


def test_visits_retention_and_audit_name_no_other_app():
    """visits never depends on interpreters or reports, not even through a label string."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for path in ("visits/retention.py", "visits/audit.py"):
        source = (root / path).read_text()
        assert "get_model" not in source, path
        for label in ('"interpreters.', '"reports.', "'interpreters.", "'reports."):
            assert label not in source, (path, label)
