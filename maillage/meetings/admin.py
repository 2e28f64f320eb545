from django.contrib import admin

from maillage.core.admin_site import admin_site
from maillage.meetings.models import (
    AgendaItem,
    Body,
    BodyMember,
    Invitation,
    MeetingAction,
    MeetingSession,
    Substitute,
)


class BodyMemberInline(admin.TabularInline):
    model = BodyMember
    extra = 0
    raw_id_fields = ("person", "organization")


class SubstituteInline(admin.TabularInline):
    model = Substitute
    extra = 0
    raw_id_fields = ("person", "organization")


class BodyAdmin(admin.ModelAdmin):
    list_display = ("name", "rule_role", "is_public")
    search_fields = ("name",)
    inlines = [BodyMemberInline, SubstituteInline]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    raw_id_fields = ("presenter", "topic")


class MeetingSessionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "body", "starts_at", "status", "sequence")
    list_filter = ("status", "body")
    date_hierarchy = "starts_at"
    inlines = [AgendaItemInline]


class InvitationAdmin(admin.ModelAdmin):
    list_display = ("person", "session", "role", "response", "attendance")
    list_filter = ("role", "response", "attendance")
    raw_id_fields = ("session", "person", "organization", "proxy_person")


class MeetingActionAdmin(admin.ModelAdmin):
    list_display = ("description", "body", "due_date", "status")
    list_filter = ("status",)
    raw_id_fields = ("session", "owner_person", "owner_user")


admin_site.register(Body, BodyAdmin)
admin_site.register(MeetingSession, MeetingSessionAdmin)
admin_site.register(Invitation, InvitationAdmin)
admin_site.register(MeetingAction, MeetingActionAdmin)
