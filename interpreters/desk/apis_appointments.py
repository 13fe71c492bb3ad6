"""The appointments API (issue 11): /api/v1/appointments/ and /api/v1/appointments/{id}/.

An appointment is the visits app's; this API sits on the desk side because an appointment may carry
its pre-booked interpreter (create with `interpreter`, move re-times the booking, cancel cancels it).
Scoping: another office's appointment is 404; a role without the action 403 (visits/permissions.py).
"""

from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_serializer
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.client_ip import client_ip_address
from config.openapi import NOT_FOUND, READ_ERRORS, WRITE_ERRORS
from config.parsers import BoundedJSONParser
from config.request_types import AuthenticatedRequest
from config.serializers import StrictInputSerializer, UnloadedPrimaryKeyField
from interpreters.apis import BookingOutputSerializer, RequirementInputSerializer
from interpreters.desk.appointments import (
    PreBookingInput,
    appointment_book,
    appointment_live_booking,
    appointment_reschedule,
    appointment_withdraw,
)
from interpreters.models import BookingEvent, InterpreterBooking, Modality
from interpreters.services.requirements import MAX_REQUIREMENTS
from visits.apis import AuthorityField, LanguageNeedInputSerializer, LanguageNeedPatchSerializer
from visits.audit import audit_appointment_read
from visits.models import (
    Appointment,
    AppointmentStatus,
    InterpreterWanted,
    NeedIdentifiedBy,
    Office,
    ReminderChannel,
)
from visits.permissions import Action, offices_for_action, user_can
from visits.selectors import offices_for_user
from visits.services import LanguageNeedInput, appointment_no_show


def appointments_for_user(user: Any) -> QuerySet[Appointment]:
    """Appointments at the user's offices, with what the answer shows (no N+1)."""
    bookings = InterpreterBooking.objects.select_related("agency", "visit", "appointment").prefetch_related(
        Prefetch("events", queryset=BookingEvent.objects.order_by("at", "pk")), "requirements"
    )
    return (
        Appointment.objects.filter(office__in=offices_for_user(user))
        .select_related("office", "authority", "visit")
        .prefetch_related(
            Prefetch("bookings", queryset=bookings.order_by("-requested_at", "-pk")),
            Prefetch("visit__bookings", queryset=bookings.order_by("-requested_at", "-pk")),
        )
    )


def appointment_booking(appointment: Appointment) -> InterpreterBooking | None:
    """The booking to show: the appointment's latest, or once checked in the visit's latest pre-booking
    (check-in moves it to the visit)."""
    held = list(appointment.bookings.all())
    if held:
        return held[0]
    visit = getattr(appointment, "visit", None) if _has_visit(appointment) else None
    if visit is not None:
        moved = [b for b in visit.bookings.all() if b.scheduled_for is not None and not b.urgent]
        return moved[0] if moved else None
    return None


def _has_visit(appointment: Appointment) -> bool:
    try:
        appointment.visit  # noqa: B018 - a missing reverse one-to-one raises
    except Appointment.visit.RelatedObjectDoesNotExist:
        return False
    return True


@extend_schema_serializer(component_name="AppointmentLanguageNeed")
class AppointmentNeedSerializer(serializers.Serializer):
    language = serializers.CharField()
    interpreter_wanted = serializers.ChoiceField(choices=InterpreterWanted.choices)
    identified_by = serializers.ChoiceField(choices=NeedIdentifiedBy.choices, allow_blank=True)


@extend_schema_serializer(component_name="AppointmentLanguageNeedDetail")
class AppointmentNeedDetailSerializer(AppointmentNeedSerializer):
    dialect = serializers.CharField()


