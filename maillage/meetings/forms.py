from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from maillage.accounts.models import User
from maillage.cooperation.models import CommonTopic
from maillage.core.suggest import (
    INSTITUTIONAL_KINDS,
    MAX_CANDIDATES,
    bound_choices,
    bound_organization_choice,
    selected_ids,
)
from maillage.core.uploads import accept_attribute, accepted_types_text
from maillage.meetings.models import (
    RULE_KINDS,
    AgendaItem,
    Body,
    Invitation,
    MeetingAction,
    MeetingSession,
    Response,
)
from maillage.meetings.services import document_max_bytes
from maillage.organizations.models import Organization
from maillage.people.models import Person


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def bound_people(form: forms.BaseForm, *names: str, user: Any) -> None:
    """Person pickers over a directory of any size: people of the institutions, the choice, search."""
    for name in names:
        chosen = selected_ids(form, name)
        candidates = (
            Person.objects.filter(anonymized_at__isnull=True)
            .filter(Q(pk__in=chosen) | Q(positions__organization__kind__in=INSTITUTIONAL_KINDS))
            .distinct()
            .only("pk", "first_name", "last_name")
            .order_by("last_name", "first_name")[:MAX_CANDIDATES]
        )
        bound_choices(form.fields[name], candidates, "people", blank="---------")


def bound_organizations(form: forms.BaseForm, *names: str, user: Any) -> None:
    for name in names:
        bound_organization_choice(form, name, user, blank="---------")


class BodyForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    rule_kinds = forms.MultipleChoiceField(
        label=capfirst(_("members: kinds of organisation")),
        choices=RULE_KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Body
        fields = ["name", "purpose", "is_public", "quorum_kind", "quorum_value", "rule_role", "rule_kinds"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def body_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class MemberForm(forms.Form):
    person = forms.ModelChoiceField(
        label=capfirst(_("person")), queryset=Person.objects.filter(anonymized_at__isnull=True)
    )
    organization = forms.ModelChoiceField(
        label=capfirst(_("on behalf of")), queryset=Organization.objects.order_by("name")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_people(self, "person", user=user)
        bound_organizations(self, "organization", user=user)


class SubstituteForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=capfirst(_("seat of")), queryset=Organization.objects.order_by("name")
    )
    person = forms.ModelChoiceField(
        label=capfirst(_("substitute")), queryset=Person.objects.filter(anonymized_at__isnull=True)
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_people(self, "person", user=user)
        bound_organizations(self, "organization", user=user)


class SessionForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = MeetingSession
        fields = ["title", "cycle", "starts_at", "ends_at", "address", "video_url"]
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def session_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class AgendaItemForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ["title", "description", "presenter", "topic", "document"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["presenter"].queryset = Person.objects.filter(anonymized_at__isnull=True)
        self.fields["topic"].queryset = CommonTopic.objects.order_by("title")
        self.fields["document"].widget.attrs["accept"] = accept_attribute()
        self.fields["document"].help_text = accepted_types_text(max_bytes=document_max_bytes())
        bound_people(self, "presenter", user=user)


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250)
    description = forms.CharField(
        label=_("Why this item"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("What the body should discuss or decide, and who would present it."),
    )


class ProposalDecisionForm(forms.Form):
    note = forms.CharField(label=_("Note to the proposer"), max_length=300, required=False)


class RsvpForm(forms.Form):
    response = forms.ChoiceField(
        label=_("Your answer"),
        choices=[c for c in Response.choices if c[0]],
        widget=forms.RadioSelect,
    )
    proxy_person = forms.ModelChoiceField(
        label=_("Represented by another member"), queryset=Person.objects.none(), required=False
    )
    proxy_name = forms.CharField(
        label=capfirst(_("or represented by (name)")), max_length=200, required=False
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = invitation.session.invitations.exclude(person_id=invitation.person_id).values("person_id")
        self.fields["proxy_person"].queryset = Person.objects.filter(pk__in=others)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=capfirst(_("minutes")), widget=forms.Textarea(attrs={"rows": 12}), required=False
    )


class DecisionForm(forms.Form):
    text = forms.CharField(label=capfirst(_("decision")), widget=forms.Textarea(attrs={"rows": 3}))


class ActionForm(forms.ModelForm):
    class Meta:
        model = MeetingAction
        fields = ["description", "owner_person", "owner_user", "due_date"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_person"].queryset = Person.objects.filter(anonymized_at__isnull=True)
        bound_people(self, "owner_person", user=user)
        self.fields["owner_user"].queryset = User.objects.filter(is_active=True).order_by("username")


class ParticipationFilterForm(forms.Form):
    body = forms.ModelChoiceField(
        label=capfirst(_("body")), queryset=Body.objects.order_by("name"), required=False
    )
    cycle = forms.CharField(label=capfirst(_("cycle")), max_length=50, required=False)
    date_from = forms.DateField(
        label=pgettext_lazy("period", "from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=pgettext_lazy("period", "to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    threshold = forms.IntegerField(
        label=capfirst(_("rarely present: below (%)")), min_value=0, max_value=100, required=False
    )

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "body": data["body"].pk if data.get("body") else None,
            "cycle": data.get("cycle") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }

    def threshold_value(self) -> int:
        if self.is_valid() and self.cleaned_data.get("threshold") is not None:
            return self.cleaned_data["threshold"]
        return 50
