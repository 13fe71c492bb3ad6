"""Officer hours per office and day (the workload model): PUT/DELETE one day, GET one day or a range.

Scoping as everywhere: an office outside the user's offices is 404; an office of theirs where their
role lacks Action.STAFFING_EDIT (only office managers and national admins have it) is 403."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import BAD_INPUT, NOT_ALLOWED, NOT_FOUND, NOT_SIGNED_IN, READ_ERRORS, WRITE_ERRORS
from config.parsers import BoundedJSONParser
from config.serializers import StrictInputSerializer
from visits.apis import acting_user
from visits.models import Office, StaffingDay
from visits.permissions import Action, offices_for_action
from visits.selectors import offices_for_user, staffing_days
from visits.services import MAX_OFFICER_HOURS, staffing_day_delete, staffing_day_set

MAX_RANGE_DAYS = 366


class StaffingDayOutputSerializer(serializers.ModelSerializer):
    office = serializers.IntegerField(source="office_id")
    officer_hours = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)

    class Meta:
        model = StaffingDay
        fields = ["office", "date", "officer_hours", "updated_at"]


def _office_for_staffing(request: Request, office_id: int) -> Office:
    office = get_object_or_404(offices_for_user(request.user), pk=office_id)
    if not offices_for_action(request.user, Action.STAFFING_EDIT).filter(pk=office.pk).exists():
        raise PermissionDenied(_("Your role does not allow this action."))
    return office


def _parse_day(text: str, field: str = "date") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError({field: [_("Enter a date as YYYY-MM-DD.")]}) from exc


class StaffingDayApi(APIView):
    parser_classes = [BoundedJSONParser]

    class InputSerializer(StrictInputSerializer):
        officer_hours = serializers.DecimalField(
            max_digits=6, decimal_places=2, min_value=Decimal("0"), max_value=MAX_OFFICER_HOURS
        )

    @extend_schema(responses={200: StaffingDayOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND, **READ_ERRORS})
    def get(self, request: Request, office_id: int, day: str) -> Response:
        office = _office_for_staffing(request, office_id)
        row = get_object_or_404(StaffingDay, office=office, date=_parse_day(day))
        return Response(StaffingDayOutputSerializer(row).data)

    @extend_schema(
        request=InputSerializer,
        responses={200: StaffingDayOutputSerializer, 201: StaffingDayOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
    )
    def put(self, request: Request, office_id: int, day: str) -> Response:
        office = _office_for_staffing(request, office_id)
        parsed_day = _parse_day(day)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row, created = staffing_day_set(
            office=office,
            day=parsed_day,
            officer_hours=serializer.validated_data["officer_hours"],
            by=acting_user(request),
        )
        return Response(
            StaffingDayOutputSerializer(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(responses={204: None, 400: BAD_INPUT, 401: NOT_SIGNED_IN, 403: NOT_ALLOWED, 404: NOT_FOUND})
    def delete(self, request: Request, office_id: int, day: str) -> Response:
        office = _office_for_staffing(request, office_id)
        if not staffing_day_delete(office=office, day=_parse_day(day)):
            return Response({"detail": _("No officer hours recorded for that day.")}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StaffingListApi(APIView):
    class FilterSerializer(StrictInputSerializer):
        since = serializers.DateField(required=False)
        until = serializers.DateField(required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            until = attrs.get("until") or date.today()
            since = attrs.get("since") or until - timedelta(days=6)
            if since > until:
                raise serializers.ValidationError({"since": [_("The start is after the end.")]})
            if (until - since).days >= MAX_RANGE_DAYS:
                raise serializers.ValidationError({"since": [_("At most one year at a time.")]})
            return {"since": since, "until": until}

    @extend_schema(
        parameters=[OpenApiParameter("since", str), OpenApiParameter("until", str)],
        responses={200: StaffingDayOutputSerializer(many=True), 400: BAD_INPUT, 404: NOT_FOUND, **READ_ERRORS},
    )
    def get(self, request: Request, office_id: int) -> Response:
        office = _office_for_staffing(request, office_id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        window = filters.validated_data
        rows = staffing_days(office=office, since=window["since"], until=window["until"])
        return Response(StaffingDayOutputSerializer(rows, many=True).data)
