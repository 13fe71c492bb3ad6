"""After the call (issue 10): ratings, blocked interpreters and agency quarantine.

    GET/PUT  /api/v1/bookings/{id}/rating/             the officer's 1-5 stars (and problems below 3)
    GET/POST /api/v1/interpreter-blocks/               office managers (their offices), national admins (all)
    POST     /api/v1/interpreter-blocks/{id}/lift/
    GET/POST /api/v1/agency-quarantines/               national admins only
    POST     /api/v1/agency-quarantines/{id}/lift/

Another office's booking, office or block is 404; a role without the action 403 (visits.permissions).
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import BAD_INPUT, NOT_FOUND, READ_ERRORS, WRITE_ERRORS
from config.request_types import AuthenticatedRequest
from config.serializers import StrictInputSerializer
from interpreters.models import (
    AgencyQuarantine,
    BlockScope,
    BookingRating,
    InterpreterAgency,
    InterpreterBlock,
    InterpreterBooking,
    RatingProblem,
)
from interpreters.selectors import agency_quarantines, bookings_for_user, interpreter_blocks_for_user
from interpreters.services.blocks import INTERPRETER_MAX, REASON_MAX, interpreter_block_create, interpreter_block_lift
from interpreters.services.quarantines import MOTIVATION_MAX, agency_quarantine_create, agency_quarantine_lift
from interpreters.services.ratings import RatingInput, booking_rate
from visits.models import County, Office
from visits.permissions import Action, check_object_access, office_permission, offices_for_action, roles_for, user_can

# --- ratings --------------------------------------------------------------------------------------


class RatingOutputSerializer(serializers.ModelSerializer):
    rated_by = serializers.CharField(source="rated_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = BookingRating
        fields = ["booking", "stars", "problems", "rated_by", "rated_at"]


class RatingInputSerializer(StrictInputSerializer):
    stars = serializers.IntegerField(min_value=1, max_value=5)
    problems = serializers.ListField(
        child=serializers.ChoiceField(choices=RatingProblem.choices),
        required=False,
        default=list,
        max_length=len(RatingProblem.values),
        help_text="Only with fewer than 3 stars.",
    )


class BookingRatingApi(APIView):
    permission_classes = [IsAuthenticated]

    def _booking(self, request: Request, pk: int, action: Action) -> InterpreterBooking:
        booking = get_object_or_404(bookings_for_user(request.user), pk=pk)  # other office: 404
        check_object_access(request, booking, action)  # role without the action: 403
        return booking

    @extend_schema(
        responses={200: RatingOutputSerializer, 404: NOT_FOUND, **READ_ERRORS},
        description="404 also when the booking has no rating yet.",
    )
    def get(self, request: Request, pk: int) -> Response:
        booking = self._booking(request, pk, Action.BOOKING_VIEW)
        rating = get_object_or_404(BookingRating, booking=booking)
        return Response(RatingOutputSerializer(rating).data)

    @extend_schema(
        request=RatingInputSerializer,
        responses={200: RatingOutputSerializer, 201: RatingOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
        description="201 for a first rating, 200 when it replaces one. 400 on `booking` when the call never "
        "started; on `stars` outside 1-5; on `problems` with 3 stars or more.",
    )
    def put(self, request: AuthenticatedRequest, pk: int) -> Response:
        booking = self._booking(request, pk, Action.BOOKING_RATE)
        data = RatingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = RatingInput(stars=data.validated_data["stars"], problems=tuple(data.validated_data["problems"]))
        row, created = booking_rate(booking=booking, by=request.user, rating=rating)
        row.refresh_from_db()
        return Response(
            RatingOutputSerializer(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        request=RatingInputSerializer,
        responses={200: RatingOutputSerializer, 201: RatingOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
        description="The same as PUT.",
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        return self.put(request, pk)


# --- blocks ---------------------------------------------------------------------------------------


class BlockOutputSerializer(serializers.ModelSerializer):
    office = serializers.IntegerField(source="office_id", read_only=True, allow_null=True)
    scope_label = serializers.CharField(source="get_scope_display", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True, default=None)
    active = serializers.SerializerMethodField()

    class Meta:
        model = InterpreterBlock
        fields = [
            "id",
            "scope",
            "scope_label",
            "office",
            "county",
            "interpreter",
            "reason",
            "ends_on",
            "created_by",
            "created_at",
            "lifted_at",
            "active",
        ]

    def get_active(self, block: InterpreterBlock) -> bool:
        return block.lifted_at is None and block.ends_on >= timezone.localdate()


class BlockInputSerializer(StrictInputSerializer):
    scope = serializers.ChoiceField(choices=BlockScope.choices, required=False, default=BlockScope.OFFICE)
    office = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    county = serializers.ChoiceField(choices=County.choices, required=False, allow_blank=True, default="")
    interpreter = serializers.CharField(max_length=INTERPRETER_MAX)
    reason = serializers.CharField(max_length=REASON_MAX)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)


class BlockActionInputSerializer(StrictInputSerializer):
    """Lifting takes no input; an empty object (or no body) is fine."""


def _block_office(request: Request, office_id: int | None) -> Office:
    """The office an office block is for: one the user may block at (another office: 404, a role
    without the right: 403). Without an id, the user's one office where they may block, if one."""
    if office_id is None:
        offices = offices_for_action(request.user, Action.INTERPRETER_BLOCK)
        if offices.count() == 1 and not request.user.is_superuser:
            return offices.get()
        raise serializers.ValidationError({"office": [_("Choose the office.")]})
    office = Office.objects.filter(pk=office_id).first()
    if office is None:
        raise Http404
    check_object_access(request, office, Action.INTERPRETER_BLOCK)
    return office


