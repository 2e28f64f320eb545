from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiffusionConfig(AppConfig):
    name = "maillage.diffusion"
    label = "diffusion"
    verbose_name = _("Diffusion")

    def ready(self) -> None:
        from maillage.core.audit import audit_register
        from maillage.diffusion import models, personal_data
        from maillage.people.personal_data import register

        # Subscribers are not audited: their rows carry the consent and unsubscribe dates, and an
        # audit copy of an address would outlive the purge of the subscription.
        audit_register(
            {
                models.Achievement: {
                    "exclude_fields": ["version", "updated_at"],
                    "m2m_fields": {"communes", "organizations", "themes"},
                },
                models.Audience: {"exclude_fields": ["updated_at"]},
                models.Newsletter: {"exclude_fields": ["version", "updated_at"]},
                models.NewsletterSection: {},
            }
        )
        register("newsletters", export=personal_data.export, erase=personal_data.erase)
