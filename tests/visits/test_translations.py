from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation

from visits.models import InterpreterWanted, VisitStatus

PO = Path(settings.BASE_DIR) / "locale" / "sv" / "LC_MESSAGES" / "django.po"


def test_every_msgid_has_a_swedish_translation_and_none_is_fuzzy():
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="sv")
    untranslated = [
        message.id
        for message in catalog
        if message.id and not (all(message.string) if isinstance(message.string, tuple) else message.string)
    ]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_is_in_the_repository_and_used():
    assert PO.with_suffix(".mo").exists()
    with translation.override("sv"):
        assert str(VisitStatus.WAITING.label) == "Väntar"
        assert str(InterpreterWanted.DECLINED.label) == "Avböjt av besökaren"
    with translation.override("en"):
        assert str(VisitStatus.WAITING.label) == "Waiting"
