"""REST API for offices, the language catalogue and visits (check-in).

Every endpoint: validate the input with a nested InputSerializer -> call a service in
visits.services -> answer with a nested OutputSerializer. Domain errors become 400 with field
messages (config.exceptions). Scoping comes from visits.selectors: another office's visit is 404;
acting at an office where the user lacks the role is 403.

Input rules, the same on every endpoint:
- unknown fields are rejected (400 on the field), so a misspelt `languge_need` never silently drops
  the language need;
- `office` is the office's numeric id (a JSON integer); `authority` is the authority's code
  (a JSON string, e.g. "forsakringskassan"; the documented form), an integer is taken as its id;
  an unknown one is 400 on that field;
- checking in at an existing office the user is not a member of is 403 (the input was valid, the
  user lacks the right). Field errors are reported first.
- string lengths are checked here, not left to the database: PostgreSQL refuses overlong strings
  with a DataError, which would be a 500.
"""

from typing import Any

import django_filters
import django_filters.constants
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.client_ip import client_ip_address
from config.openapi import BAD_INPUT, NOT_ALLOWED, NOT_FOUND, NOT_SIGNED_IN, TOO_LARGE, UNSUPPORTED
from config.pagination import CappedCursorPagination
from config.parsers import BoundedJSONParser
from config.serializers import StrictInputSerializer, UnloadedPrimaryKeyField, db_storable, represented, validated
from visits.audit import audit_dialect_list_read, audit_visit_read
from visits.errors import DomainError
from visits.languages import normalize_language_tag
from visits.models import (
    Appointment,
    Authority,
    County,
    InterpreterWanted,
    LanguageNeed,
    NeedIdentifiedBy,
    Office,
    Visit,
    VisitStatus,
)
from visits.permissions import Action, AuthenticatedOrKiosk, offices_for_request, request_can
from visits.picker import LanguageLabel, language_label, language_overrides
from visits.selectors import offices_for_user, picker_languages, visits_for_user
from visits.services import LanguageNeedInput, visit_check_in, visit_update


def acting_user(request: Request) -> User | None:
    """The staff member to record as doing a write; None for a client that is no user (a kiosk)."""
    user = request.user
    return user if user is not None and user.is_authenticated else None


TRUE_VALUES = ("true", "1")


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class AuthorityField(serializers.Field):
    """An authority by code (a JSON string, the documented form: codes are stable across
    databases) or by id (a JSON integer). The JSON type decides which, so "12" is a code."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("Unknown authority “{value}”."),
        "incorrect_type": gettext_lazy("Give the authority's code (a string) or id (an integer)."),
    }

    def to_internal_value(self, data: Any) -> Authority:
        if isinstance(data, str):
            # A code is a slug of at most 40 characters: anything longer cannot exist, and must not
            # reach the database as is.
            found = Authority.objects.filter(code=data).first() if len(data) <= 40 and db_storable(data) else None
        elif isinstance(data, int) and not isinstance(data, bool):
            found = Authority.objects.filter(pk=data).first() if 0 < data < 2**63 else None
        else:
            self.fail("incorrect_type")
        if found is None:
            self.fail("does_not_exist", value=str(data)[:40])
        return found

    def to_representation(self, value: Authority) -> str:
        return value.code


class StrictBooleanFilter(django_filters.ChoiceFilter):
    """true/false/1/0 only: django-filter's BooleanFilter silently ignores "maybe" (and so would
    return every row); here it is a 400 on the parameter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")])
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        return super().filter(qs, value in TRUE_VALUES)


# --- Offices ---------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Office")
class OfficeOutputSerializer(serializers.ModelSerializer):
    county_name = serializers.CharField(source="get_county_display", read_only=True)
    phone = serializers.CharField(read_only=True)

    class Meta:
        model = Office
        fields = ["id", "name", "municipality", "county", "county_name", "phone", "active"]


