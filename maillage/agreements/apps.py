from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "maillage.agreements"
    label = "agreements"

    def ready(self) -> None:
        from maillage.agreements import models, sections
        from maillage.core.audit import audit_register
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
        audit_register(audited)
        register("commune", sections.commune_agreements)
        register("organization", sections.organization_agreements)
