from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Audit options per model: fetch state and search columns are derived, not edits.
AUDITED = {
    "Source": {
        "exclude_fields": [
            "version",
            "updated_at",
            "etag",
            "last_modified",
            "last_fetched_at",
            "last_success_at",
            "last_status",
            "last_http_status",
            "last_error",
            "consecutive_failures",
            "next_fetch_at",
            "last_new_items",
        ],
        "m2m_fields": {"themes"},
    },
    "Digest": {"exclude_fields": ["version", "updated_at"]},
    # Items are created in bulk (no audit entry); the trail records the edits of their tags and notes.
    "Item": {
        "include_fields": ["notes", "assignee", "status", "themes", "communes"],
        "m2m_fields": {"themes", "communes"},
    },
}


class WatchConfig(AppConfig):
    name = "maillage.watch"
    label = "watch"
    verbose_name = _("Watch")

    def ready(self) -> None:
        from maillage.core.audit import audit_register

        audit_register({self.get_model(name): options for name, options in AUDITED.items()})
