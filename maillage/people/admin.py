from django.contrib import admin

from maillage.core.admin_site import admin_site
from maillage.people.models import Person, Position, PurgeLog
from maillage.people.services import search_text_for


class PositionInline(admin.TabularInline):
    model = Position
    extra = 0
    raw_id_fields = ("organization",)


class PersonAdmin(admin.ModelAdmin):
    """Read-mostly: people are created and changed through the application, whose services keep
    the search column, consent dates and retention consistent."""

    list_display = ("last_name", "first_name", "legal_basis", "retention_until", "anonymized_at")
    list_filter = ("legal_basis", "newsletter_consent")
    search_fields = ("search_text",)
    readonly_fields = (
        "newsletter_consent_at",
        "last_interaction_at",
        "retention_until",
        "anonymized_at",
        "version",
    )
    inlines = [PositionInline]

    def save_model(self, request, obj, form, change):
        obj.search_text = search_text_for(obj)
        if not change and not obj.retention_until:
            obj.retention_until = Person.retention_from(obj.last_interaction_at)
        super().save_model(request, obj, form, change)


class PurgeLogAdmin(admin.ModelAdmin):
    list_display = ("ran_at", "anonymized_count", "reason")
    readonly_fields = ("ran_at", "anonymized_count", "person_ids", "reason")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin_site.register(Person, PersonAdmin)
admin_site.register(PurgeLog, PurgeLogAdmin)
