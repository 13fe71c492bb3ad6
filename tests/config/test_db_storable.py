"""config/serializers.py:db_storable, the one NUL/surrogate guard (the authority field and the agency
webhook both go through it)."""

import pytest

from config.serializers import db_storable


@pytest.mark.parametrize(
    "value",
    [
        "ok",
        "",
        {"a": ["b", {"c": "åäö"}]},
        [1, 2.5, None, True],
        "emoji 🙂",
    ],
)
def test_storable_values_pass(value):
    assert db_storable(value)


@pytest.mark.parametrize(
    "value",
    [
        "a\x00b",
        "\ud800",
        {"key\x00": 1},
        {"a": [{"b": "\udfff"}]},
        ["fine", ["deeper", "\x00"]],
    ],
)
def test_nul_or_a_lone_surrogate_anywhere_is_refused(value):
    assert not db_storable(value)


def test_a_deeply_nested_payload_needs_no_recursion():
    value: object = "\x00"
    for _ in range(5000):
        value = [value]
    assert not db_storable(value)


def test_the_authority_field_and_the_webhook_use_the_one_guard():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for path in ("visits/apis.py", "interpreters/apis.py"):
        source = (root / path).read_text()
        assert "db_storable(" in source and "UnicodeEncodeError" not in source, path
