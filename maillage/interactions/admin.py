from django.contrib import admin

from maillage.core.admin_site import admin_site
from maillage.interactions.models import FollowUpAction, Interaction


class FollowUpActionInline(admin.TabularInline):
    model = FollowUpAction
    extra = 0
    raw_id_fields = ("owner",)


class InteractionAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "subject", "author")
    list_filter = ("kind",)
    search_fields = ("subject",)
    date_hierarchy = "date"
    raw_id_fields = ("organizations", "people", "author")
    inlines = [FollowUpActionInline]


admin_site.register(Interaction, InteractionAdmin)
