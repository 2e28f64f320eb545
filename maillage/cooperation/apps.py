from django.apps import AppConfig

# Audit options per model: counters and search columns are derived, not edits.
AUDITED = {
    "CommonTopic": {
        "exclude_fields": ["search_text", "version", "updated_at", "support_count", "territory_count"],
        "m2m_fields": {"themes"},
    },
    "TopicInterest": {"exclude_fields": ["updated_at"]},
    "Cooperation": {"exclude_fields": ["search_text", "version", "updated_at"], "m2m_fields": {"themes"}},
    "CooperationParticipant": {"exclude_fields": ["updated_at"]},
    "Milestone": {"exclude_fields": ["updated_at"]},
}


class CooperationConfig(AppConfig):
    name = "maillage.cooperation"
    label = "cooperation"

    def ready(self) -> None:
        from maillage.cooperation import sections
        from maillage.core.audit import audit_register
        from maillage.core.sections import register

        audit_register({self.get_model(name): options for name, options in AUDITED.items()})
        register("organization", sections.organization_section)
        register("commune", sections.commune_section)
