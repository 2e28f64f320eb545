from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Audit options per model: the search column and the version are derived, not edits.
AUDITED = {
    "Solution": {
        "exclude_fields": ["search_text", "version", "updated_at", "publiccode"],
        "m2m_fields": {"holders", "themes", "agreements", "contacts"},
    },
    "Replication": {"exclude_fields": ["updated_at"]},
}


class InnovationConfig(AppConfig):
    name = "maillage.innovation"
    label = "innovation"
    verbose_name = _("Innovation")

    def ready(self) -> None:
        from maillage.core.audit import audit_register
        from maillage.core.sections import register
        from maillage.innovation import personal_data, sections
        from maillage.people.personal_data import register as register_personal_data

        audit_register({self.get_model(name): options for name, options in AUDITED.items()})
        register("commune", sections.commune_section)
        register_personal_data("innovation", export=personal_data.export, erase=personal_data.erase)
