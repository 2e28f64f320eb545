"""Editable templates of conventions (Agreement), rendered into .docx and .pdf documents."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from maillage.agreement_templates.engine import PLACEHOLDERS_HELP, check_body
from maillage.core.models import TimeStamped


class AgreementTemplate(TimeStamped):
    """The text of a convention with placeholders, in Django's template language.

    Markup, one block per line group: ``# `` title, ``## `` heading, ``### `` sub-heading, ``- `` list
    item, a line holding only ``{{ commitments_table }}`` for the table of commitments, and paragraphs
    separated by a blank line.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    body = models.TextField(
        _("template text"), help_text=format_lazy("{} {}", _("Available placeholders:"), PLACEHOLDERS_HELP)
    )
    is_default = models.BooleanField(
        _("default template"), default=False, help_text=_("Used when generating a document.")
    )

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("agreement template")
        verbose_name_plural = _("agreement templates")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="agreement_template_one_default",
                violation_error_message=_("Only one template can be the default."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def validate_constraints(self, exclude=None) -> None:
        # Making a template the default demotes the previous one on save (see the admin), rather than
        # being refused by form validation; the database constraint still guarantees a single default.
        super().validate_constraints(exclude={*(exclude or ()), "is_default"})

    def clean(self) -> None:
        super().clean()
        check_body(self.body)
