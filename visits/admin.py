from django.contrib import admin

from visits.languages import language_names
from visits.models import Authority, Language, LanguageNeed, Office, OfficeMembership, Visit, VisitOutcome


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

    @admin.display(description="svenska")
    def name_sv(self, obj: Language) -> str:
        return obj.name_sv_override or language_names(obj.code).name_sv

    @admin.display(description="English")
    def name_en(self, obj: Language) -> str:
        return obj.name_en_override or language_names(obj.code).name_en

    @admin.display(description="endonym")
    def endonym(self, obj: Language) -> str:
        return obj.endonym_override or language_names(obj.code).endonym


class LanguageNeedInline(admin.StackedInline):
    model = LanguageNeed
    extra = 0


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["queue_number", "office", "authority", "service_date", "status"]
    list_filter = ["status", "authority", "office__county"]
    date_hierarchy = "service_date"
    raw_id_fields = ["office", "checked_in_by", "served_by"]
    inlines = [LanguageNeedInline]


admin.site.register(VisitOutcome)
admin.site.register(OfficeMembership)
