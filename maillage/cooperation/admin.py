from django.contrib import admin

from maillage.cooperation.models import (
    CommonTopic,
    Cooperation,
    CooperationParticipant,
    Milestone,
    TopicInterest,
)
from maillage.core.admin_site import admin_site


class TopicInterestInline(admin.TabularInline):
    """Read-only: declaring and withdrawing go through the services, which keep the counters exact."""

    model = TopicInterest
    extra = 0
    can_delete = False
    fields = readonly_fields = ("organization", "declared_by", "comment", "created_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class CommonTopicAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "proposer", "support_count", "territory_count", "created_at")
    list_filter = ("status",)
    search_fields = ("title",)
    raw_id_fields = ("proposer", "proposed_by", "cooperation")
    # The counters are kept by the services: the admin shows them, never edits them.
    readonly_fields = ("support_count", "territory_count")
    inlines = [TopicInterestInline]


class ParticipantInline(admin.TabularInline):
    model = CooperationParticipant
    extra = 0
    raw_id_fields = ("organization",)


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class CooperationAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "start_date", "end_date", "owner")
    list_filter = ("status",)
    search_fields = ("title",)
    raw_id_fields = ("owner",)
    inlines = [ParticipantInline, MilestoneInline]


admin_site.register(CommonTopic, CommonTopicAdmin)
admin_site.register(Cooperation, CooperationAdmin)
