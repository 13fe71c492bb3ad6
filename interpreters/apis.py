"""Booking API: validate -> call service -> serialize. Scoped to the user's offices (another office's
booking is 404). The agency webhook authenticates by HMAC signature, not by session."""

import json
import logging
from typing import Any

import django_filters
from django import forms
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.client_ip import client_ip_address
from config.openapi import BAD_INPUT, NOT_FOUND, READ_ERRORS, TOO_LARGE, WRITE_ERRORS
from config.request_types import AuthenticatedRequest
from config.serializers import StrictInputSerializer, db_storable
from interpreters.agency_safety import connection_url_validate
from interpreters.apis_money import RequisitionOutputSerializer
from interpreters.backends import AgencyEvent
from interpreters.events import CALLBACK_EVENT_TYPES, COMPLAINT_ANSWER_TYPES, AgencyEventType
from interpreters.models import (
    OFFICE_CANCEL_REASONS,
    REACHABLE_BOOKING_STATUSES,
    BookingEvent,
    BookingRequirement,
    BookingStatus,
    CompetenceLevel,
    Gender,
    InterpreterAgency,
    InterpreterBooking,
    Modality,
    RequirementKind,
)
from interpreters.selectors import booking_requisition, bookings_for_user
from interpreters.services import (
    CallbackRejected,
    agency_callback_receive,
    agency_callback_verify,
    booking_cancel,
    booking_request_or_existing,
)
from interpreters.services.pricing import MAX_MINUTES
from interpreters.services.requirements import MAX_REQUIREMENTS
from interpreters.throttling import AgencyCallbackRateThrottle
from visits.audit import audit_dialect_list_read
from visits.errors import DomainError
from visits.permissions import Action, office_permission, visit_for_request_or_404

logger = logging.getLogger(__name__)


class BookingEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = BookingEvent
        fields = ["from_status", "to_status", "source", "at", "detail"]


class BookingAgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = InterpreterAgency
        fields = ["slug", "name"]


class JsonBooleanField(serializers.BooleanField):
    """true or false only: not "yes", "on", 1 or "0"."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class RequirementInputSerializer(StrictInputSerializer):
    """One requirement of an order (also used in an appointment's `interpreter` body)."""

    kind = serializers.ChoiceField(choices=RequirementKind.choices)
    value = serializers.CharField(max_length=80)
    # The serializer metaclass takes declared fields off the class, so this does not replace
    # Field.required (the stubs cannot know that).
    required = JsonBooleanField(required=False, default=False)  # type: ignore[assignment]
    rank = serializers.ChoiceField(choices=[1, 2], required=False, default=1)


class RequirementOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = BookingRequirement
        fields = ["kind", "value", "required", "rank", "met"]


class DeliveredInterpreterSerializer(serializers.Serializer):
    name = serializers.CharField(source="interpreter_name")
    agency_ref = serializers.CharField(source="interpreter_agency_ref")
    official_number = serializers.CharField(source="interpreter_official_number")
    gender = serializers.CharField(source="interpreter_gender")
    competence = serializers.CharField(source="interpreter_competence")


class BookingRatingSerializer(serializers.Serializer):
    stars = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.CharField())


