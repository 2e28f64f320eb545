from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.agreements.models import Agreement
from maillage.core.access import is_staff, organization_ids_of
from maillage.core.suggest import bound_choices, bound_organization_choice, person_candidates, selected_ids
from maillage.innovation.models import (
    Replication,
    ReplicationOutcome,
    Solution,
    SolutionKind,
    SolutionStage,
)
from maillage.innovation.selectors import own_commune_codes
from maillage.innovation.services import allowed_stages
from maillage.organizations.models import Organization
from maillage.people.models import Person
from maillage.people.selectors import person_visible_to
from maillage.territories.models import Commune
from maillage.territories.selectors import home_communes, home_territories
from maillage.themes.models import Theme

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_AGREEMENTS = 300


def _commune_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + list(home_communes().order_by("search_name").values_list("code", "name"))


class SolutionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds"))] + SolutionKind.choices
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages"))] + SolutionStage.choices
    )
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    territory = forms.ChoiceField(label=_("Territory"), required=False)
    commune = forms.ChoiceField(label=_("Commune (origin or replication)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", _("All themes"))] + [
            (t.slug, str(t)) for t in Theme.objects.all()
        ]
        self.fields["territory"].choices = [("", _("All territories"))] + [
            (t.pk, str(t)) for t in home_territories()
        ]
        self.fields["commune"].choices = _commune_choices(str(_("All communes")))

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {key: data[key] for key in ("kind", "stage", "theme", "territory", "commune")} | {
            "query": data["q"]
        }


class SolutionForm(forms.ModelForm):
    """Every descriptive field; stage and visibility only on creation (then they have their own actions)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    holders = forms.ModelMultipleChoiceField(
        label=_("Holder organisations"), queryset=Organization.objects.all(), required=False
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts"), queryset=Person.objects.none(), required=False
    )
    agreements = forms.ModelMultipleChoiceField(
        label=_("Linked agreements"), queryset=Agreement.objects.none(), required=False
    )

    class Meta:
        model = Solution
        fields = [
            "title",
            "summary",
            "description",
            "kind",
            "stage",
            "visibility",
            "origin_commune",
            "holders",
            "sites",
            "themes",
            "results",
            "evaluation",
            "cost_eur",
            "funding",
            "agreements",
            "licence",
            "repository_url",
            "website_url",
            "contacts",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 6}),
            "sites": forms.Textarea(attrs={"rows": 2}),
            "results": forms.Textarea(attrs={"rows": 3}),
            "evaluation": forms.Textarea(attrs={"rows": 3}),
            "funding": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        origin = self.fields["origin_commune"]
        origin.queryset = Commune.objects.all()
        origin.widget.choices = _commune_choices("---------")
        origin.help_text = _(
            "Leave empty for a solution born outside a commune (métropole, association, State…)."
        )
        bound_organization_choice(self, "holders", user)
        self.fields["holders"].help_text = _("The organisations that carry the solution.")
        visible_people = person_visible_to(user)
        self.fields["contacts"].queryset = visible_people
        chosen_holders = selected_ids(self, "holders") or sorted(organization_ids_of(user))
        bound_choices(
            self.fields["contacts"],
            person_candidates(visible_people, chosen_holders, selected_ids(self, "contacts")),
            "people",
        )
        self.fields["contacts"].help_text = _("People of the holder organisations to contact about it.")
        agreements = Agreement.objects.all() if is_staff(user) else Agreement.objects.filter(is_public=True)
        self.fields["agreements"].queryset = agreements
        self.fields["agreements"].widget.choices = [
            (a.pk, f"{a.reference} – {a.title}")
            for a in agreements.only("pk", "reference", "title").order_by("-pk")[:MAX_AGREEMENTS]
        ]
        if self.instance.pk:
            del self.fields["stage"]
            del self.fields["visibility"]
            self.fields["version"].initial = self.instance.version
        else:
            own = own_commune_codes(user)
            if not is_staff(user):
                self.fields["holders"].initial = sorted(organization_ids_of(user))
                if own:
                    origin.initial = next(iter(own))
                self.fields["holders"].help_text = _(
                    "Your organisation must be among the holders, or the origin commune must be yours."
                )

    def _post_clean(self) -> None:
        pass

    def solution_data(self) -> dict[str, Any]:
        skip = {"themes", "version", "holders", "contacts", "agreements"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}

    def relations(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("holders", "themes", "agreements", "contacts")}


class StageForm(forms.Form):
    # Free text behind a select: an impossible move reaches the service, which explains the allowed ones.
    stage = forms.CharField(label=_("New stage"), widget=forms.Select)
    reason = forms.CharField(
        label=_("Reason (required to go back a stage)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, solution: Solution, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        moves = allowed_stages(solution.stage)
        self.fields["stage"].widget.choices = [(v, label) for v, label in SolutionStage.choices if v in moves]


class ReplicationForm(forms.ModelForm):
    """Declare (or edit) a replication. The commune is a select of the home communes for staff, the
    correspondent's own commune otherwise; the parent is the origin or an existing replica."""

    commune = forms.ChoiceField(label=_("Commune that reproduced the solution"))
    parent = forms.ChoiceField(label=_("Reproduced from"), required=False)

    class Meta:
        model = Replication
        fields = ["date", "adaptation_notes", "cost_eur", "contact", "outcome", "outcome_notes"]
        widgets = {
            "date": DATE_WIDGET,
            "adaptation_notes": forms.Textarea(attrs={"rows": 3}),
            "outcome_notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, user: Any, solution: Solution, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.solution = solution
        self.fields["outcome"].initial = ReplicationOutcome.IN_PROGRESS
        replicas = [r for r in solution.replications.all() if r.pk != self.instance.pk]
        origin_label = (
            _("The origin (%(commune)s)") % {"commune": solution.origin_commune.name}
            if solution.origin_commune_id
            else _("The origin")
        )
        self.replicas = {str(r.pk): r for r in replicas}
        self.fields["parent"].choices = [("", origin_label)] + [
            (str(r.pk), _("The replica of %(commune)s") % {"commune": r.commune.name}) for r in replicas
        ]
        if self.instance.pk:
            del self.fields["commune"]
            self.fields["parent"].initial = str(self.instance.parent_id or "")
        elif is_staff(user):
            self.fields["commune"].choices = _commune_choices("---------")
        else:
            own = sorted(own_commune_codes(user))
            self.fields["commune"].choices = list(
                Commune.objects.filter(pk__in=own).order_by("name").values_list("code", "name")
            )
            self.fields["commune"].help_text = _("You declare the replication for your own commune.")
        people = person_visible_to(user)
        self.fields["contact"].queryset = people
        current = [self.instance.contact_id] if self.instance.contact_id else []
        bound_choices(
            self.fields["contact"],
            person_candidates(
                people, sorted(organization_ids_of(user)), selected_ids(self, "contact") or current
            ),
            "people",
            blank="---------",
        )

    def clean_parent(self) -> Replication | None:
        value = self.cleaned_data.get("parent") or ""
        if not value:
            return None
        if value not in self.replicas:
            # A forged id: the service gives the full explanation; here, a replica of another solution.
            other = Replication.objects.filter(pk=value).first() if value.isdigit() else None
            if other is None:
                raise forms.ValidationError(_("Choose the origin or an existing replica of this solution."))
            return other
        return self.replicas[value]

    def _post_clean(self) -> None:
        pass

    def replication_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
