from django.contrib import admin

from maillage.core.admin_site import admin_site
from maillage.outbox.models import OutboxMessage, SuppressedAddress
from maillage.outbox.sender import outbox_record_bounce


class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: messages are written by the services and updated by the sender only."""

    list_display = (
        "created_at",
        "to",
        "subject",
        "category",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "category")
    search_fields = ("to", "subject", "message_id")
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_per_page = 100

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SuppressedAddressAdmin(admin.ModelAdmin):
    """Adding an address here is a permanent bounce: its waiting messages are stopped too.
    Deleting one lets the address receive mail again."""

    list_display = ("email", "reason", "created_at")
    search_fields = ("email",)

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        outbox_record_bounce(email=obj.email, reason=obj.reason or "Ajout manuel", permanent=True)
        saved = SuppressedAddress.objects.get(email__iexact=obj.email.strip())
        obj.pk, obj.created_at = saved.pk, saved.created_at  # for the admin's history entry


admin_site.register(OutboxMessage, OutboxMessageAdmin)
admin_site.register(SuppressedAddress, SuppressedAddressAdmin)
