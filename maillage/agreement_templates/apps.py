from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementTemplatesConfig(AppConfig):
    """Editable templates from which conventions are generated as .docx and .pdf."""

    name = "maillage.agreement_templates"
    label = "agreement_templates"
    verbose_name = _("Agreement templates")
