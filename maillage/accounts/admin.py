from django.contrib.auth.admin import UserAdmin

from maillage.accounts.models import User
from maillage.core.admin_site import admin_site


class MaillageUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "organization", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = UserAdmin.fieldsets + (("Maillage", {"fields": ("role", "organization")}),)
    autocomplete_fields = ("organization",)


admin_site.register(User, MaillageUserAdmin)
