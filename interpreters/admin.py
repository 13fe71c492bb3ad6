from django.contrib import admin

from interpreters.models import (
    AgencyRanking,
    BookingEvent,
    Interpreter,
    InterpreterAgency,
    InterpreterBooking,
    RateCard,
)


class AgencyRankingInline(admin.TabularInline):
    model = AgencyRanking
    extra = 0


@admin.register(InterpreterAgency)
class InterpreterAgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "backend", "priority", "active"]
    inlines = [AgencyRankingInline]


admin.site.register(RateCard)
admin.site.register(Interpreter)


class BookingEventInline(admin.TabularInline):
    model = BookingEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "source", "at", "detail"]


@admin.register(InterpreterBooking)
class InterpreterBookingAdmin(admin.ModelAdmin):
    list_display = ["pk", "visit", "language", "modality", "status", "agency", "requested_at"]
    list_filter = ["status", "modality", "agency"]
    raw_id_fields = ["visit", "requested_by", "interpreter"]
    inlines = [BookingEventInline]