class OfficeFilter(django_filters.FilterSet):
    county = django_filters.ChoiceFilter(choices=County.choices)
    active = StrictBooleanFilter()
    search = django_filters.CharFilter(method="filter_search", max_length=100, label="Name or municipality")

    class Meta:
        model = Office
        fields = ["county", "active"]

    def filter_search(self, queryset: QuerySet[Office], name: str, value: str) -> QuerySet[Office]:
        return queryset.filter(Q(name__icontains=value) | Q(municipality__icontains=value))


class OfficeListApi(generics.ListAPIView):
    """Offices the user may see (their own; national admins all)."""

    OutputSerializer = OfficeOutputSerializer
    serializer_class = OfficeOutputSerializer
    filterset_class = OfficeFilter

    def get_queryset(self) -> QuerySet[Office]:
        return offices_for_user(self.request.user).order_by("name")

    @extend_schema(
        responses={200: OfficeOutputSerializer(many=True), 400: BAD_INPUT, 401: NOT_SIGNED_IN, 403: NOT_ALLOWED}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OfficeDetailApi(generics.RetrieveAPIView):
    OutputSerializer = OfficeOutputSerializer
    serializer_class = OfficeOutputSerializer

    def get_queryset(self) -> QuerySet[Office]:
        return offices_for_user(self.request.user)

    @extend_schema(responses={200: OfficeOutputSerializer, 401: NOT_SIGNED_IN, 403: NOT_ALLOWED, 404: NOT_FOUND})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


# --- Language catalogue -------------------------------------------------------------------------


class LanguageListApi(APIView):
    """The active language catalogue in picker order. Not paginated: it is a few dozen rows that a
    picker shows all at once. Kiosks may read it too."""

    permission_classes = [AuthenticatedOrKiosk]
    kiosk_methods = ("GET",)

    class FilterSerializer(StrictInputSerializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=100)

    @extend_schema_serializer(component_name="CatalogueLanguage")
    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name_sv = serializers.CharField()
        name_en = serializers.CharField()
        endonym = serializers.CharField()
        rtl = serializers.BooleanField()
        rank = serializers.IntegerField()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="Search in the Swedish or English name, the endonym or the code."
            )
        ],
        responses={200: OutputSerializer(many=True), 400: BAD_INPUT, 401: NOT_SIGNED_IN, 403: NOT_ALLOWED},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data={"q": request.query_params.get("q", "")})
        filters.is_valid(raise_exception=True)
        needle = filters.validated_data.get("q", "").strip().casefold()
        rows = []
        for language in picker_languages():
            names = language_label(language.code, overrides={language.code: language})
            row = {
                "code": names.code,
                "name_sv": names.name_sv,
                "name_en": names.name_en,
                "endonym": names.endonym,
                "rtl": names.rtl,
                "rank": language.rank,
            }
            haystack = (language.code, names.name_sv, names.name_en, names.endonym)
            if not needle or any(needle in text.casefold() for text in haystack):
                rows.append(row)
        return Response(self.OutputSerializer(rows, many=True).data)


# --- Visits ---------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="VisitOffice")
class VisitOfficeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Office
        fields = ["id", "name"]


@extend_schema_serializer(component_name="VisitAuthority")
class VisitAuthoritySerializer(serializers.ModelSerializer):
    class Meta:
        model = Authority
        fields = ["id", "code", "name"]


@extend_schema_serializer(component_name="LanguageNeed")
class LanguageNeedOutputSerializer(serializers.Serializer):
    language = serializers.CharField()
    name_sv = serializers.SerializerMethodField()
    name_en = serializers.SerializerMethodField()
    endonym = serializers.SerializerMethodField()
    rtl = serializers.SerializerMethodField()
    dialect = serializers.CharField()
    interpreter_wanted = serializers.ChoiceField(choices=InterpreterWanted.choices)
    identified_by = serializers.ChoiceField(choices=NeedIdentifiedBy.choices)
    recorded_at = serializers.DateTimeField()

    def _names(self, need: Any) -> LanguageLabel:
        # A caller that did not load them for the batch: once per serialization, kept in its context
        # (not on the serializer, which config.serializers.built_once reuses across requests).
        if self.context.get("language_overrides") is None and isinstance(self.context, dict):
            self.context["language_overrides"] = language_overrides()
        return language_label(need.language, overrides=self.context.get("language_overrides"))

    def get_name_sv(self, need: Any) -> str:
        return self._names(need).name_sv

    def get_name_en(self, need: Any) -> str:
        return self._names(need).name_en

    def get_endonym(self, need: Any) -> str:
        return self._names(need).endonym

    def get_rtl(self, need: Any) -> bool:
        return self._names(need).rtl


