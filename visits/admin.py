from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from visits.audit import audit_appointment_read, audit_visit_read
from visits.kiosks import kiosk_token_revoke
from visits.models import (
    Appointment,
    Authority,
    KioskToken,
    Language,
    LanguageNeed,
    Office,
    OfficeMembership,
    Visit,
    VisitOutcome,
)
from visits.picker import language_label


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "county", "phone", "active"]
    list_filter = ["county", "active"]
    search_fields = ["name", "municipality"]


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "active", "sort_order"]


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["code", "name_sv", "name_en", "endonym", "rank", "active"]
    list_editable = ["rank", "active"]
    search_fields = ["code", "name_sv_override", "name_en_override"]

    # The row holds its own overrides: visits/picker.py:language_label applies them like every page.
    @admin.display(description="svenska")
    def name_sv(self, obj: Language) -> str:
        return language_label(obj.code, overrides={obj.code: obj}).name_sv

    @admin.display(description="English")
    def name_en(self, obj: Language) -> str:
        return language_label(obj.code, overrides={obj.code: obj}).name_en

    @admin.display(description="endonym")
    def endonym(self, obj: Language) -> str:
        return language_label(obj.code, overrides={obj.code: obj}).endonym


class LanguageNeedInline(admin.StackedInline):
    model = LanguageNeed
    extra = 0


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["queue_number", "office", "authority", "service_date", "status"]
    list_filter = ["status", "authority", "office__county"]
    date_hierarchy = "service_date"
    raw_id_fields = ["office", "checked_in_by", "served_by", "appointment"]
    inlines = [LanguageNeedInline]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        visit = Visit.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if request.method == "GET" and response.status_code == 200 and visit is not None:
            # The change form shows the visitor's name, phone and note: a read like any other.
            audit_visit_read(
                user=request.user, visit=visit, via="admin:visit-change", remote_addr=request.META.get("REMOTE_ADDR")
            )
        return response


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["start", "office", "authority", "status", "language"]
    list_filter = ["status", "authority", "office__county"]
    date_hierarchy = "service_date"
    raw_id_fields = ["office", "created_by", "cancelled_by"]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        appointment = Appointment.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if request.method == "GET" and response.status_code == 200 and appointment is not None:
            # The change form shows the visitor's contact: a read like any other.
            audit_appointment_read(
                user=request.user,
                appointment=appointment,
                via="admin:appointment-change",
                remote_addr=request.META.get("REMOTE_ADDR"),
            )
        return response


admin.site.register(VisitOutcome)
admin.site.register(OfficeMembership)


@admin.register(KioskToken)
class KioskTokenAdmin(admin.ModelAdmin):
    """Tokens are created with `manage.py kiosk_token_create` (the key is shown once); here they are
    listed and revoked."""

    list_display = ["name", "office", "key_prefix", "active", "created_at", "expires_at", "last_used_at"]
    list_filter = ["active"]
    search_fields = ["name", "office__name", "key_prefix"]
    readonly_fields = ["office", "name", "key_prefix", "created_at", "created_by", "expires_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke the selected kiosk tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[KioskToken]) -> None:
        for token in queryset:
            kiosk_token_revoke(token=token)
        self.message_user(request, _("Revoked %(n)d tokens.") % {"n": queryset.count()}, messages.SUCCESS)


class AuditOfficeFilter(admin.SimpleListFilter):
    title = _("office")
    parameter_name = "office"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(str(pk), name) for pk, name in Office.objects.values_list("pk", "name")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[LogEntry]) -> QuerySet[LogEntry]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(additional_data__office_id=int(value))
        return queryset


# The audit trail (changes + reads of personal details), searchable by national admins.
admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditLogEntryAdmin(LogEntryAdmin):
    list_display = ["created", "resource_url", "action", "msg_short", "user_url", "office_and_via"]
    list_filter = ["action", AuditOfficeFilter, *LogEntryAdmin.list_filter[1:]]
    search_fields = [*LogEntryAdmin.search_fields, "object_pk", "additional_data"]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("office / via"))
    def office_and_via(self, obj: LogEntry) -> str:
        data = obj.additional_data or {}
        return " / ".join(str(data[key]) for key in ("office_id", "via") if key in data)
