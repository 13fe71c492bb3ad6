"""Serializer building blocks every app's API shares. Inputs from our own clients (pages' JS, the
kiosk, API users) use StrictInputSerializer, so an unknown key is a 400 on that key; the agency
webhook (interpreters/apis.py:AgencyCallbackSerializer) is the one tolerant input, on purpose."""

import threading
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers


def db_storable(value: Any) -> bool:
    """Whether `value` (a string, or JSON nested as deep as the parser allows) can be stored: PostgreSQL
    refuses NUL characters in text and \\u0000 in jsonb with an error (a 500, not a miss), and a lone
    surrogate (\\ud800, which JSON allows) cannot be encoded as UTF-8. Iterative, so depth costs no
    recursion. The one guard for inputs that bypass DRF's own CharField validators."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return False
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


# One instance per serializer class and thread, its fields built once (see `built_once`).
_built = threading.local()


def built_once(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    """This thread's instance of `serializer_class`, its fields built on first use.

    DRF builds (deep-copies, and for a ModelSerializer derives from the model) every field each time
    a serializer is constructed: about 1.5 ms for a visit's output and 0.5 ms for the check-in's
    input on a 2-core machine, a sixth of a check-in's Python time. On a hot path, build once and
    call only the two methods that keep no state on the instance: `run_validation(data)` (what
    `is_valid` runs; raises the same ValidationError) and `to_representation(instance)` (what
    `.data` returns), through `validated` / `represented` below. Per thread, because the context is
    set on the instance for the duration of one call."""
    instances: dict[type[serializers.Serializer], serializers.Serializer] = _built.__dict__.setdefault("instances", {})
    found = instances.get(serializer_class)
    if found is None:
        found = instances[serializer_class] = serializer_class(context={})
        found.fields  # noqa: B018 - build the fields now, once
    return found


def validated(serializer_class: type[serializers.Serializer], data: Any) -> Any:
    """`serializer_class(data=data)`'s validated data, or the same ValidationError `is_valid` raises."""
    return built_once(serializer_class).run_validation(data)


def represented(serializer_class: type[serializers.Serializer], instance: Any, *, context: dict[str, Any]) -> Any:
    """What `serializer_class(instance, context=context).data` holds, without building the fields."""
    serializer = built_once(serializer_class)
    serializer._context = context
    try:
        return serializer.to_representation(instance)
    finally:
        serializer._context = {}


class StrictInputSerializer(serializers.Serializer):
    """Rejects keys the serializer does not know, reporting them with the other field errors."""

    unknown_field_message = gettext_lazy("Unknown field.")

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(str(key) for key in data if key not in self.fields) if isinstance(data, Mapping) else []
        errors: dict[str, Any] = {}
        value = None
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            errors.update(exc.detail)
        for key in unknown:
            errors[key] = [self.unknown_field_message]
        if errors:
            raise serializers.ValidationError(errors)
        return value


class StrictInputSchema(OpenApiSerializerExtension):
    """Documents what StrictInputSerializer enforces: a request object admits no other keys."""

    target_class = StrictInputSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id must be a JSON integer: not "5", not true (a bool is an int in Python)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            return super().to_internal_value(data)
        except OverflowError:
            # An id beyond the database's integer range cannot exist.
            self.fail("does_not_exist", pk_value=data)


class UnloadedPrimaryKeyField(StrictPrimaryKeyRelatedField):
    """An id checked for type and range only; the view loads the row through a limited selector
    (one query that both finds the row and checks the caller may act on it)."""

    MAX_ID = 2**31 - 1  # the id column's range: a larger number cannot exist (and must not reach SQL)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= self.MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return data
