from django.contrib import admin

from maillage.core.admin_site import admin_site
from maillage.innovation.models import Replication, Solution


class ReplicationInline(admin.TabularInline):
    model = Replication
    fk_name = "solution"
    extra = 0
    raw_id_fields = ("commune", "parent", "contact")


@admin.register(Solution, site=admin_site)
class SolutionAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "stage", "visibility", "origin_commune")
    list_filter = ("kind", "stage", "visibility")
    search_fields = ("search_text",)
    raw_id_fields = ("origin_commune", "holders", "agreements", "contacts")
    inlines = [ReplicationInline]
