from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.core.access import is_staff, organization_ids_of
from maillage.core.suggest import bound_organization_choice
from maillage.organizations.models import Organization
from maillage.people.models import LegalBasis, Person, Position, PositionRole
from maillage.people.services import REASON_REQUEST
from maillage.themes.models import Theme

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _theme_choices(empty_label: str) -> list[tuple[str, str]]:
    return [("", empty_label)] + [(t.slug, str(t)) for t in Theme.objects.all()]


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    organization = forms.ModelChoiceField(
        label=_("Organisation"),
        required=False,
        queryset=Organization.objects.order_by("name"),
        empty_label=_("All organisations"),
    )
    role = forms.ChoiceField(
        label=_("Current role"), required=False, choices=[("", _("All roles"))] + PositionRole.choices
    )
    theme = forms.ChoiceField(label=_("Theme"), required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = _theme_choices(_("All themes"))
        bound_organization_choice(self, "organization", user, blank=_("All organisations"))

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        organization = data["organization"]
        return {
            "query": data["q"],
            "organization": organization.pk if organization else None,
            "role": data["role"],
            "theme": data["theme"],
        }


def _limit_organizations_for(field: forms.ModelChoiceField, user: Any) -> None:
    # Staff choose among institutions, the current choice and what the search box adds.
    """A correspondent is offered their own organisation only. The queryset stays complete so that
    a tampered choice reaches the view's access check (403) instead of a vague "invalid choice"."""
    if is_staff(user):
        bound_organization_choice(field.form, "organization", user, blank="---------")
        return
    own = organization_ids_of(user)
    field.widget.choices = [(o.pk, o.name) for o in Organization.objects.filter(pk__in=own)]


class PersonForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"),
        choices=LegalBasis.choices,
        initial=LegalBasis.PUBLIC_INTEREST,
        widget=forms.RadioSelect,
        help_text=_(
            "Public-interest mission for people met in the course of the metropole's missions; "
            "consent when the person asked to be kept informed."
        ),
    )

    class Meta:
        model = Person
        fields = [
            "first_name",
            "last_name",
            "email",
            "phone",
            "themes",
            "notes",
            "legal_basis",
            "source",
            "newsletter_consent",
        ]
        help_texts = {
            "source": _("Where the data comes from, e.g. business card, public directory, meeting on 12/03."),
            "newsletter_consent": _("Tick only if the person explicitly agreed; the date is recorded."),
            "notes": _("Professional information only: no opinion, health or private life details."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].required = True
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def _post_clean(self) -> None:
        # Model validation runs in the service.
        pass

    def person_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.Meta.fields and k != "themes"}


class PersonCreateForm(PersonForm):
    """A new person comes with a first position."""

    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.order_by("name")
    )
    role = forms.ChoiceField(label=_("Role"), choices=[("", "---------")] + PositionRole.choices)
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DATE_WIDGET)

    field_order = [
        "first_name",
        "last_name",
        "email",
        "phone",
        "organization",
        "role",
        "title",
        "start_date",
        "themes",
        "notes",
        "legal_basis",
        "source",
        "newsletter_consent",
    ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].form = self
        _limit_organizations_for(self.fields["organization"], user)

    def position_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(k) for k in ("organization", "role", "title", "start_date")}


class PositionForm(forms.ModelForm):
    class Meta:
        model = Position
        fields = ["organization", "role", "title", "start_date", "end_date"]
        widgets = {"start_date": DATE_WIDGET, "end_date": DATE_WIDGET}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.order_by("name")
        self.fields["organization"].form = self
        _limit_organizations_for(self.fields["organization"], user)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must come after the start date."))
        return data

    def _post_clean(self) -> None:
        pass


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        initial=_(REASON_REQUEST),
        help_text=_("Kept in the purge log, without any personal data: do not write the person's name."),
    )
