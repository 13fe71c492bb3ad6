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


def test_the_catalogue_holds_every_string_the_code_marks_for_translation(tmp_path, monkeypatch):
    """makemessages over a copy of the source and the catalogue: nothing new may appear (a string
    added to the code but never extracted would show in English on a Swedish page). A copy, because
    makemessages writes to the locale folder nearest the files it scans."""
    import shutil

    from django.core.management import call_command
    from django.test import override_settings

    base = Path(settings.BASE_DIR)
    for folder in ("config", "visits", "interpreters", "templates", "locale"):
        shutil.copytree(base / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    copy = tmp_path / "locale" / "sv" / "LC_MESSAGES" / "django.po"
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[str(tmp_path / "locale")]):
        call_command("makemessages", locale=["sv"], no_obsolete=True, verbosity=0)

    def msgids(path: Path) -> set[str]:
        with path.open("rb") as handle:
            return {str(message.id) for message in read_po(handle, locale="sv") if message.id}

    assert msgids(copy) - msgids(PO) == set()