class BookingOutputSerializer(serializers.ModelSerializer):
    office = serializers.IntegerField(source="office_id", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    agency = BookingAgencySerializer(read_only=True, allow_null=True)
    connection = serializers.SerializerMethodField()
    events = BookingEventSerializer(many=True, read_only=True)
    requirements = RequirementOutputSerializer(many=True, read_only=True)
    delivered_interpreter = DeliveredInterpreterSerializer(source="*", read_only=True)
    requisition = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()

    class Meta:
        model = InterpreterBooking
        fields = [
            "id",
            "visit",
            "appointment",
            "office",
            "channel",
            "external_order_number",
            "external_agency_name",
            "language",
            "dialect",
            "modality",
            "scheduled_for",
            "urgent",
            "gender_preference",
            "competence_required",
            "competence_wished",
            "requirements",
            "status",
            "status_label",
            "agency",
            "agency_reference",
            "interpreter_name",
            "interpreter_competence",
            "delivered_interpreter",
            "connection",
            "failure_reason",
            "attempts",
            "answer_by",
            "minutes_used",
            "minutes_ordered",
            "cost_ore",
            "cost_estimated_ore",
            "estimate_rows",
            "cost_reported_ore",
            "cost_confirmed_ore",
            "cost_rows",
            "cancellation_fee_ore",
            "cancellation_fee_rows",
            "cancel_reason",
            "cancel_note",
            "requisition",
            "rating",
            "requested_at",
            "pending_at",
            "confirmed_at",
            "started_at",
            "ended_at",
            "cancelled_at",
            "failed_at",
            "events",
        ]

    @extend_schema_field(BookingRatingSerializer(allow_null=True))
    def get_rating(self, booking: InterpreterBooking) -> dict[str, Any] | None:
        """The officer's rating of the call (PUT /api/v1/bookings/{id}/rating/), or null."""
        rating = getattr(booking, "rating", None)
        return None if rating is None else {"stars": rating.stars, "problems": list(rating.problems)}

    @extend_schema_field(RequisitionOutputSerializer(allow_null=True))
    def get_requisition(self, booking: InterpreterBooking) -> dict[str, Any] | None:
        """The current requisition (the agency's claim and the office's answer), or null."""
        requisition = booking_requisition(booking)
        return None if requisition is None else RequisitionOutputSerializer(requisition).data

    def get_connection(self, booking: InterpreterBooking) -> dict[str, str] | None:
        """How to reach the interpreter: only once the agency has confirmed."""
        if booking.status not in REACHABLE_BOOKING_STATUSES:
            return None
        return {"phone": str(booking.connection_phone or ""), "url": booking.connection_link}


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdFilter(django_filters.Filter):
    """A row id: a whole number in the database's integer range. NumberFilter takes any decimal, and
    an id beyond the range made the query itself fail (a 500) instead of a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class BookingFilter(django_filters.FilterSet):
    # A booking counts on its visit's office and date, or before check-in its appointment's.
    office = IdFilter(method="filter_office")
    visit = IdFilter(field_name="visit_id")
    appointment = IdFilter(field_name="appointment_id")
    status = django_filters.MultipleChoiceFilter(choices=BookingStatus.choices)
    date = django_filters.DateFilter(method="filter_date")
    date_from = django_filters.DateFilter(method="filter_date")
    date_to = django_filters.DateFilter(method="filter_date")

    class Meta:
        model = InterpreterBooking
        fields = ["office", "visit", "appointment", "status", "date", "date_from", "date_to"]

    def filter_office(self, queryset: QuerySet[InterpreterBooking], name: str, value: int) -> QuerySet:
        return queryset.filter(Q(visit__office_id=value) | Q(visit__isnull=True, appointment__office_id=value))

    def filter_date(self, queryset: QuerySet[InterpreterBooking], name: str, value: Any) -> QuerySet:
        lookup = {"date": "", "date_from": "__gte", "date_to": "__lte"}[name]
        return queryset.filter(
            Q(**{f"visit__service_date{lookup}": value})
            | Q(**{"visit__isnull": True, f"appointment__service_date{lookup}": value})
        )


def _scoped_bookings(request: Request) -> QuerySet[InterpreterBooking]:
    return (
        bookings_for_user(request.user)
        .prefetch_related(Prefetch("events", queryset=BookingEvent.objects.order_by("at", "pk")), "requirements")
        .select_related("rating")
    )


class BookingCreateInputSerializer(StrictInputSerializer):
    visit = serializers.IntegerField(min_value=1)
    modality = serializers.ChoiceField(choices=Modality.choices)
    language = serializers.CharField(required=False, allow_blank=True, max_length=35)
    dialect = serializers.CharField(required=False, allow_blank=True, max_length=80, default="")
    scheduled_for = serializers.DateTimeField(required=False, allow_null=True, default=None)
    gender_preference = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True, default="")
    competence_required = serializers.ChoiceField(
        choices=CompetenceLevel.choices, required=False, allow_blank=True, default=""
    )
    competence_wished = serializers.ChoiceField(
        choices=CompetenceLevel.choices, required=False, allow_blank=True, default=""
    )
    requirements = RequirementInputSerializer(many=True, required=False, max_length=MAX_REQUIREMENTS)  # type: ignore[call-arg]
    minutes_ordered = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_MINUTES,
        help_text="Expected length: the estimate stored on the booking, and the billing floor when pre-booked.",
    )  # fmt: skip


class BookingListCreateApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = BookingOutputSerializer
    filterset_class = BookingFilter

    def get_queryset(self) -> QuerySet[InterpreterBooking]:
        return _scoped_bookings(self.request).order_by("-requested_at", "-pk")

    @extend_schema(responses={200: BookingOutputSerializer(many=True), 400: BAD_INPUT, **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        # Dialect is personal data (README): a list that shows one is a logged read.
        items = response.data.get("results", []) if isinstance(response.data, dict) else response.data
        # A pre-booking's dialect is the appointment's (its reads are logged by the appointments API).
        shown = [(item["visit"], item["office"]) for item in items if item.get("dialect") and item["visit"]]
        audit_dialect_list_read(
            user=request.user, shown=shown, via="api:booking-list", remote_addr=client_ip_address(request)
        )
        return response

    @extend_schema(
        request=BookingCreateInputSerializer,
        responses={201: BookingOutputSerializer, 200: BookingOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
        description="Request an interpreter for a visit. If the visit already has an active booking, "
        "that booking is returned with 200 instead of creating a second one.",
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = BookingCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        args = dict(data.validated_data)
        visit = visit_for_request_or_404(request, args.pop("visit"), Action.BOOKING_REQUEST)
        language = args.pop("language", None) or None
        booking, created = booking_request_or_existing(
            visit=visit, requested_by=request.user, language=language, **args
        )
        booking = _scoped_bookings(request).get(pk=booking.pk)
        return Response(
            BookingOutputSerializer(booking).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class BookingDetailApi(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = BookingOutputSerializer

    def get_queryset(self) -> QuerySet[InterpreterBooking]:
        return _scoped_bookings(self.request)

    @extend_schema(responses={200: BookingOutputSerializer, 404: NOT_FOUND, **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class BookingCancelInputSerializer(StrictInputSerializer):
    reason = serializers.ChoiceField(choices=[(r.value, r.label) for r in OFFICE_CANCEL_REASONS])
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, default="", help_text="Personal data: purged."
    )


class BookingCancelApi(APIView):
    """Cancel with a reason. The fee the office owes (`cancellation_fee_ore`) follows the booking's
    price list: within 48 working hours of the start the full ordered price, else the broker fee;
    on-demand calls before the interpreter connects cost nothing."""

    permission_classes = [office_permission(Action.BOOKING_CANCEL)]

    @extend_schema(
        request=BookingCancelInputSerializer, responses={200: BookingOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS}
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        booking = get_object_or_404(bookings_for_user(request.user), pk=pk)
        self.check_object_permissions(request, booking)
        data = BookingCancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking_cancel(
            booking=booking, by=request.user, reason=data.validated_data["reason"], note=data.validated_data["note"]
        )
        return Response(BookingOutputSerializer(_scoped_bookings(request).get(pk=pk)).data)


# ------------------------------------------------------------------------------------------------
# Agency webhook


class CallbackInterpreterSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
    id = serializers.CharField(required=False, allow_blank=True, max_length=80, default="")
    official_number = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True, default="")
    competence = serializers.ChoiceField(choices=CompetenceLevel.choices, required=False, allow_blank=True, default="")


class CallbackRequirementSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    met = serializers.BooleanField()


class CallbackConnectionSerializer(serializers.Serializer):
    phone = PhoneNumberField(required=False, allow_blank=True, default="")
    url = serializers.URLField(
        required=False, allow_blank=True, max_length=200, default="", validators=[connection_url_validate]
    )


class AgencyCallbackSerializer(serializers.Serializer):
    """Tolerant on purpose (not StrictInputSerializer): an agency may send keys we do not use yet,
    and refusing its callback for that would lose the event. The whole payload is stored."""

    event_id = serializers.CharField(max_length=80)
    type = serializers.ChoiceField(choices=CALLBACK_EVENT_TYPES)
    booking_id = serializers.UUIDField(help_text="The idempotency key tolkdesk sent with the booking.")
    reference = serializers.CharField(required=False, allow_blank=True, max_length=80, default="")
    interpreter = CallbackInterpreterSerializer(required=False)
    connection = CallbackConnectionSerializer(required=False)
    minutes = serializers.IntegerField(required=False, min_value=0, max_value=24 * 60, allow_null=True, default=None)
    requirements = CallbackRequirementSerializer(many=True, required=False, max_length=50)  # type: ignore[call-arg]
    complaint_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, allow_null=True)
    answer = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    # The interpreter's start and end of the call (optional; on "ended" and "requisition_corrected").
    started_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    # When the event happened (the agency's clock). Callbacks may arrive out of order: they are applied
    # by this time, so every order ends in the same state. Absent: the time it is received.
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        needs_minutes = (AgencyEventType.ENDED, AgencyEventType.REQUISITION_CORRECTED)
        if attrs["type"] in needs_minutes and attrs.get("minutes") is None:
            raise serializers.ValidationError({"minutes": "An ended call needs its minutes."})
        if attrs["type"] in COMPLAINT_ANSWER_TYPES and not attrs.get("complaint_id"):
            raise serializers.ValidationError({"complaint_id": "A complaint answer names the complaint."})
        start, end = attrs.get("started_at"), attrs.get("ended_at")
        if start is not None and end is not None and end < start:
            raise serializers.ValidationError({"ended_at": "The end is before the start."})
        return attrs


CALLBACK_REFUSED = {"detail": "Bad signature or timestamp."}


class AgencyCallbackApi(APIView):
    """Callbacks from an HTTP agency. Headers: X-Tolkdesk-Timestamp (unix seconds) and
    X-Tolkdesk-Signature (hex HMAC-SHA256 of "<timestamp>.<raw body>" with the agency's secret).
    A bad signature or stale timestamp is 401 and writes nothing; a repeated event id is a 200 no-op."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes: list = []  # the signature covers the raw bytes: parse them ourselves, after checking
    # Not the anonymous per-address budget: the signature is checked first, then the agency's own
    # budget (AgencyCallbackRateThrottle), so forged requests cannot crowd out genuine callbacks.
    throttle_classes: list = []

    @extend_schema(
        # No parser classes (the raw body is verified first), so the media type is named here:
        # without it the schema documented no request body at all.
        request={"application/json": AgencyCallbackSerializer},
        parameters=[
            OpenApiParameter("X-Tolkdesk-Timestamp", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-Tolkdesk-Signature", str, OpenApiParameter.HEADER, required=True),
        ],
        responses={
            200: inline_serializer(
                "AgencyCallbackResult",
                {
                    "duplicate": serializers.BooleanField(),
                    "changed": serializers.BooleanField(),
                    "status": serializers.CharField(),
                },
            ),
            400: OpenApiResponse(description="Malformed callback"),
            401: OpenApiResponse(description="Bad signature or timestamp, or no such agency (not told apart)"),
            409: OpenApiResponse(description="The event contradicts the booking's state"),
            413: TOO_LARGE,
            429: OpenApiResponse(description="The agency's callback budget is used up; see Retry-After"),
        },
    )
    def post(self, request: Request, agency_slug: str) -> Response:
        # An unknown slug answers exactly like a bad signature: the answer tells no one which agencies exist.
        agency = InterpreterAgency.objects.filter(slug=agency_slug).first()
        if agency is None:
            logger.info("agency callback refused: unknown agency slug")
            return Response(CALLBACK_REFUSED, status=status.HTTP_401_UNAUTHORIZED)
        body = request._request.body  # raw bytes, as signed
        try:
            agency_callback_verify(
                agency=agency,
                timestamp=request.headers.get("X-Tolkdesk-Timestamp", ""),
                signature=request.headers.get("X-Tolkdesk-Signature", ""),
                body=body,
            )
        except CallbackRejected as exc:
            # The reason goes to the log only: "no webhook secret configured" would confirm the slug.
            logger.info("agency callback refused for %s: %s", agency.slug, exc.reason)
            return Response(CALLBACK_REFUSED, status=status.HTTP_401_UNAUTHORIZED)
        budget = AgencyCallbackRateThrottle(agency)
        if not budget.allow_request(request, self):
            self.throttled(request, budget.wait() or 1.0)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return Response({"detail": "Body is not JSON."}, status=status.HTTP_400_BAD_REQUEST)
        if not isinstance(payload, dict):
            return Response({"detail": "Body must be a JSON object."}, status=status.HTTP_400_BAD_REQUEST)
        # The whole payload is recorded (AgencyCallback.payload): anything unstorable is refused here.
        if not db_storable(payload):
            return Response(
                {"detail": "Body holds a NUL character or an unpaired surrogate."}, status=status.HTTP_400_BAD_REQUEST
            )
        data = AgencyCallbackSerializer(data=payload)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        interp = v.get("interpreter") or {}
        conn = v.get("connection") or {}
        event = AgencyEvent(
            type=v["type"],
            reference=v["reference"],
            interpreter_name=interp.get("name", ""),
            interpreter_ref=interp.get("id", ""),
            interpreter_official_number=interp.get("official_number", ""),
            requirement_answers={a["id"]: a["met"] for a in v.get("requirements") or []},
            complaint_id=v.get("complaint_id"),
            answer=v.get("answer", ""),
            interpreter_gender=interp.get("gender", ""),
            interpreter_competence=interp.get("competence", ""),
            connection_phone=str(conn.get("phone") or ""),
            connection_url=conn.get("url", ""),
            minutes=v.get("minutes"),
            started_at=v.get("started_at"),
            ended_at=v.get("ended_at"),
            occurred_at=v.get("occurred_at"),
            raw=payload,
        )
        try:
            result = agency_callback_receive(
                agency=agency, event_id=v["event_id"], booking_key=str(v["booking_id"]), event=event, payload=payload
            )
        except DomainError as exc:
            code = status.HTTP_409_CONFLICT if exc.code == "illegal_transition" else status.HTTP_400_BAD_REQUEST
            return Response(exc.as_dict(), status=code)
        result.booking.refresh_from_db()
        return Response({"duplicate": result.duplicate, "changed": result.changed, "status": result.booking.status})
