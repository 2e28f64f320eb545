from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Audit options per model: search columns are derived, not edits. Registrations are not audited:
# they are personal data purged after the event, and the trail would keep them.
AUDITED = {
    "MemberProfile": {
        "exclude_fields": ["search_text", "version", "updated_at"],
        "m2m_fields": {"skills", "interests", "projects"},
    },
    "Event": {"exclude_fields": ["version", "updated_at"], "m2m_fields": {"themes"}},
    "Resource": {"exclude_fields": ["search_text", "version", "updated_at"], "m2m_fields": {"themes"}},
}


class CommunityConfig(AppConfig):
    name = "maillage.community"
    label = "community"
    verbose_name = _("Community of innovators")

    def ready(self) -> None:
        from maillage.community import sections, services
        from maillage.core.audit import audit_register
        from maillage.core.sections import register
        from maillage.people import personal_data

        audit_register({self.get_model(name): options for name, options in AUDITED.items()})
        register("solution", sections.solution_section)
        personal_data.register(
            "community", export=services.personal_data_export, erase=services.personal_data_erase
        )
