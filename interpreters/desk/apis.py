"""The desk's API: the outcome the officer records at the end of a visit (/api/v1/visits/{id}/outcome/),
and the channels outside tolkdesk's own booking (issue 11):

    GET/POST /api/v1/visits/{id}/direct-line/        the ranked agency's direct number / "connected"
    POST     /api/v1/bookings/{id}/direct-line/end/  "ended": minutes and price
    POST     /api/v1/visits/{id}/external-orders/    an interpreter ordered elsewhere

Another office's visit or booking is 404; a receptionist (no BOOKING_REQUEST) 403."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import BAD_INPUT, NOT_FOUND, READ_ERRORS, WRITE_ERRORS
from config.request_types import AuthenticatedRequest
from config.serializers import StrictInputSerializer
from interpreters.apis import BookingOutputSerializer
from interpreters.desk.services import (
    MAX_COST_ORE,
    ExternalOrder,
    direct_line_connect,
    direct_line_end,
    direct_line_show,
    external_order_record,
    visit_outcome_record,
)
from interpreters.models import CompetenceLevel, InterpreterAgency, Modality
from interpreters.selectors import bookings_for_user
from interpreters.services.pricing import MAX_MINUTES
from visits.errors import DomainError
from visits.models import NotUsedReason, VisitOutcome
from visits.permissions import Action, check_object_access, visit_for_request_or_404
from visits.services import outcome_warnings


class OutcomeInputSerializer(StrictInputSerializer):
    interpreter_used = serializers.BooleanField()
    reason_not_used = serializers.ChoiceField(choices=NotUsedReason.choices, required=False, allow_blank=True)


class OutcomeOutputSerializer(serializers.ModelSerializer):
    reason_not_used_label = serializers.CharField(source="get_reason_not_used_display", read_only=True)
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = VisitOutcome
        fields = ["visit", "interpreter_used", "reason_not_used", "reason_not_used_label", "recorded_at", "warnings"]

    def get_warnings(self, outcome: VisitOutcome) -> list[str]:
        return [str(w) for w in outcome_warnings(outcome=outcome)]


class VisitOutcomeApi(APIView):
    """Read, record or correct whether an interpreter was used at a visit (and if not, why).

    POST and PUT do the same: the visit has at most one outcome, recording again replaces it."""

    @extend_schema(
        responses={200: OutcomeOutputSerializer, 404: NOT_FOUND, **READ_ERRORS},
        description="404 also when the visit has no outcome yet.",
    )
    def get(self, request: Request, pk: int) -> Response:
        # Another office's visit is "not found", never "forbidden": its existence is not disclosed.
        visit = visit_for_request_or_404(request, pk, Action.VISIT_VIEW)
        outcome = get_object_or_404(VisitOutcome, visit=visit)
        return Response(OutcomeOutputSerializer(outcome).data)

    @extend_schema(
        request=OutcomeInputSerializer,
        responses={200: OutcomeOutputSerializer, 201: OutcomeOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        visit = visit_for_request_or_404(request, pk, Action.OUTCOME_RECORD)
        serializer = OutcomeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome, created = visit_outcome_record(
            visit=visit,
            interpreter_used=serializer.validated_data["interpreter_used"],
            reason_not_used=serializer.validated_data.get("reason_not_used", ""),
            recorded_by=request.user,
        )
        return Response(
            OutcomeOutputSerializer(outcome).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        request=OutcomeInputSerializer, responses={200: OutcomeOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS}
    )
    def put(self, request: AuthenticatedRequest, pk: int) -> Response:
        return self.post(request, pk)


# ------------------------------------------------------------------------------------------------
# Every channel counted (issue 11): the agency's direct line, and an interpreter ordered elsewhere


class DirectLineAgencySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class DirectLineOutputSerializer(serializers.Serializer):
    agency = DirectLineAgencySerializer()
    language = serializers.CharField()
    phone = serializers.CharField()
    opening_hours = serializers.CharField()


class DirectLineQuerySerializer(StrictInputSerializer):
    language = serializers.CharField(required=False, allow_blank=True, max_length=35, default="")


class DirectLineEndInputSerializer(StrictInputSerializer):
    ended_at = serializers.DateTimeField(required=False)
    minutes = serializers.IntegerField(required=False, min_value=0, max_value=MAX_MINUTES)


class ExternalOrderInputSerializer(StrictInputSerializer):
    order_number = serializers.CharField(max_length=40)
    agency = serializers.SlugField(required=False, max_length=60)
    agency_name = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
    language = serializers.CharField(required=False, allow_blank=True, max_length=35, default="")
    modality = serializers.ChoiceField(choices=Modality.choices, required=False, default=Modality.PHONE)
    competence = serializers.ChoiceField(choices=CompetenceLevel.choices, required=False, allow_blank=True, default="")
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    cost_ore = serializers.IntegerField(required=False, min_value=0, max_value=MAX_COST_ORE)


def _booking_answer(request: Request, booking_id: int, code: int = status.HTTP_200_OK) -> Response:
    booking = bookings_for_user(request.user).prefetch_related("events", "requirements").get(pk=booking_id)
    return Response(BookingOutputSerializer(booking).data, status=code)


class VisitDirectLineApi(APIView):
    """GET: the direct number of the ranked agency for the visit's language (or `?language=`).
    POST: the officer is connected through it: a booking in progress (201)."""

    @extend_schema(
        parameters=[DirectLineQuerySerializer],
        responses={200: DirectLineOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND, **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        visit = visit_for_request_or_404(request, pk, Action.BOOKING_REQUEST)
        query = DirectLineQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        line = direct_line_show(visit=visit, language=query.validated_data["language"])
        return Response(
            DirectLineOutputSerializer(
                {
                    "agency": line.agency,
                    "language": line.language,
                    "phone": str(line.phone),
                    "opening_hours": line.opening_hours,
                }
            ).data
        )

    @extend_schema(
        request=DirectLineQuerySerializer,
        responses={201: BookingOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        visit = visit_for_request_or_404(request, pk, Action.BOOKING_REQUEST)
        data = DirectLineQuerySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = direct_line_connect(visit=visit, by=request.user, language=data.validated_data["language"])
        return _booking_answer(request, booking.pk, status.HTTP_201_CREATED)


class DirectLineEndApi(APIView):
    """The direct-line call ended: the booking completes with its minutes and on-demand price."""

    @extend_schema(
        request=DirectLineEndInputSerializer,
        responses={200: BookingOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        booking = get_object_or_404(bookings_for_user(request.user).select_related("visit"), pk=pk)
        check_object_access(request, booking, Action.BOOKING_REQUEST)
        data = DirectLineEndInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        direct_line_end(
            booking=booking,
            by=request.user,
            ended_at=data.validated_data.get("ended_at"),
            minutes=data.validated_data.get("minutes"),
        )
        return _booking_answer(request, booking.pk)


class VisitExternalOrderApi(APIView):
    """Record an interpreter ordered outside tolkdesk for the visit (201): it counts in the reports'
    use, minutes and cost like a booking made here."""

    @extend_schema(
        request=ExternalOrderInputSerializer,
        responses={201: BookingOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        visit = visit_for_request_or_404(request, pk, Action.BOOKING_REQUEST)
        data = ExternalOrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        agency = None
        if values.get("agency"):
            agency = InterpreterAgency.objects.filter(slug=values["agency"]).first()
            if agency is None:
                raise DomainError(_("No such agency."), field="agency", code="not_found")
        booking = external_order_record(
            visit=visit,
            by=request.user,
            order=ExternalOrder(
                order_number=values["order_number"],
                started_at=values["started_at"],
                ended_at=values["ended_at"],
                modality=values["modality"],
                language=values["language"],
                agency=agency,
                agency_name=values["agency_name"],
                competence=values["competence"],
                cost_ore=values.get("cost_ore"),
            ),
        )
        return _booking_answer(request, booking.pk, status.HTTP_201_CREATED)
