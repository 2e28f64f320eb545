from django.contrib import admin

from maillage.core.admin_site import admin_site
from maillage.organizations.models import Organization


class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "siren", "commune")
    list_filter = ("kind",)
    search_fields = ("name", "siren")
    raw_id_fields = ("commune",)


admin_site.register(Organization, OrganizationAdmin)
