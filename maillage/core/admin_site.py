"""The Django admin, reserved to the administrator role (declared rule: ADMIN)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from maillage.core.access import ADMIN


class MaillageAdminSite(admin.AdminSite):
    site_header = "Maillage – administration"
    site_title = "Maillage"
    access_rule = ADMIN

    def has_permission(self, request: HttpRequest) -> bool:
        return ADMIN.allows_user(request.user)


admin_site = MaillageAdminSite(name="admin")
