"""Money APIs: the price estimate before ordering and a booking's requisition (confirm/dispute).

- GET /api/v1/price-estimate/?language=&modality=phone|video&competence=&start=&minutes=
- GET/POST /api/v1/bookings/{id}/requisition/
- GET /api/v1/requisitions/disputed/ (office managers: disputed requisitions at their offices)
"""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import BAD_INPUT, NOT_FOUND, READ_ERRORS, WRITE_ERRORS
from config.request_types import AuthenticatedRequest
from config.serializers import StrictInputSerializer
from interpreters.models import CompetenceLevel, InterpreterBooking, Requisition
from interpreters.selectors import booking_requisition, bookings_for_user, disputed_requisitions
from interpreters.services.pricing import MAX_MINUTES, ROW_KINDS, price_estimate
from interpreters.services.requisitions import DECISIONS, requisition_decide
from visits.errors import DomainError
from visits.languages import normalize_language_tag
from visits.permissions import Action, offices_for_request


class PriceRowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(ROW_KINDS))
    quantity = serializers.IntegerField(
        help_text="Count of the unit (started steps); for a percentage charge, the fee in öre it applies to."
    )
    unit_price_ore = serializers.IntegerField(
        help_text="Price per unit in öre; for a percentage charge, the rate in hundredths of a per cent."
    )
    amount_ore = serializers.IntegerField()


class PriceOutputSerializer(serializers.Serializer):
    rows = PriceRowSerializer(many=True)
    total_ore = serializers.IntegerField()


class PriceEstimateQuerySerializer(StrictInputSerializer):
    language = serializers.CharField(max_length=35)
    modality = serializers.ChoiceField(choices=["phone", "video"])
    competence = serializers.ChoiceField(choices=CompetenceLevel.choices)
    start = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="ISO 8601 with offset; empty: on demand, now."
    )
    minutes = serializers.IntegerField(min_value=1, max_value=MAX_MINUTES)

    def validate_language(self, value: str) -> str:
        try:
            return normalize_language_tag(value)
        except DomainError as exc:
            raise serializers.ValidationError(exc.message) from None

    def validate_start(self, value: Any) -> Any:
        # DRF would read a time without offset as Stockholm time: the contract asks for an offset.
        raw = parse_datetime(str(self.initial_data.get("start") or ""))
        if value is not None and (raw is None or raw.tzinfo is None):
            raise serializers.ValidationError("Give the time with an offset (ISO 8601).")
        return value


def _estimate_parameters() -> list[OpenApiParameter]:
    return [
        OpenApiParameter("language", str, required=True, description="BCP 47 tag"),
        OpenApiParameter("modality", str, required=True, enum=["phone", "video"]),
        OpenApiParameter("competence", str, required=True, enum=list(CompetenceLevel.values)),
        OpenApiParameter(
            "start", str, required=False, description="ISO 8601 with offset: a pre-booking (framework list)."
        ),
        OpenApiParameter("minutes", int, required=True),
    ]


class PriceEstimateApi(APIView):
    """What a call would cost, itemised. A `start` prices a pre-booking on the framework list; no
    `start` prices an on-demand call now. Any signed-in staff member may ask."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=_estimate_parameters(),
        responses={200: PriceOutputSerializer, 400: BAD_INPUT, **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        if not offices_for_request(request, Action.PRICE_ESTIMATE).exists():
            raise PermissionDenied()
        query = PriceEstimateQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        v = query.validated_data
        price = price_estimate(competence=v["competence"], minutes=v["minutes"], start=v["start"])
        return Response({"rows": price.rows_as_dicts(), "total_ore": price.total_ore})


# ------------------------------------------------------------------------------------------------
# Requisitions


class RequisitionOutputSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    replaces = serializers.IntegerField(source="replaces_id", read_only=True, allow_null=True)

    class Meta:
        model = Requisition
        fields = [
            "id",
            "status",
            "status_label",
            "reported_start",
            "reported_end",
            "reported_minutes",
            "office_start",
            "office_end",
            "office_minutes",
            "confirmed_minutes",
            "billed_minutes",
            "cost_ore",
            "cost_rows",
            "comment",
            "corrected",
            "replaces",
            "created_at",
            "decided_at",
        ]


class RequisitionInputSerializer(StrictInputSerializer):
    action = serializers.ChoiceField(choices=list(DECISIONS))
    minutes = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=MAX_MINUTES
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class BookingRequisitionApi(APIView):
    """The booking's current requisition (404 before the agency has reported the call). POST
    confirms (the reported minutes unless `minutes` is given) or disputes (with a comment)."""

    permission_classes = [IsAuthenticated]

    def _booking(self, request: Request, pk: int, action: Action) -> InterpreterBooking:
        booking = get_object_or_404(bookings_for_user(request.user), pk=pk)
        if not offices_for_request(request, action).filter(pk=booking.office_id).exists():
            raise PermissionDenied()
        return booking

    @extend_schema(responses={200: RequisitionOutputSerializer, 404: NOT_FOUND, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        booking = self._booking(request, pk, Action.REQUISITION_VIEW)
        requisition = booking_requisition(booking)
        if requisition is None:
            return Response({"detail": "No requisition yet."}, status=404)
        return Response(RequisitionOutputSerializer(requisition).data)

    @extend_schema(
        request=RequisitionInputSerializer,
        responses={200: RequisitionOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        booking = self._booking(request, pk, Action.REQUISITION_DECIDE)
        data = RequisitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        requisition = requisition_decide(
            booking=booking, by=request.user, action=v["action"], minutes=v["minutes"], comment=v["comment"]
        )
        return Response(RequisitionOutputSerializer(requisition).data)


class DisputedRequisitionSerializer(RequisitionOutputSerializer):
    booking = serializers.IntegerField(source="booking_id", read_only=True)
    office = serializers.IntegerField(source="booking.office_id", read_only=True)
    agency = serializers.CharField(source="booking.agency.slug", read_only=True, allow_null=True, default=None)

    class Meta(RequisitionOutputSerializer.Meta):
        fields = ["booking", "office", "agency", *RequisitionOutputSerializer.Meta.fields]


class DisputedRequisitionListApi(APIView):
    """Disputed requisitions at the offices the user manages, oldest first (at most 500)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: DisputedRequisitionSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request) -> Response:
        offices = offices_for_request(request, Action.REQUISITION_DISPUTES_VIEW)
        if not offices.exists():
            raise PermissionDenied()
        rows = disputed_requisitions(offices=offices)[:500]
        return Response(DisputedRequisitionSerializer(rows, many=True).data)