@extend_schema_serializer(component_name="AppointmentSummary")
class AppointmentListOutputSerializer(serializers.ModelSerializer):
    """No personal fields in lists: one appointment's read shows (and logs) them."""

    office = serializers.IntegerField(source="office_id")
    authority = serializers.CharField(source="authority.code")
    date = serializers.DateField(source="service_date")
    end = serializers.DateTimeField()
    status_label = serializers.CharField(source="get_status_display")
    language_need = serializers.SerializerMethodField()
    visit = serializers.SerializerMethodField()
    booking = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "office",
            "authority",
            "start",
            "end",
            "date",
            "expected_minutes",
            "status",
            "status_label",
            "language_need",
            "visit",
            "booking",
            "version",
            "created_at",
        ]

    need_serializer: type[serializers.Serializer] = AppointmentNeedSerializer

    @extend_schema_field(AppointmentNeedDetailSerializer(allow_null=True))
    def get_language_need(self, appointment: Appointment) -> dict[str, Any] | None:
        return self.need_serializer(appointment).data if appointment.language else None

    def get_visit(self, appointment: Appointment) -> int | None:
        visit = getattr(appointment, "visit", None) if _has_visit(appointment) else None
        return visit.pk if visit is not None else None

    @extend_schema_field(BookingOutputSerializer(allow_null=True))
    def get_booking(self, appointment: Appointment) -> dict[str, Any] | None:
        booking = appointment_booking(appointment)
        return None if booking is None else BookingOutputSerializer(booking).data


@extend_schema_serializer(component_name="Appointment")
class AppointmentDetailOutputSerializer(AppointmentListOutputSerializer):
    visitor_phone = serializers.CharField()
    need_serializer = AppointmentNeedDetailSerializer

    class Meta(AppointmentListOutputSerializer.Meta):
        fields = [
            *AppointmentListOutputSerializer.Meta.fields,
            "visitor_name",
            "visitor_phone",
            "visitor_email",
            "reminder_consent",
            "reminder_channel",
            "reminder_status",
            "reminder_skip_reason",
            "reminder_sent_at",
        ]


class PreBookingInputSerializer(StrictInputSerializer):
    # Phone or video (no agency offers on-site interpretation through tolkdesk: a 400 on modality).
    modality = serializers.ChoiceField(choices=Modality.choices)
    requirements = RequirementInputSerializer(many=True, required=False, max_length=MAX_REQUIREMENTS)  # type: ignore[call-arg]
    answer_by = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Only when ordered later than the day before before 14:00: when the agency must answer.",
    )


@extend_schema_serializer(component_name="AppointmentCreateInput")
class AppointmentCreateInputSerializer(StrictInputSerializer):
    office = UnloadedPrimaryKeyField(queryset=Office.objects.all(), help_text="Office id.")
    authority = AuthorityField(help_text="The authority's code (e.g. skatteverket) or id.")
    start = serializers.DateTimeField(help_text="ISO 8601 with a UTC offset, e.g. 2026-03-02T10:00:00+01:00.")
    expected_minutes = serializers.IntegerField(min_value=5, max_value=480)
    language_need = LanguageNeedInputSerializer(required=False, allow_null=True)
    visitor_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    visitor_phone = PhoneNumberField(max_length=40, required=False, allow_blank=True, default="")
    visitor_email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    reminder_consent = serializers.BooleanField(required=False, default=False)
    reminder_channel = serializers.ChoiceField(
        choices=ReminderChannel.choices, required=False, allow_blank=True, default=""
    )
    interpreter = PreBookingInputSerializer(required=False, allow_null=True)

    def validate_start(self, value: Any) -> Any:
        return _with_offset(self.initial_data.get("start"), value, "start")


