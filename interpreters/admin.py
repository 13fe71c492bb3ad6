from django.contrib import admin

from config.admin import LabelledTabularInline
from interpreters.models import (
    AgencyDirectLine,
    AgencyRanking,
    BookingEvent,
    Interpreter,
    InterpreterAgency,
    InterpreterBooking,
    Notification,
    NotificationPreference,
    PriceList,
    PriceListRow,
    Requisition,
)


class AgencyRankingInline(LabelledTabularInline):
    model = AgencyRanking
    extra = 0


class AgencyDirectLineInline(LabelledTabularInline):
    model = AgencyDirectLine
    extra = 0


@admin.register(InterpreterAgency)
class InterpreterAgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "backend", "priority", "active"]
    inlines = [AgencyRankingInline, AgencyDirectLineInline]


@admin.register(AgencyDirectLine)
class AgencyDirectLineAdmin(admin.ModelAdmin):
    list_display = ["agency", "language", "phone", "opening_hours", "active"]
    list_filter = ["agency", "active"]
    search_fields = ["language"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "email_enabled", "office_wide", "updated_at"]
    raw_id_fields = ["user"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: the delivery record (sent, skipped and why, failed, attempts)."""

    list_display = ["pk", "event", "booking", "recipient", "status", "attempts", "skip_reason", "created_at", "sent_at"]
    list_filter = ["status", "event"]
    raw_id_fields = ["booking", "complaint", "recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]


class PriceListRowInline(LabelledTabularInline):
    model = PriceListRow
    extra = 0


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "valid_from", "valid_to"]
    inlines = [PriceListRowInline]


@admin.register(Requisition)
class RequisitionAdmin(admin.ModelAdmin):
    list_display = ["pk", "booking", "status", "reported_minutes", "confirmed_minutes", "cost_ore", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["booking", "replaces", "decided_by"]


admin.site.register(Interpreter)


class BookingEventInline(LabelledTabularInline):
    model = BookingEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "source", "at", "detail"]


@admin.register(InterpreterBooking)
class InterpreterBookingAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "visit",
        "appointment",
        "channel",
        "language",
        "modality",
        "status",
        "agency",
        "requested_at",
        "answer_by",
    ]
    list_filter = ["status", "channel", "modality", "agency"]
    raw_id_fields = ["visit", "appointment", "requested_by", "interpreter"]
    inlines = [BookingEventInline]