@extend_schema_serializer(component_name="VisitSummary")
class VisitListOutputSerializer(serializers.ModelSerializer):
    """No personal fields in lists: only a single visit's read shows (and audits) them."""

    office = VisitOfficeSerializer()
    authority = VisitAuthoritySerializer()
    # A visit without a need has no LanguageNeed row; allow_null turns the missing row into null.
    language_need = LanguageNeedOutputSerializer(allow_null=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "office",
            "authority",
            "service_date",
            "queue_number",
            "status",
            "checked_in_at",
            "started_at",
            "ended_at",
            "language_need",
            "appointment",
        ]


@extend_schema_serializer(component_name="Visit")
class VisitDetailOutputSerializer(VisitListOutputSerializer):
    visitor_phone = serializers.CharField()

    class Meta(VisitListOutputSerializer.Meta):
        fields = [*VisitListOutputSerializer.Meta.fields, "visitor_name", "visitor_phone", "note"]


def _serialize_visit(visit: Visit, serializer: type[serializers.Serializer] = VisitDetailOutputSerializer) -> Any:
    # Re-read through the selector so the answer shows what was committed, with its relations.
    fresh = Visit.objects.select_related("office", "authority", "language_need").get(pk=visit.pk)
    return serializer(fresh, context={"language_overrides": language_overrides()}).data


def _need_overrides(visit: Visit) -> dict[str, Any]:
    """The catalogue overrides the visit's 201 answer can show: of its need's language only, and no
    query at all without a need (visit_check_in leaves the need, or its absence, cached)."""
    need = Visit.language_need.related.get_cached_value(visit, default=None)
    return language_overrides([need.language]) if isinstance(need, LanguageNeed) else {}


@extend_schema_serializer(component_name="LanguageNeedInput")
class LanguageNeedInputSerializer(StrictInputSerializer):
    language = serializers.CharField(max_length=35, help_text="BCP 47 tag, e.g. ar, prs, ku-Arab, ar-SY.")
    dialect = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    interpreter_wanted = serializers.ChoiceField(
        choices=InterpreterWanted.choices, required=False, default=InterpreterWanted.YES
    )
    identified_by = serializers.ChoiceField(
        choices=NeedIdentifiedBy.choices, required=False, default=NeedIdentifiedBy.VISITOR_SAID
    )

    def validate_language(self, value: str) -> str:
        try:
            return normalize_language_tag(value)
        except DomainError as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from exc


@extend_schema_serializer(component_name="LanguageNeedPatch")
class LanguageNeedPatchSerializer(LanguageNeedInputSerializer):
    """Every field optional: the missing ones keep the visit's current values."""

    language = serializers.CharField(max_length=35, required=False)
    dialect = serializers.CharField(max_length=80, required=False, allow_blank=True)
    interpreter_wanted = serializers.ChoiceField(choices=InterpreterWanted.choices, required=False)
    identified_by = serializers.ChoiceField(choices=NeedIdentifiedBy.choices, required=False)


def _filter_offices(request: Request | None) -> QuerySet[Office]:
    # Called without a request while the OpenAPI schema is generated.
    return Office.objects.none() if request is None else offices_for_user(request.user)


