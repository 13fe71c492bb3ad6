from django.contrib import admin

from interpreters.models import (
    AgencyRanking,
    BookingEvent,
    Interpreter,
    InterpreterAgency,
    InterpreterBooking,
    PriceList,
    PriceListRow,
    Requisition,
)


class AgencyRankingInline(admin.TabularInline):
    model = AgencyRanking
    extra = 0


@admin.register(InterpreterAgency)
class InterpreterAgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "backend", "priority", "active"]
    inlines = [AgencyRankingInline]


class PriceListRowInline(admin.TabularInline):
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


class BookingEventInline(admin.TabularInline):
    model = BookingEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "source", "at", "detail"]


@admin.register(InterpreterBooking)
class InterpreterBookingAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "visit",
        "appointment",
        "language",
        "modality",
        "status",
        "agency",
        "requested_at",
        "answer_by",
    ]
    list_filter = ["status", "modality", "agency"]
    raw_id_fields = ["visit", "appointment", "requested_by", "interpreter"]
    inlines = [BookingEventInline]