def block_check_may_change(request: Request, block: InterpreterBlock) -> None:
    """403 unless the user may create or lift this block (its office's managers; national admins)."""
    if block.scope == BlockScope.OFFICE and block.office_id is not None:
        check_object_access(request, block.office, Action.INTERPRETER_BLOCK)
    elif not user_can(request.user, Action.INTERPRETER_BLOCK_WIDE):
        raise PermissionDenied


class InterpreterBlockListCreateApi(generics.ListAPIView):
    permission_classes = [office_permission(Action.INTERPRETER_BLOCK)]
    serializer_class = BlockOutputSerializer

    def get_queryset(self) -> QuerySet[InterpreterBlock]:
        current = self.request.query_params.get("current") in ("1", "true")
        return interpreter_blocks_for_user(
            self.request.user,
            roles=roles_for(Action.INTERPRETER_BLOCK),
            current_on=timezone.localdate() if current else None,
        )

    @extend_schema(
        parameters=[OpenApiParameter("current", bool, description="Only the blocks in force today.")],
        responses={200: BlockOutputSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=BlockInputSerializer,
        responses={201: BlockOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
        description="Office managers block for their office (`scope` office, `office` id); national admins "
        "also for a `county` or the whole country (`scope` national). `ends_on` is required.",
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = BlockInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        office = None
        if values["scope"] == BlockScope.OFFICE:
            office = _block_office(request, values.pop("office", None))
        else:
            values.pop("office", None)
            if not user_can(request.user, Action.INTERPRETER_BLOCK_WIDE):
                raise PermissionDenied
        block = interpreter_block_create(by=request.user, office=office, **values)
        return Response(BlockOutputSerializer(block).data, status=status.HTTP_201_CREATED)


class InterpreterBlockLiftApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=BlockActionInputSerializer,
        responses={200: BlockOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        block = get_object_or_404(interpreter_blocks_for_user(request.user), pk=pk)
        block_check_may_change(request, block)
        BlockActionInputSerializer(data=request.data).is_valid(raise_exception=True)
        return Response(BlockOutputSerializer(interpreter_block_lift(block=block, by=request.user)).data)


# --- agency quarantine ----------------------------------------------------------------------------


class QuarantineOutputSerializer(serializers.ModelSerializer):
    agency: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = AgencyQuarantine
        fields = [
            "id",
            "agency",
            "county",
            "starts_on",
            "ends_on",
            "motivation",
            "created_by",
            "created_at",
            "lifted_at",
        ]


class QuarantineInputSerializer(StrictInputSerializer):
    agency = serializers.SlugRelatedField(slug_field="slug", queryset=InterpreterAgency.objects.all())
    county = serializers.ChoiceField(choices=County.choices)
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    motivation = serializers.CharField(max_length=MOTIVATION_MAX)


class AgencyQuarantineListCreateApi(generics.ListAPIView):
    permission_classes = [office_permission(Action.AGENCY_QUARANTINE)]
    serializer_class = QuarantineOutputSerializer

    def get_queryset(self) -> QuerySet[AgencyQuarantine]:
        current = self.request.query_params.get("current") in ("1", "true")
        return agency_quarantines(current_on=timezone.localdate() if current else None)

    @extend_schema(
        parameters=[OpenApiParameter("current", bool, description="Only the quarantines in force today.")],
        responses={200: QuarantineOutputSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=QuarantineInputSerializer,
        responses={201: QuarantineOutputSerializer, 400: BAD_INPUT, **WRITE_ERRORS},
        description="National admins only. `ends_on` is required; `starts_on` defaults to today.",
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = QuarantineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quarantine = agency_quarantine_create(by=request.user, **data.validated_data)
        return Response(QuarantineOutputSerializer(quarantine).data, status=status.HTTP_201_CREATED)


class AgencyQuarantineLiftApi(APIView):
    permission_classes = [office_permission(Action.AGENCY_QUARANTINE)]

    @extend_schema(
        request=BlockActionInputSerializer,
        responses={200: QuarantineOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        quarantine = get_object_or_404(agency_quarantines(), pk=pk)
        BlockActionInputSerializer(data=request.data).is_valid(raise_exception=True)
        return Response(QuarantineOutputSerializer(agency_quarantine_lift(quarantine=quarantine, by=request.user)).data)
