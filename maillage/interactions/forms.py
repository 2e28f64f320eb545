from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.accounts.roles import Role
from maillage.core.access import is_staff, organization_ids_of
from maillage.core.suggest import (
    bound_choices,
    bound_organization_choice,
    organization_candidates,
    person_candidates,
    selected_ids,
)
from maillage.interactions.models import FollowUpAction, Interaction, InteractionKind
from maillage.organizations.models import Organization
from maillage.people.models import Person
from maillage.people.selectors import person_visible_to
from maillage.themes.models import Theme

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_ACTIONS = 3


class InteractionFilterForm(forms.Form):
    q = forms.CharField(label=_("Subject contains"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds"))] + InteractionKind.choices
    )
    organization = forms.ModelChoiceField(
        label=_("Organisation"),
        required=False,
        queryset=Organization.objects.order_by("name"),
        empty_label=_("All organisations"),
    )
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", _("All themes"))] + [
            (t.slug, str(t)) for t in Theme.objects.all()
        ]
        bound_organization_choice(self, "organization", user, blank=_("All organisations"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period must come after its start."))
        return data

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data["q"],
            "kind": data["kind"],
            "organization": data["organization"].pk if data["organization"] else None,
            "theme": data["theme"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "person": data["person"],
        }


def action_owner_choices(user: Any):
    """Who can be given a follow-up action: any active account for staff; for a correspondent,
    the metropole's staff and the accounts of their own organisation."""
    users = get_user_model().objects.filter(is_active=True)
    if not is_staff(user):
        users = users.filter(
            Q(role__in=[Role.ADMIN, Role.AGENT]) | Q(organization_id__in=organization_ids_of(user))
        )
    return users.order_by("last_name", "first_name", "username")


class InteractionForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organisations involved"),
        queryset=Organization.objects.order_by("name"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Hold Ctrl (or Cmd) to choose several. Type in the search box to add other organisations."
        ),
    )
    people = forms.ModelMultipleChoiceField(
        label=_("People involved"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Interaction
        fields = ["kind", "date", "subject", "notes", "organizations", "people", "themes"]
        widgets = {"date": DATE_WIDGET}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        people = person_visible_to(user)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            # People already linked stay selectable even if this user could not pick them.
            people = Person.objects.filter(
                Q(pk__in=people.values("pk")) | Q(pk__in=self.instance.people.values("pk"))
            )
        self.fields["people"].queryset = people.order_by("last_name", "first_name", "pk")
        # Render a bounded set of choices (institutions, the selection, their people); search adds more.
        organization_ids = selected_ids(self, "organizations")
        bound_choices(
            self.fields["organizations"], organization_candidates(user, organization_ids), "organizations"
        )
        bound_choices(
            self.fields["people"],
            person_candidates(people, organization_ids, selected_ids(self, "people")),
            "people",
        )

    def clean_organizations(self):
        """A correspondent logs interactions of their own organisation, and may not take it off one
        (the author of an interaction not involving it may still edit it)."""
        organizations = self.cleaned_data["organizations"]
        own = organization_ids_of(self.user)
        if is_staff(self.user) or not own or own & {o.pk for o in organizations}:
            return organizations
        if not self.instance.pk or own & {o.pk for o in self.instance.organizations.all()}:
            raise forms.ValidationError(_("Include your own organisation among the organisations involved."))
        return organizations

    def _post_clean(self) -> None:
        pass

    def interaction_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class FollowUpActionForm(forms.ModelForm):
    class Meta:
        model = FollowUpAction
        fields = ["description", "owner", "due_date"]
        widgets = {"due_date": DATE_WIDGET}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = action_owner_choices(user)

    def _post_clean(self) -> None:
        pass


FollowUpActionFormSet = forms.formset_factory(
    FollowUpActionForm, extra=MAX_ACTIONS, max_num=MAX_ACTIONS, validate_max=True, absolute_max=MAX_ACTIONS
)


def action_formset(data: Any, *, user: Any) -> forms.BaseFormSet:
    return FollowUpActionFormSet(data, prefix="actions", form_kwargs={"user": user})


def formset_actions(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """The filled rows of the follow-up formset (blank rows are ignored)."""
    return [form.cleaned_data for form in formset.forms if form.cleaned_data and form.has_changed()]
