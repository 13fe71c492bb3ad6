"""Issue 14, item 2: the retention purge leaves no personal data in any text column or JSON payload.

The columns are discovered from the models' _meta, so a column someone adds later is covered without
touching this file: it is planted with personal data and must be gone after the purge, or it must be
classified in visits/retention.py (KEPT, NOT_VISITOR_DATA) with a reason."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from interpreters.models import AgencyCallback, BookingEvent, InterpreterBooking, Requisition
from tests.factories import LanguageNeedFactory, UserFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, BookingFactory
from visits.models import VisitOutcome
from visits.retention import (
    APPOINTMENT_SCOPED,
    KEPT,
    NOT_VISITOR_DATA,
    VISIT_SCOPED,
    erasable_fields,
    visit_purge_personal_data,
)

ROOT = Path(__file__).resolve().parent.parent
NOW = timezone.now()
OLD = NOW - timedelta(days=200)
PERSON = "Amal Planted Haddad, 070-123 45 67, amal@example.se"


def project_models():
    # Our apps live under the checkout; installed packages may too (CI's .venv sits in the checkout).
    return [
        model
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT) and "site-packages" not in Path(config.path).parts
        for model in config.get_models()
    ]


def text_columns(model):
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField) and not f.choices and not f.primary_key
    ]


def test_every_text_and_json_column_of_the_project_is_erased_or_classified():
    unclassified = []
    for model in project_models():
        label = model._meta.label
        scoped = label in VISIT_SCOPED or label in APPOINTMENT_SCOPED
        erased = {f.name for group in erasable_fields(model) for f in group} if scoped else set()
        allowed = set(KEPT.get(label, {})) | set(NOT_VISITOR_DATA.get(label, {}))
        unclassified += [f"{label}.{f.name}" for f in text_columns(model) if f.name not in erased | allowed]
    assert unclassified == [], "classify in visits/retention.py (KEPT or NOT_VISITOR_DATA) or make visit-scoped"


def test_every_visit_scoped_model_is_a_project_model():
    labels = {m._meta.label for m in project_models()}
    assert set(VISIT_SCOPED) | set(APPOINTMENT_SCOPED) <= labels


def planted(field):
    if isinstance(field, models.JSONField):
        return {"minutes": 3, "note": PERSON, "interpreter": {"name": PERSON}, "errors": [PERSON]}
    if field.__class__.__name__ == "PhoneNumberField":
        return "+46701234567"
    return PERSON[: field.max_length] if field.max_length else PERSON


@pytest.fixture
def old_visit_with_everything(db):
    agency = AgencyFactory(slug="tfv")
    visit = VisitFactory(checked_in_at=OLD)
    LanguageNeedFactory(visit=visit, language="ar", recorded_at=OLD)
    VisitOutcome.objects.create(visit=visit, interpreter_used=True, recorded_at=OLD)
    booking = BookingFactory(visit=visit, agency=agency, status="completed", requested_at=OLD)
    BookingEvent.objects.create(booking=booking, to_status="completed", source="agency:tfv", at=OLD)
    for status in ("confirmed", "replaced"):
        Requisition.objects.create(
            booking=booking, status=status, reported_minutes=20, billed_minutes=30, cost_ore=32800,
            created_at=OLD, decided_at=OLD,
        )  # fmt: skip
    AgencyCallback.objects.create(agency=agency, event_id="ev-1", received_at=OLD, payload={})
    return visit


def plant_everywhere(visit):
    """Personal data in every erasable column of every visit-scoped row, and in the callback payload."""
    plants = []
    for label, lookup in VISIT_SCOPED.items():
        model = apps.get_model(label)
        text, json_fields = erasable_fields(model)
        rows = model._default_manager.filter(**{lookup: visit.pk})
        assert rows.exists(), f"the fixture builds no {label} row: add one"
        for field in text + json_fields:
            rows.update(**{field.name: planted(field)})
            plants += [(model, pk, field.name) for pk in rows.values_list("pk", flat=True)]
    AgencyCallback.objects.update(payload=planted(AgencyCallback._meta.get_field("payload")))
    plants += [(AgencyCallback, pk, "payload") for pk in AgencyCallback.objects.values_list("pk", flat=True)]
    return plants


def holds_personal_data(value) -> bool:
    text = json.dumps(value, default=str)
    return "Planted" in text or "701234567" in text


def test_the_purge_leaves_no_planted_personal_data_in_any_column(old_visit_with_everything, client):
    plants = plant_everywhere(old_visit_with_everything)
    assert len(plants) >= 10

    visit_purge_personal_data(older_than_days=90, now=NOW)

    left = [
        f"{model._meta.label}.{name}"
        for model, pk, name in plants
        if holds_personal_data(model._default_manager.filter(pk=pk).values_list(name, flat=True).get())
    ]
    assert left == []
    # And nowhere else either: every text and JSON column of every project model.
    for model in project_models():
        for field in text_columns(model):
            for value in model._default_manager.values_list(field.name, flat=True):
                assert not holds_personal_data(value), f"{model._meta.label}.{field.name}"


def test_a_purged_cancel_note_is_not_readable_through_the_bookings_api(old_visit_with_everything, client):
    booking = InterpreterBooking.objects.get(visit=old_visit_with_everything)
    InterpreterBooking.objects.filter(pk=booking.pk).update(status="cancelled", cancel_note=PERSON)
    visit_purge_personal_data(older_than_days=90, now=NOW)
    client.force_login(UserFactory(username="national", is_superuser=True, is_staff=True))
    response = client.get(f"/api/v1/bookings/{booking.pk}/")
    assert response.status_code == 200
    assert "Planted" not in response.content.decode()


def test_an_open_case_keeps_its_text_until_a_period_after_it_is_decided(old_visit_with_everything):
    booking = BookingFactory(visit=old_visit_with_everything, status="completed", requested_at=OLD)
    case = Requisition.objects.create(
        booking=booking, status="disputed", reported_minutes=20, billed_minutes=30, cost_ore=32800,
        created_at=OLD, comment=PERSON,
    )  # fmt: skip
    visit_purge_personal_data(older_than_days=90, now=NOW)
    case.refresh_from_db()
    assert case.comment == PERSON  # still under dispute

    Requisition.objects.filter(pk=case.pk).update(status="confirmed", decided_at=NOW - timedelta(days=10))
    visit_purge_personal_data(older_than_days=90, now=NOW)
    case.refresh_from_db()
    assert case.comment == PERSON  # decided 10 days ago: kept for the period

    visit_purge_personal_data(older_than_days=90, now=NOW + timedelta(days=81))
    case.refresh_from_db()
    assert case.comment == ""
