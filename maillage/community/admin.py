"""Admin of the community app, for repairs. Profiles and registrations are read-only here: consent,
withdrawal, capacity and the waiting list are kept by the services, which the pages use."""

from django.contrib import admin

from maillage.community.models import Event, MemberProfile, Registration, Resource, Skill
from maillage.core.admin_site import admin_site


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "normalized")
    search_fields = ("normalized",)
    readonly_fields = ("normalized",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class MemberProfileAdmin(ReadOnlyAdmin):
    list_display = ("person", "organization", "consent_at", "consent_method")
    list_select_related = ("person", "organization")
    search_fields = ("search_text",)
    raw_id_fields = ("person", "organization")


class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ("name", "email", "event", "status", "attended", "created_at")
    list_select_related = ("event",)
    list_filter = ("status",)
    search_fields = ("email", "name")


class EventAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "starts_at", "capacity", "is_public")
    list_filter = ("kind", "is_public")
    raw_id_fields = ("organizer",)


class ResourceAdmin(admin.ModelAdmin):
    list_display = ("title", "licence", "author_organization", "is_public", "created_at")
    list_filter = ("licence", "is_public")
    list_select_related = ("author_organization",)
    raw_id_fields = ("author_organization", "solution")
    readonly_fields = ("file", "filename")


admin_site.register(Skill, SkillAdmin)
admin_site.register(MemberProfile, MemberProfileAdmin)
admin_site.register(Event, EventAdmin)
admin_site.register(Registration, RegistrationAdmin)
admin_site.register(Resource, ResourceAdmin)