@extend_schema_serializer(component_name="AppointmentPatchInput")
class AppointmentPatchInputSerializer(StrictInputSerializer):
    start = serializers.DateTimeField(required=False)
    expected_minutes = serializers.IntegerField(required=False, min_value=5, max_value=480)
    authority = AuthorityField(required=False)
    language_need = LanguageNeedPatchSerializer(required=False)
    visitor_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    visitor_phone = PhoneNumberField(max_length=40, required=False, allow_blank=True)
    visitor_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    reminder_consent = serializers.BooleanField(
        required=False, help_text="The visitor consents to a reminder (true) or withdrew it (false)."
    )
    reminder_channel = serializers.ChoiceField(choices=ReminderChannel.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=AppointmentStatus.choices,
        required=False,
        help_text="Only no_show: the visitor did not come (once the appointment has started).",
    )
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="The version you saw: refused if it changed."
    )
    answer_by = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Moved at short notice: the agency's new deadline."
    )

    def validate_start(self, value: Any) -> Any:
        return _with_offset(self.initial_data.get("start"), value, "start")

    def validate_status(self, value: str) -> str:
        if value != AppointmentStatus.NO_SHOW:
            raise serializers.ValidationError(
                _("Only a no-show is recorded here: move with start, cancel with DELETE."), code="invalid_choice"
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not {k for k in attrs if k not in ("version", "answer_by")}:
            raise serializers.ValidationError(_("Say what to change."))
        if "status" in attrs and len({k for k in attrs if k not in ("version", "answer_by")}) > 1:
            raise serializers.ValidationError({"status": [_("Record a no-show on its own.")]})
        return attrs


def _with_offset(raw: Any, value: Any, field: str) -> Any:
    """The contract asks for an ISO 8601 time with its offset: a bare local time is ambiguous."""
    text = str(raw or "")
    if not (text.endswith(("Z", "z")) or "+" in text[10:] or "-" in text[10:]):
        raise serializers.ValidationError(_("Give the time with its UTC offset, e.g. +01:00."), code="naive")
    return value


def _need(data: dict[str, Any] | None) -> LanguageNeedInput | None:
    return LanguageNeedInput(**data) if data else None


def _serialize(appointment: Appointment, user: Any, *, detail: bool = True) -> Any:
    fresh = appointments_for_user(user).get(pk=appointment.pk)
    serializer = AppointmentDetailOutputSerializer if detail else AppointmentListOutputSerializer
    return serializer(fresh).data


def _office_or_404(request: Request, office_id: int, action: Action) -> Any:
    office = offices_for_user(request.user).filter(pk=office_id).first()
    if office is None:
        raise Http404
    if not user_can(request.user, action, office):
        raise exceptions.PermissionDenied()
    return office


def _appointment_or_404(request: Request, pk: int, action: Action) -> Appointment:
    if not 0 < pk < 2**63:  # beyond the id column's range: cannot exist, and must not reach SQL
        raise Http404
    appointment = appointments_for_user(request.user).filter(pk=pk).first()
    if appointment is None:
        raise Http404
    if not user_can(request.user, action, appointment.office_id):
        raise exceptions.PermissionDenied()
    return appointment


class AppointmentFilterSerializer(StrictInputSerializer):
    office = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    date = serializers.DateField(required=False, help_text="YYYY-MM-DD (Europe/Stockholm). Default: today.")
    status = serializers.ChoiceField(choices=AppointmentStatus.choices, required=False)
    limit = serializers.IntegerField(required=False, min_value=0)
    offset = serializers.IntegerField(required=False, min_value=0)


class AppointmentListCreateApi(generics.ListAPIView):
    """GET: one day's appointments (default today) at one office (`office`) or all of the user's,
    earliest first. POST: book an appointment, optionally with its interpreter."""

    parser_classes = [BoundedJSONParser]
    serializer_class = AppointmentListOutputSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Appointment]:
        params = AppointmentFilterSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        data = params.validated_data
        queryset = appointments_for_user(self.request.user).filter(
            office__in=offices_for_action(self.request.user, Action.APPOINTMENT_VIEW)
        )
        if "office" in data:
            # Another office (or none): 404, its existence is not disclosed.
            if not offices_for_user(self.request.user).filter(pk=data["office"]).exists():
                raise Http404
            queryset = queryset.filter(office_id=data["office"])
        day: date = data.get("date") or timezone.localdate()
        queryset = queryset.filter(service_date=day)
        if "status" in data:
            queryset = queryset.filter(status=data["status"])
        return queryset.order_by("start", "pk")

    @extend_schema(
        parameters=[
            OpenApiParameter("office", OpenApiTypes.INT, description="Office id (default: all of yours)."),
            OpenApiParameter("date", OpenApiTypes.DATE, description="The day (default: today)."),
            OpenApiParameter("status", OpenApiTypes.STR, enum=AppointmentStatus.values),
        ],
        responses={
            200: AppointmentListOutputSerializer(many=True),
            400: WRITE_ERRORS[400],
            404: NOT_FOUND,
            **READ_ERRORS,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not user_can(request.user, Action.APPOINTMENT_VIEW):
            raise exceptions.PermissionDenied()
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=AppointmentCreateInputSerializer,
        responses={201: AppointmentDetailOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
        description="Book an appointment. With `interpreter`, its interpreter is pre-booked too (the "
        "booking right is needed: a receptionist gets 403); the answer shows the booking and its "
        "`answer_by`. A start in the past is a 400 on `start`.",
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = AppointmentCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        office = _office_or_404(request, data["office"], Action.APPOINTMENT_EDIT)
        interpreter = data.get("interpreter")
        if interpreter and not user_can(request.user, Action.BOOKING_REQUEST, office):
            raise exceptions.PermissionDenied(_("Only officers may pre-book an interpreter."))
        appointment, _booking = appointment_book(
            office=office,
            authority=data["authority"],
            start=data["start"],
            expected_minutes=data["expected_minutes"],
            created_by=request.user,
            language_need=_need(data.get("language_need")),
            interpreter=PreBookingInput(
                modality=interpreter["modality"],
                requirements=list(interpreter.get("requirements") or []),
                answer_by=interpreter.get("answer_by"),
            )
            if interpreter
            else None,
            visitor_name=data["visitor_name"],
            visitor_phone=str(data["visitor_phone"] or ""),
            visitor_email=data["visitor_email"],
            reminder_consent=data["reminder_consent"],
            reminder_channel=data["reminder_channel"],
        )
        return Response(_serialize(appointment, request.user), status=status.HTTP_201_CREATED)


class AppointmentDetailApi(APIView):
    """GET one appointment with its visitor details (a logged read). PATCH moves it (start, length,
    authority, language need, visitor details) or records a no-show; a live booking is re-timed and
    the move needs the booking right. DELETE cancels it (and its booking): 204, the row is kept."""

    parser_classes = [BoundedJSONParser]

    @extend_schema(responses={200: AppointmentDetailOutputSerializer, 404: NOT_FOUND, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        appointment = _appointment_or_404(request, pk, Action.APPOINTMENT_VIEW)
        audit_appointment_read(
            user=request.user,
            appointment=appointment,
            via="api:appointment-detail",
            remote_addr=client_ip_address(request),
        )
        return Response(AppointmentDetailOutputSerializer(appointment).data)

    @extend_schema(
        request=AppointmentPatchInputSerializer,
        responses={200: AppointmentDetailOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
    )
    def patch(self, request: AuthenticatedRequest, pk: int) -> Response:
        appointment = _appointment_or_404(request, pk, Action.APPOINTMENT_EDIT)
        serializer = AppointmentPatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("status") == AppointmentStatus.NO_SHOW:
            appointment = appointment_no_show(appointment=appointment, by=request.user)
            return Response(_serialize(appointment, request.user))
        moves = "start" in data or "expected_minutes" in data
        if moves and appointment_live_booking(appointment) is not None:
            if not user_can(request.user, Action.BOOKING_REQUEST, appointment.office_id):
                raise exceptions.PermissionDenied(
                    _("This appointment holds an interpreter booking: only officers may move it.")
                )
        need_patch = data.get("language_need")
        appointment = appointment_reschedule(
            appointment=appointment,
            by=request.user,
            start=data.get("start"),
            expected_minutes=data.get("expected_minutes"),
            authority=data.get("authority"),
            language_need=self._merged_need(appointment, need_patch) if need_patch is not None else None,
            visitor_name=data.get("visitor_name"),
            visitor_phone=str(data["visitor_phone"]) if "visitor_phone" in data else None,
            visitor_email=data.get("visitor_email"),
            reminder_consent=data.get("reminder_consent"),
            reminder_channel=data.get("reminder_channel"),
            expected_version=data.get("version"),
            answer_by=data.get("answer_by"),
        )
        return Response(_serialize(appointment, request.user))

    @extend_schema(responses={204: None, 404: NOT_FOUND, **READ_ERRORS, 400: WRITE_ERRORS[400]})
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        appointment = _appointment_or_404(request, pk, Action.APPOINTMENT_EDIT)
        if appointment_live_booking(appointment) is not None and not user_can(
            request.user, Action.BOOKING_CANCEL, appointment.office_id
        ):
            raise exceptions.PermissionDenied(
                _("This appointment holds an interpreter booking: only officers may cancel it.")
            )
        appointment_withdraw(appointment=appointment, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @staticmethod
    def _merged_need(appointment: Appointment, patch: dict[str, Any]) -> LanguageNeedInput:
        if not appointment.language:
            if "language" not in patch:
                raise serializers.ValidationError({"language_need": {"language": [_("A language is required.")]}})
            return LanguageNeedInput(**patch)
        return LanguageNeedInput(
            language=patch.get("language", appointment.language),
            dialect=patch.get("dialect", appointment.dialect),
            interpreter_wanted=patch.get("interpreter_wanted", appointment.interpreter_wanted),
            identified_by=patch.get("identified_by", appointment.identified_by or NeedIdentifiedBy.VISITOR_SAID),
        )
