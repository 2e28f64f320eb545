from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Amendment,
    AmendmentChange,
    AmendmentStatus,
    Deliberation,
    Obligation,
    PartyRole,
    Payment,
)
from maillage.agreements.selectors import STAFF_ROLES
from maillage.agreements.services import AMENDMENT_OPEN, editable_fields
from maillage.cooperation.models import Cooperation
from maillage.core.suggest import bound_organization_choice
from maillage.organizations.models import Organization
from maillage.territories.selectors import commune_resolve, home_territories
from maillage.themes.models import Theme

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AgreementFilterForm(forms.Form):
    q = forms.CharField(label=_("Reference or title"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses"))] + AgreementStatus.choices
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    party = forms.ModelChoiceField(
        label=_("Party"),
        required=False,
        queryset=Organization.objects.order_by("name"),
        empty_label=_("All organisations"),
    )
    commune = forms.CharField(label=_("Commune of a party (INSEE code)"), required=False, max_length=5)
    territory = forms.ChoiceField(label=_("Territory"), required=False)
    amount_min = forms.DecimalField(label=_("Total from (€)"), required=False, min_value=0, decimal_places=2)
    amount_max = forms.DecimalField(label=_("Total up to (€)"), required=False, min_value=0, decimal_places=2)
    year = forms.IntegerField(
        label=_("Year (effect or commitment)"), required=False, min_value=2000, max_value=2100
    )
    expiring_within = forms.IntegerField(
        label=_("In force and expiring within (days)"), required=False, min_value=0, max_value=3650
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notice = ""
        self.fields["kind"].choices = [("", _("All kinds"))] + [
            (kind.slug, kind.name) for kind in AgreementKind.objects.only("slug", "name")
        ]
        self.fields["theme"].choices = [("", _("All themes"))] + [
            (theme.slug, str(theme)) for theme in Theme.objects.all()
        ]
        self.fields["territory"].choices = [("", _("All territories"))] + [
            (t.pk, str(t)) for t in home_territories()
        ]
        bound_organization_choice(self, "party", user, blank=_("All organisations"))

    def clean_commune(self) -> str:
        code = self.cleaned_data.get("commune", "").strip().upper()
        if code:
            resolved = commune_resolve(code)
            if resolved.commune is not None:
                self.notice = resolved.notice
                return resolved.commune.code
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and high < low:
            self.add_error("amount_max", _("The upper amount must not be below the lower amount."))
        return data

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data["q"],
            "status": data["status"],
            "kind": data["kind"],
            "theme": data["theme"],
            "party": data["party"].pk if data["party"] else None,
            "commune": data["commune"],
            "territory": data["territory"],
            "amount_min": data["amount_min"],
            "amount_max": data["amount_max"],
            "year": data["year"],
            "expiring_within": data["expiring_within"],
        }


def staff_accounts():
    return (
        get_user_model()
        .objects.filter(is_active=True, role__in=STAFF_ROLES)
        .order_by("last_name", "first_name", "username")
    )


class AgreementForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Agreement
        fields = [
            "title",
            "kind",
            "purpose",
            "clauses",
            "owner",
            "themes",
            "cooperation",
            "is_public",
            "signed_on",
            "effective_on",
            "expires_on",
            "duration_months",
            "tacit_renewal",
            "renewal_period_months",
            "notice_days",
        ]
        widgets = {"signed_on": DATE_WIDGET, "effective_on": DATE_WIDGET, "expires_on": DATE_WIDGET}
        help_texts = {
            "expires_on": _("Left empty with a duration and an effective date, it is computed."),
            "signed_on": _("May come after the effective date (retroactive effect), not after the expiry."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_accounts()
        self.fields["cooperation"].queryset = Cooperation.objects.only("pk", "title").order_by("title")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            open_fields = set(editable_fields(self.instance.status)) | {"themes"}
            for name, field in self.fields.items():
                if name != "version" and name not in open_fields:
                    field.disabled = True

    def _post_clean(self) -> None:
        # Model validation runs in the service, which owns the rules on dates and owners.
        pass

    def agreement_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("themes", "version")}


class PartyForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organisation"), queryset=Organization.objects.all())
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_organization_choice(self, "organization", user, blank="---------")


class CommitmentForm(forms.Form):
    party = forms.ModelChoiceField(label=_("Party"), queryset=None)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("Amount (€)"), min_value=0, max_digits=14, decimal_places=2)

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = agreement.parties.select_related("organization")
        self.fields["amount"].help_text = _("A second amount for the same party and year replaces the first.")


class PaymentForm(forms.ModelForm):
    class Meta:
        model = Payment
        fields = ["party", "label", "amount", "planned_on", "paid_on"]
        widgets = {"planned_on": DATE_WIDGET, "paid_on": DATE_WIDGET}
        help_texts = {"paid_on": _("Leave empty for a planned payment.")}

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = agreement.parties.select_related("organization")

    def _post_clean(self) -> None:
        pass


class PaidForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=DATE_WIDGET)


class DeliberationForm(forms.ModelForm):
    class Meta:
        model = Deliberation
        fields = [
            "organization",
            "body",
            "date",
            "number",
            "act_url",
            "votes_for",
            "votes_against",
            "abstentions",
            "amendment",
        ]
        widgets = {"date": DATE_WIDGET}
        labels = {"amendment": _("For the amendment (leave empty for the agreement itself)")}

    def __init__(self, *args: Any, agreement: Agreement, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amendment"].queryset = agreement.amendments.all()
        bound_organization_choice(self, "organization", user, blank="---------")

    def _post_clean(self) -> None:
        pass


def obligation_owners(agreement: Agreement):
    """Who may follow an obligation: the metropole's staff and the correspondents of the parties."""
    parties = agreement.parties.values("organization_id")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(role__in=STAFF_ROLES) | Q(organization_id__in=parties))
        .order_by("last_name", "first_name", "username")
    )


class ObligationForm(forms.ModelForm):
    class Meta:
        model = Obligation
        fields = ["kind", "title", "due_on", "owner"]
        widgets = {"due_on": DATE_WIDGET}

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = obligation_owners(agreement)

    def _post_clean(self) -> None:
        pass


class SignForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE_WIDGET)


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=AgreementStatus.choices)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class AmendmentTransitionForm(TransitionForm):
    to_status = forms.ChoiceField(choices=AmendmentStatus.choices)


class ValidateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AmendmentForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Amendment
        fields = ["purpose", "new_expires_on", "signed_on"]
        widgets = {"new_expires_on": DATE_WIDGET, "signed_on": DATE_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            del self.fields["signed_on"]
            del self.fields["version"]
            return
        self.fields["version"].initial = self.instance.version
        if self.instance.status in AMENDMENT_OPEN:
            open_fields = {"purpose", "new_expires_on"}
        elif self.instance.status == AmendmentStatus.SIGNATURE:
            open_fields = {"signed_on"}
        else:
            open_fields = set()
        for name in ("purpose", "new_expires_on", "signed_on"):
            self.fields[name].disabled = name not in open_fields

    def _post_clean(self) -> None:
        pass


class AmendmentChangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Change"), choices=AmendmentChange.Kind.choices)
    organization = forms.ModelChoiceField(label=_("Organisation"), queryset=Organization.objects.all())
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", "---------")] + PartyRole.choices,
        help_text=_("Required for a party added; for a withdrawal, empty withdraws every role."),
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    amount = forms.DecimalField(
        label=_("New amount (€)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_organization_choice(self, "organization", user, blank="---------")
