"""Complaints (reklamation) API.

    POST/GET /api/v1/bookings/{id}/complaints/       file one / list the booking's complaints
    GET      /api/v1/complaints/?status=&agency=     the complaints at the user's offices
    GET      /api/v1/complaints/{id}/
    POST     /api/v1/complaints/{id}/withdraw/       officer or office manager
    POST     /api/v1/complaints/{id}/escalate/       office manager, after the agency disputed

Another office's booking or complaint is 404; a role without the action 403 (visits.permissions).
"""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import BAD_INPUT, NOT_FOUND, READ_ERRORS, WRITE_ERRORS
from config.request_types import AuthenticatedRequest
from config.serializers import StrictInputSerializer
from interpreters.models import Complaint, ComplaintStatus, ComplaintType
from interpreters.selectors import booking_complaints, bookings_for_user, complaints_for_user
from interpreters.services.complaints import MESSAGE_MAX, complaint_escalate, complaint_file, complaint_withdraw
from visits.permissions import Action, check_object_access, office_permission, roles_for


class ComplaintAgencySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class ComplaintOutputSerializer(serializers.ModelSerializer):
    office = serializers.IntegerField(source="booking.office_id", read_only=True)
    agency = ComplaintAgencySerializer(read_only=True)
    type_label = serializers.CharField(source="get_type_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    filed_by = serializers.CharField(source="filed_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "booking",
            "office",
            "agency",
            "type",
            "type_label",
            "message",
            "status",
            "status_label",
            "filed_by",
            "filed_at",
            "sent_at",
            "agency_answer",
            "answered_at",
            "auto_accepted",
            "closed_at",
        ]


class ComplaintInputSerializer(StrictInputSerializer):
    type = serializers.ChoiceField(choices=ComplaintType.choices)
    message = serializers.CharField(max_length=MESSAGE_MAX)


class ComplaintActionInputSerializer(StrictInputSerializer):
    """Withdraw and escalate take no input; an empty object (or no body) is fine."""


class BookingComplaintsApi(APIView):
    permission_classes = [IsAuthenticated]

    def _booking(self, request: Request, pk: int, action: Action) -> Any:
        booking = get_object_or_404(bookings_for_user(request.user), pk=pk)  # other office: 404
        check_object_access(request, booking, action)  # role without the action: 403
        return booking

    @extend_schema(responses={200: ComplaintOutputSerializer(many=True), 404: NOT_FOUND, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        booking = self._booking(request, pk, Action.COMPLAINT_VIEW)
        return Response(ComplaintOutputSerializer(booking_complaints(booking=booking), many=True).data)

    @extend_schema(
        request=ComplaintInputSerializer,
        responses={201: ComplaintOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
        description="400 on `booking` when the booking has not started (not in progress, completed, "
        "no-show, nor failed after confirmation) or already has an open complaint.",
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        booking = self._booking(request, pk, Action.COMPLAINT_FILE)
        data = ComplaintInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = complaint_file(booking=booking, by=request.user, **data.validated_data)
        complaint = complaints_for_user(request.user).get(pk=complaint.pk)
        return Response(ComplaintOutputSerializer(complaint).data, status=status.HTTP_201_CREATED)


class ComplaintFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ComplaintStatus.choices)
    agency = django_filters.CharFilter(field_name="agency__slug", max_length=60)

    class Meta:
        model = Complaint
        fields = ["status", "agency"]


class ComplaintListApi(generics.ListAPIView):
    permission_classes = [office_permission(Action.COMPLAINT_VIEW)]
    serializer_class = ComplaintOutputSerializer
    filterset_class = ComplaintFilter

    def get_queryset(self) -> QuerySet[Complaint]:
        return complaints_for_user(self.request.user, roles=roles_for(Action.COMPLAINT_VIEW)).order_by(
            "-filed_at", "-pk"
        )

    @extend_schema(responses={200: ComplaintOutputSerializer(many=True), 400: BAD_INPUT, **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _complaint(request: Request, pk: int, action: Action) -> Complaint:
    complaint = get_object_or_404(complaints_for_user(request.user), pk=pk)
    check_object_access(request, complaint.booking, action)
    return complaint


class ComplaintDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ComplaintOutputSerializer, 404: NOT_FOUND, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ComplaintOutputSerializer(_complaint(request, pk, Action.COMPLAINT_VIEW)).data)


class ComplaintWithdrawApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ComplaintActionInputSerializer,
        responses={200: ComplaintOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        complaint = _complaint(request, pk, Action.COMPLAINT_FILE)
        ComplaintActionInputSerializer(data=request.data).is_valid(raise_exception=True)
        complaint_withdraw(complaint=complaint, by=request.user)
        return Response(ComplaintOutputSerializer(complaints_for_user(request.user).get(pk=pk)).data)


class ComplaintEscalateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ComplaintActionInputSerializer,
        responses={200: ComplaintOutputSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        complaint = _complaint(request, pk, Action.COMPLAINT_ESCALATE)
        ComplaintActionInputSerializer(data=request.data).is_valid(raise_exception=True)
        complaint_escalate(complaint=complaint, by=request.user)
        return Response(ComplaintOutputSerializer(complaints_for_user(request.user).get(pk=pk)).data)
