"""config/env.py: settings read the environment strictly, under TOLKDESK_ names (old names for one release)."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import RENAMED, RenamedVariableWarning, env_bool, env_float, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    for name in ("DEBUG", "BOOKING_AGENCY_MAX_ATTEMPTS"):
        monkeypatch.delenv(f"TOLKDESK_{name}", raising=False)
    for name in RENAMED.values():
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("word", ["1", "true", "TRUE", " yes ", "on"])
def test_a_yes_word_reads_as_true(monkeypatch, word):
    monkeypatch.setenv("TOLKDESK_DEBUG", word)
    assert env_bool("TOLKDESK_DEBUG") is True


@pytest.mark.parametrize("word", ["0", "false", "No", "off"])
def test_a_no_word_reads_as_false_even_with_a_true_default(monkeypatch, word):
    monkeypatch.setenv("TOLKDESK_DEBUG", word)
    assert env_bool("TOLKDESK_DEBUG", True) is False


@pytest.mark.parametrize("word", ["ture", "y", "enabled", "2", "falsch"])
def test_an_unknown_boolean_word_is_an_error_not_false(monkeypatch, word):
    monkeypatch.setenv("TOLKDESK_DEBUG", word)
    with pytest.raises(ImproperlyConfigured, match="TOLKDESK_DEBUG"):
        env_bool("TOLKDESK_DEBUG")


def test_unset_or_empty_takes_the_default(monkeypatch):
    assert env_bool("TOLKDESK_DEBUG", True) is True
    monkeypatch.setenv("TOLKDESK_DEBUG", "")
    assert env_bool("TOLKDESK_DEBUG", True) is True


def test_numbers_must_parse(monkeypatch):
    monkeypatch.setenv("TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS", "three")
    with pytest.raises(ImproperlyConfigured, match="TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS"):
        env_int("TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS", 3)
    monkeypatch.setenv("TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS", "nan")
    with pytest.raises(ImproperlyConfigured):
        env_float("TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS", 3)
    monkeypatch.setenv("TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS", " 5 ")
    assert env_int("TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS", 3) == 5
    assert env_float("TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS", 3) == 5.0


def test_an_old_name_is_still_read_with_a_warning(monkeypatch):
    monkeypatch.setenv("BOOKING_AGENCY_MAX_ATTEMPTS", "7")
    with pytest.warns(RenamedVariableWarning, match="TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS"):
        assert env_int("TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS", 3) == 7


def test_the_new_name_wins_over_the_old_one(monkeypatch, recwarn):
    monkeypatch.setenv("BOOKING_AGENCY_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS", "4")
    assert env_int("TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS", 3) == 4
    assert not [w for w in recwarn if issubclass(w.category, RenamedVariableWarning)]


def test_an_old_boolean_name_is_read_strictly_and_named_in_the_error(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "ture")
    with pytest.warns(RenamedVariableWarning), pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
        env_bool("TOLKDESK_DEBUG")


def test_lists_and_strings(monkeypatch):
    monkeypatch.setenv("TOLKDESK_DEBUG", " a, ,b ")
    assert env_list("TOLKDESK_DEBUG") == ["a", "b"]
    assert env_str("TOLKDESK_NOT_SET_ANYWHERE", "x") == "x"


def test_every_renamed_variable_takes_the_prefix():
    assert all(new.startswith("TOLKDESK_") and not old.startswith("TOLKDESK_") for new, old in RENAMED.items())
    # The agency secrets' prefix stays reserved for secrets (interpreters/agency_safety.py).
    assert not any(new.startswith("TOLKDESK_AGENCY_") for new in RENAMED)


def settings_process(**env):
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.DEBUG, settings.BOOKING_AGENCY_MAX_ATTEMPTS)"],
        capture_output=True, text=True, env={**base, **env}, cwd=ROOT, timeout=60,
    )  # fmt: skip


def test_settings_refuse_to_start_on_ture():
    proc = settings_process(TOLKDESK_SECURE_SSL_REDIRECT="1", TOLKDESK_DEBUG="ture")
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr and "TOLKDESK_DEBUG" in proc.stderr


def test_settings_read_the_new_and_the_old_names():
    assert settings_process(TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS="5").stdout.split() == ["False", "5"]
    old = settings_process(BOOKING_AGENCY_MAX_ATTEMPTS="6")
    assert old.stdout.split() == ["False", "6"]
    assert "BOOKING_AGENCY_MAX_ATTEMPTS is now called TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS" in old.stderr
