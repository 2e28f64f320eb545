"""Forms of the publiccode.yml import: the document (file or pasted text), then the signed confirmation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.commons import publiccode
from maillage.core.access import is_staff
from maillage.core.suggest import bound_choices, bound_organization_choice
from maillage.innovation.models import SolutionVisibility
from maillage.organizations.models import Organization

SIGNING_SALT = "maillage.commons.publiccode-import"
CONFIRM_MAX_AGE = 3600  # seconds: a preview stays confirmable for one hour


class ImportForm(forms.Form):
    document = forms.FileField(
        label=gettext_lazy("publiccode.yml file"),
        required=False,
        help_text=gettext_lazy("A YAML file encoded in UTF-8, 1 MB at most."),
        widget=forms.ClearableFileInput(attrs={"accept": ".yml,.yaml,.json,text/yaml,application/yaml"}),
    )
    text = forms.CharField(
        label=gettext_lazy("Or paste its content"),
        required=False,
        strip=False,  # leading spaces are YAML indentation
        help_text=gettext_lazy("Ignored when a file is chosen."),
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false", "class": "code"}),
    )
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Holder organisation"),
        queryset=Organization.objects.all(),
        required=False,
        help_text=gettext_lazy("The organisation that holds the software in the catalogue."),
    )
    visibility = forms.ChoiceField(
        label=gettext_lazy("Visibility"),
        choices=SolutionVisibility.choices,
        initial=SolutionVisibility.INTERNAL,
        help_text=gettext_lazy(
            "Used when the solution is created; an existing solution keeps its visibility."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["organization"]
        if is_staff(user):
            bound_organization_choice(self, "organization", user, blank=_("(no holder organisation)"))
        else:
            # A correspondent imports for their organisation: the only choice offered (the service refuses any other).
            field.required = True
            field.empty_label = None
            own = getattr(user, "organization", None)
            bound_choices(field, [own] if own else [], "organizations")
            field.widget.attrs.pop("data-suggest", None)
            if own and not self.is_bound:
                self.initial.setdefault("organization", own.pk)

    def clean_document(self) -> Any:
        upload = self.cleaned_data.get("document")
        if upload and upload.size > publiccode.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(size)s): a publiccode.yml may not exceed 1 MB.")
                % {"size": publiccode._human_size(upload.size)}
            )
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        upload, text = cleaned.get("document"), (cleaned.get("text") or "")
        if "document" in self.errors:
            return cleaned
        if upload:  # a file is chosen on this very page (browsers never keep one): it wins over the text
            cleaned["data"] = upload.read()
        elif text.strip():
            cleaned["data"] = text
        else:
            raise forms.ValidationError(_("Choose a publiccode.yml file or paste its content."))
        return cleaned


def sign_payload(payload: dict[str, Any]) -> str:
    return signing.dumps(payload, salt=SIGNING_SALT, compress=True)


class ConfirmForm(forms.Form):
    """The preview's content, signed: a changed field (text, organisation, solution) is refused."""

    payload = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_payload(self) -> dict[str, Any]:
        try:
            payload = signing.loads(self.cleaned_data["payload"], salt=SIGNING_SALT, max_age=CONFIRM_MAX_AGE)
        except signing.SignatureExpired as error:
            raise forms.ValidationError(
                _("This preview is more than one hour old: start the import again.")
            ) from error
        except signing.BadSignature as error:
            raise forms.ValidationError(
                _("The confirmation data were modified: nothing was imported. Start the import again.")
            ) from error
        if not isinstance(payload, dict) or payload.get("user") != self.user.pk:
            raise forms.ValidationError(
                _("The confirmation data were modified: nothing was imported. Start the import again.")
            )
        return payload