class VisitFilter(django_filters.FilterSet):
    # A callable queryset is documented django-filter API; types-django-filter only allows a QuerySet.
    office = django_filters.ModelChoiceFilter(queryset=lambda request: _filter_offices(request))  # type: ignore[arg-type]
    status = django_filters.ChoiceFilter(choices=VisitStatus.choices)
    service_date = django_filters.DateFilter(help_text="Service date (Europe/Stockholm), YYYY-MM-DD. Default: today.")
    has_language_need = StrictBooleanFilter(method="filter_has_language_need")

    class Meta:
        model = Visit
        fields = ["office", "status", "service_date"]

    def filter_has_language_need(self, queryset: QuerySet[Visit], name: str, value: str) -> QuerySet[Visit]:
        return queryset.filter(language_need__isnull=value not in TRUE_VALUES)

    def filter_queryset(self, queryset: QuerySet[Visit]) -> QuerySet[Visit]:
        """Without ``service_date`` the list is today's (Europe/Stockholm): an unfiltered list of
        every visit in history slowed down with history (up to 40x for a national admin)."""
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("service_date") is None:
            queryset = queryset.filter(service_date=timezone.localdate())
        return queryset


class VisitCursorPagination(CappedCursorPagination):
    ordering = ("-checked_in_at", "-id")


