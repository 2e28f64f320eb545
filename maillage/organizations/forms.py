from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.core.access import is_staff
from maillage.core.identifiers import normalize_identifier
from maillage.core.suggest import bound_organization_choice
from maillage.organizations.models import (
    REFERENTIAL_KINDS,
    Organization,
    OrganizationKind,
    OrganizationMembership,
)
from maillage.territories.forms import CommuneCodeField
from maillage.territories.selectors import home_territories
from maillage.themes.models import Theme


class OrganizationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds"))] + OrganizationKind.choices
    )
    territory = forms.ChoiceField(label=_("Territory"), required=False)
    commune = forms.CharField(label=_("Commune (INSEE code)"), required=False, max_length=5)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].choices = [("", _("All territories"))] + [
            (t.pk, str(t)) for t in home_territories()
        ]

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data["q"],
            "kind": data["kind"],
            "territory": data["territory"],
            "commune": data["commune"],
        }


class OrganizationForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    commune = CommuneCodeField(label=_("Commune (INSEE code)"), required=False)
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Organization
        fields = [
            "kind",
            "name",
            "siren",
            "siret",
            "address",
            "postal_code",
            "city",
            "website",
            "email",
            "phone",
            "description",
            "commune",
            "territory",
            "themes",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = home_territories()
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            if self.instance.kind in REFERENTIAL_KINDS and not is_staff(user):
                # Identity of a commune, EPT or metropole comes from the referential, not from its correspondent.
                for name in ("kind", "name", "siren", "commune", "territory"):
                    self.fields[name].disabled = True

    def clean_siren(self) -> str:
        return normalize_identifier(self.cleaned_data.get("siren", ""))

    def clean_siret(self) -> str:
        return normalize_identifier(self.cleaned_data.get("siret", ""))

    def _post_clean(self) -> None:
        # Model validation runs in the service, which owns the duplicate rules.
        pass


class MembershipForm(forms.ModelForm):
    class Meta:
        model = OrganizationMembership
        fields = ["group", "competence", "theme", "start_date", "end_date"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, member: Organization, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Organization.objects.exclude(pk=member.pk).exclude(
            kind=OrganizationKind.COMMUNE
        )
        bound_organization_choice(
            self, "group", user, blank="---------", exclude=Q(pk=member.pk) | Q(kind=OrganizationKind.COMMUNE)
        )
        self.fields["group"].label = _("Group joined (syndicate, network...)")

    def _post_clean(self) -> None:
        pass
