from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "maillage.agreements"
    label = "agreements"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from maillage.agreements import models, sections
        from maillage.core.sections import register

        audited = {
            models.Agreement: {
                "exclude_fields": ["search_text", "version", "updated_at"],
                "m2m_fields": {"themes"},
            },
            models.AgreementParty: {"exclude_fields": ["updated_at"]},
            models.Commitment: {"exclude_fields": ["updated_at"]},
            models.Payment: {"exclude_fields": ["updated_at"]},
            models.Deliberation: {"exclude_fields": ["updated_at"]},
            models.Amendment: {"exclude_fields": ["version", "updated_at"]},
            models.Obligation: {"exclude_fields": ["updated_at"]},
        }
        for model, options in audited.items():
            if not auditlog.contains(model):
                auditlog.register(model, **options)
        register("commune", sections.commune_agreements)
        register("organization", sections.organization_agreements)