class VisitListCreateApi(generics.ListAPIView):
    """GET: visits at the user's offices, newest first: one service date (default today), a page at a
    time by keyset cursor. POST: check a visitor in (also a kiosk, at its own office)."""

    parser_classes = [BoundedJSONParser]
    permission_classes = [AuthenticatedOrKiosk]
    kiosk_methods = ("POST",)

    filterset_class = VisitFilter
    serializer_class = VisitListOutputSerializer
    pagination_class = VisitCursorPagination

    @extend_schema_serializer(component_name="CheckInInput")
    class InputSerializer(StrictInputSerializer):
        office = UnloadedPrimaryKeyField(queryset=Office.objects.all(), help_text="Office id.")
        authority = AuthorityField(
            help_text="The authority's code (a string, e.g. forsakringskassan, skatteverket) or its id (an integer)."
        )
        language_need = LanguageNeedInputSerializer(required=False, allow_null=True)
        visitor_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
        visitor_phone = PhoneNumberField(max_length=40, required=False, allow_blank=True, default="")
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        appointment = serializers.IntegerField(
            required=False,
            allow_null=True,
            default=None,
            min_value=1,
            max_value=2**31 - 1,
            help_text="One of today's appointments at this office: the visit is linked to it.",
        )

    OutputSerializer = VisitDetailOutputSerializer

    def get_queryset(self) -> QuerySet[Visit]:
        return visits_for_user(self.request.user).order_by("-checked_in_at", "-id")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "language_overrides": language_overrides()}

    @extend_schema(
        responses={
            200: VisitListOutputSerializer(many=True),
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
            403: NOT_ALLOWED,
            404: NOT_FOUND,  # a cursor that is not one of ours
        }
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        # Dialect is personal data (README): a list that shows one is a logged read.
        shown = [
            (item["id"], item["office"]["id"])
            for item in response.data.get("results", [])
            if (item.get("language_need") or {}).get("dialect")
        ]
        audit_dialect_list_read(
            user=request.user, shown=shown, via="api:visit-list", remote_addr=client_ip_address(request)
        )
        return response

    @extend_schema(
        request=InputSerializer,
        responses={
            201: VisitDetailOutputSerializer,
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
            403: NOT_ALLOWED,
            413: TOO_LARGE,
            415: UNSUPPORTED,
        },
    )
    def post(self, request: Request) -> Response:
        # The fields are built once per thread (config.serializers.built_once): check-in is the
        # desk's hot path.
        data = validated(self.InputSerializer, request.data)
        # One query finds the office and checks the role there (a miss is then told apart on the
        # error path only: no such office is a 400 on the field, someone else's office a 403).
        office = offices_for_request(request, Action.CHECK_IN).filter(pk=data["office"]).first()
        if office is None:
            if not Office.objects.filter(pk=data["office"]).exists():
                message = UnloadedPrimaryKeyField.default_error_messages["does_not_exist"]
                raise serializers.ValidationError({"office": [message.format(pk_value=data["office"])]})
            raise exceptions.PermissionDenied(_("You cannot check visitors in at this office."))
        need = data.get("language_need")
        appointment = None
        if data["appointment"] is not None:
            # Only this office's appointments are found: another office's is "no such appointment".
            appointment = Appointment.objects.filter(pk=data["appointment"], office=office).first()
            if appointment is None:
                raise serializers.ValidationError({"appointment": [_("No such appointment at this office.")]})
        visit = visit_check_in(
            office=office,
            authority=data["authority"],
            checked_in_by=acting_user(request),
            language_need=LanguageNeedInput(**need) if need else None,
            visitor_name=data["visitor_name"],
            visitor_phone=data["visitor_phone"] or "",
            note=data["note"],
            appointment=appointment,
        )
        # The row the service wrote and committed, with the office, authority and need it was written
        # with: serialized as it is, without reading it back (one statement less per check-in).
        serialized = represented(
            VisitDetailOutputSerializer, visit, context={"language_overrides": _need_overrides(visit)}
        )
        return Response(serialized, status=status.HTTP_201_CREATED)


class VisitDetailApi(APIView):
    """GET: one visit with its personal details. PATCH: move its status and/or set its language need
    (both or neither: one transaction)."""

    parser_classes = [BoundedJSONParser]

    @extend_schema_serializer(component_name="VisitPatchInput")
    class InputSerializer(StrictInputSerializer):
        status = serializers.ChoiceField(choices=VisitStatus.choices, required=False)
        language_need = LanguageNeedPatchSerializer(required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if not attrs:
                raise serializers.ValidationError(_("Give a status, a language need, or both."))
            return attrs

    OutputSerializer = VisitDetailOutputSerializer

    def _get_visit(self, request: Request, visit_id: int) -> Visit:
        return get_object_or_404(visits_for_user(request.user), pk=visit_id)

    @extend_schema(responses={200: OutputSerializer, 401: NOT_SIGNED_IN, 403: NOT_ALLOWED, 404: NOT_FOUND})
    def get(self, request: Request, visit_id: int) -> Response:
        visit = self._get_visit(request, visit_id)
        audit_visit_read(
            user=request.user, visit=visit, via="api:visit-detail", remote_addr=request.META.get("REMOTE_ADDR")
        )
        return Response(_serialize_visit(visit))

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: BAD_INPUT,
            401: NOT_SIGNED_IN,
            403: NOT_ALLOWED,
            404: NOT_FOUND,
            413: TOO_LARGE,
            415: UNSUPPORTED,
        },
    )
    def patch(self, request: Request, visit_id: int) -> Response:
        visit = self._get_visit(request, visit_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        need_input = None
        if "language_need" in data:
            if not request_can(request, Action.LANGUAGE_NEED_EDIT, visit.office_id):
                raise exceptions.PermissionDenied(_("You cannot change language needs at this office."))
            need_input = self._merged_need(visit, data["language_need"])
        if "status" in data and not request_can(request, Action.VISIT_STATUS, visit.office_id):
            raise exceptions.PermissionDenied(_("You cannot change the status of visits at this office."))

        visit = visit_update(visit=visit, by=acting_user(request), need=need_input, status=data.get("status"))
        audit_visit_read(
            user=request.user, visit=visit, via="api:visit-update", remote_addr=request.META.get("REMOTE_ADDR")
        )
        return Response(_serialize_visit(visit))

    @staticmethod
    def _merged_need(visit: Visit, patch: dict[str, Any]) -> LanguageNeedInput:
        current = getattr(visit, "language_need", None) if _has_need(visit) else None
        if current is None:
            if "language" not in patch:
                raise serializers.ValidationError({"language_need": {"language": [_("A language is required.")]}})
            return LanguageNeedInput(**patch)
        return LanguageNeedInput(
            language=patch.get("language", current.language),
            dialect=patch.get("dialect", current.dialect),
            interpreter_wanted=patch.get("interpreter_wanted", current.interpreter_wanted),
            identified_by=patch.get("identified_by", current.identified_by),
        )


def _has_need(visit: Visit) -> bool:
    try:
        visit.language_need  # noqa: B018 - a missing reverse one-to-one raises
    except Visit.language_need.RelatedObjectDoesNotExist:
        return False
    return True
