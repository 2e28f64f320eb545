from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from maillage.accounts.roles import Role
from maillage.cooperation.models import (
    TOPIC_TRANSITIONS,
    CommonTopic,
    Cooperation,
    CooperationParticipant,
    CooperationStatus,
    Milestone,
    ParticipantRole,
    TopicStatus,
)
from maillage.cooperation.selectors import DEFAULT_TOPIC_SORT
from maillage.core.access import is_staff, organization_ids_of
from maillage.core.suggest import bound_organization_choice
from maillage.organizations.models import Organization
from maillage.territories.selectors import home_territories
from maillage.themes.models import Theme

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _theme_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(t.slug, str(t)) for t in Theme.objects.all()]


def _territory_choices() -> list[tuple[str, str]]:
    return [("", _("All territories"))] + [(t.pk, str(t)) for t in home_territories()]


class TopicFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses"))] + TopicStatus.choices
    )
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    territory = forms.ChoiceField(label=_("Territory"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("support", _("Support (most organisations first)")),
            ("territories", _("Distinct territories (most first)")),
            ("recent", _("Most recent first")),
        ],
    )
    organization = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = _theme_choices(_("All themes"))
        self.fields["territory"].choices = _territory_choices()

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data["q"],
            "status": data["status"],
            "theme": data["theme"],
            "territory": data["territory"],
            "organization": data["organization"],
            "sort": data["sort"] or DEFAULT_TOPIC_SORT,
        }


class TopicForm(forms.ModelForm):
    """Title, description and themes; on creation, the proposing organisation (fixed for a correspondent)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = CommonTopic
        fields = ["title", "description", "proposer", "themes"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            # The proposer is counted in the support: it is fixed once the topic exists.
            del self.fields["proposer"]
            self.fields["version"].initial = self.instance.version
        elif is_staff(user):
            self.fields["proposer"].queryset = Organization.objects.all()
            bound_organization_choice(self, "proposer", user, blank="---------")
            self.fields["proposer"].help_text = _("The organisation on whose behalf the topic is proposed.")
        else:
            own = organization_ids_of(user)
            self.fields["proposer"].queryset = Organization.objects.filter(pk__in=own).order_by("name")
            self.fields["proposer"].initial = next(iter(own), None)
            self.fields["proposer"].disabled = True
            self.fields["proposer"].help_text = _("You propose the topic on behalf of your organisation.")

    def _post_clean(self) -> None:
        pass

    def topic_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("themes", "version")}


class InterestForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Interested organisation"), queryset=Organization.objects.all(), required=True
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example what your organisation could bring, or its constraints."),
    )

    def __init__(self, *args: Any, user: Any, topic: CommonTopic | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if is_staff(user):
            bound_organization_choice(self, "organization", user, blank="---------")
            self.fields["organization"].help_text = _(
                "Staff declare the interest on behalf of an organisation."
            )
        else:
            # A correspondent declares for their own organisation: the view supplies it.
            del self.fields["organization"]


class TransitionForm(forms.Form):
    # Free text behind a select: a move outside TOPIC_TRANSITIONS reaches the service, which refuses it
    # with a message naming the current status and the allowed ones.
    status = forms.CharField(label=_("New status"), widget=forms.Select)
    reason = forms.CharField(
        label=_("Reason (required to dismiss)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, topic: CommonTopic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = TOPIC_TRANSITIONS.get(topic.status, set()) - {TopicStatus.CONVERTED}
        self.fields["status"].widget.choices = [
            (value, label) for value, label in TopicStatus.choices if value in allowed
        ]
        self.allowed = allowed


class CooperationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses"))] + CooperationStatus.choices
    )
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    territory = forms.ChoiceField(label=_("Territory"), required=False)
    organization = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = _theme_choices(_("All themes"))
        self.fields["territory"].choices = _territory_choices()

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data["q"],
            "status": data["status"],
            "theme": data["theme"],
            "territory": data["territory"],
            "organization": data["organization"],
        }


def owner_choices():
    """A cooperation is owned by an account of the métropole."""
    return (
        get_user_model()
        .objects.filter(is_active=True, role__in=[Role.ADMIN, Role.AGENT])
        .order_by("last_name", "first_name", "username")
    )


class CooperationForm(forms.ModelForm):
    """Every field of a cooperation (staff); on creation, the pilot organisation."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    pilot = forms.ModelChoiceField(
        label=_("Pilot organisation"),
        queryset=Organization.objects.all(),
        help_text=_("Other participants are added from the cooperation's page."),
    )

    class Meta:
        model = Cooperation
        fields = ["title", "description", "objectives", "themes", "status", "start_date", "end_date", "owner"]
        widgets = {"start_date": DATE_WIDGET, "end_date": DATE_WIDGET}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices()
        if self.instance.pk:
            del self.fields["pilot"]
            self.fields["version"].initial = self.instance.version
        else:
            bound_organization_choice(self, "pilot", user, blank="---------")
            self.fields["owner"].initial = user.pk

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must come after the start date."))
        return data

    def _post_clean(self) -> None:
        pass

    def cooperation_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("themes", "version", "pilot")}


class CooperationPlanForm(forms.ModelForm):
    """What a pilot organisation's correspondent may change: the objectives."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Cooperation
        fields = ["objectives"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version

    def _post_clean(self) -> None:
        pass

    def cooperation_data(self) -> dict[str, Any]:
        return {"objectives": self.cleaned_data["objectives"]}


class ParticipantForm(forms.ModelForm):
    class Meta:
        model = CooperationParticipant
        fields = ["organization", "role"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.all()
        bound_organization_choice(self, "organization", user, blank="---------")
        self.fields["role"].initial = ParticipantRole.PARTNER

    def _post_clean(self) -> None:
        pass


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "due_date"]
        widgets = {"due_date": DATE_WIDGET}

    def _post_clean(self) -> None:
        pass
