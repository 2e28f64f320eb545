from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Audit options per model: the search column and the version are derived, not edits.
AUDITED = {
    "Programme": {
        "exclude_fields": ["search_text", "version", "updated_at"],
        "m2m_fields": {"themes", "solutions", "agreements"},
    },
    "ProgrammeParticipant": {"exclude_fields": ["updated_at"]},
    "Experiment": {"exclude_fields": ["search_text", "version", "updated_at"]},
    "Indicator": {"exclude_fields": ["updated_at"]},
    "Measure": {"exclude_fields": ["updated_at"]},
}


class ProgrammesConfig(AppConfig):
    name = "maillage.programmes"
    label = "programmes"
    verbose_name = _("Programmes and experiments")

    def ready(self) -> None:
        from maillage.core.audit import audit_register
        from maillage.core.sections import register
        from maillage.programmes import sections

        audit_register({self.get_model(name): options for name, options in AUDITED.items()})
        register("commune", sections.commune_section)
        register("solution", sections.solution_section)
