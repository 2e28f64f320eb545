from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.territories.models import Commune
from maillage.territories.selectors import commune_resolve


class CommuneCodeField(forms.CharField):
    """An INSEE code typed by a person; former codes resolve to the current commune with a notice."""

    default_error_messages = {
        "unknown": _(
            "No commune has the INSEE code %(code)s. Check the code (5 characters, e.g. 93066) "
            "or leave the field empty."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 5)
        kwargs.setdefault("help_text", _("INSEE code, e.g. 93066 for Saint-Denis."))
        super().__init__(**kwargs)
        self.notice = ""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Commune):
            return value.code
        return value

    def clean(self, value: Any) -> Commune | None:
        code = super().clean(value)
        if not code:
            return None
        resolved = commune_resolve(code)
        if resolved.commune is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"code": code})
        self.notice = resolved.notice
        return resolved.commune
