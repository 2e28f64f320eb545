from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.agreements.models import Agreement
from maillage.core.suggest import MAX_CANDIDATES, bound_organization_choice, selected_ids
from maillage.innovation.models import Solution
from maillage.programmes.models import (
    Decision,
    Experiment,
    ExperimentStatus,
    Indicator,
    Measure,
    ParticipantRole,
    Programme,
    ProgrammeLevel,
    ProgrammeParticipant,
)
from maillage.programmes.selectors import participant_organizations, programme_choices
from maillage.territories.selectors import home_communes
from maillage.themes.models import Theme

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _theme_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(t.slug, str(t)) for t in Theme.objects.all()]


def _communes():
    return home_communes().only("code", "name").order_by("name", "code")


def _bounded_multiple(form: forms.BaseForm, name: str, candidates: Any) -> None:
    """Render the chosen records and a bounded set of candidates; the queryset validates any id."""
    chosen = selected_ids(form, name)
    field = form.fields[name]
    rows = list(candidates.filter(pk__in=chosen)) + list(candidates.exclude(pk__in=chosen)[:MAX_CANDIDATES])
    field.widget.choices = [(obj.pk, str(obj)) for obj in rows]


class ProgrammeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels"))] + ProgrammeLevel.choices
    )
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    organization = forms.TypedChoiceField(label=_("Participating organisation"), required=False, coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = _theme_choices(_("All themes"))
        self.fields["organization"].choices = [("", _("All organisations"))] + [
            (o.pk, o.name) for o in participant_organizations()
        ]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data["q"],
            "level": data["level"],
            "theme": data["theme"],
            "organization": data["organization"] or None,
        }


class ProgrammeForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    solutions = forms.ModelMultipleChoiceField(
        label=_("Linked solutions"),
        queryset=Solution.objects.all(),
        required=False,
        help_text=_(
            "Solutions of the catalogue financed or supported by the programme (Ctrl+click for several)."
        ),
    )
    agreements = forms.ModelMultipleChoiceField(
        label=_("Linked agreements"),
        queryset=Agreement.objects.all(),
        required=False,
        help_text=_("Conventions signed under the programme (Ctrl+click for several)."),
    )

    class Meta:
        model = Programme
        fields = [
            "name",
            "acronym",
            "level",
            "funder",
            "description",
            "url",
            "start_date",
            "end_date",
            "themes",
            "requires_committee",
            "experiment_months",
            "solutions",
            "agreements",
        ]
        widgets = {
            "start_date": DATE_WIDGET,
            "end_date": DATE_WIDGET,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        _bounded_multiple(self, "solutions", Solution.objects.only("pk", "title").order_by("title", "pk"))
        _bounded_multiple(
            self,
            "agreements",
            Agreement.objects.only("pk", "reference", "title").order_by("-created_at", "-pk"),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must come after the start date."))
        return data

    def _post_clean(self) -> None:
        pass

    def programme_data(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in ("themes", "solutions", "agreements", "version")
        }


class ParticipantForm(forms.ModelForm):
    class Meta:
        model = ProgrammeParticipant
        fields = ["organization", "role"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_organization_choice(self, "organization", user, blank="---------")
        self.fields["role"].initial = ParticipantRole.PARTNER

    def _post_clean(self) -> None:
        pass


class ExperimentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses"))] + ExperimentStatus.choices
    )
    programme = forms.TypedChoiceField(label=_("Programme"), required=False, coerce=int)
    commune = forms.ChoiceField(label=_("Host commune"), required=False)
    solution = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("All programmes"))] + [
            (p.pk, str(p)) for p in programme_choices()
        ]
        self.fields["commune"].choices = [("", _("All communes"))] + [(c.code, c.name) for c in _communes()]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data["q"],
            "status": data["status"],
            "programme": data["programme"] or None,
            "commune": data["commune"],
            "solution": data["solution"],
        }


class ExperimentForm(forms.ModelForm):
    """Every field of an experiment (staff)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Experiment
        fields = [
            "title",
            "programme",
            "solution",
            "hypothesis",
            "description",
            "host_commune",
            "host_site",
            "start_date",
            "end_date",
            "evaluation",
        ]
        widgets = {
            "start_date": DATE_WIDGET,
            "end_date": DATE_WIDGET,
            "hypothesis": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "evaluation": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programme_choices()
        self.fields["host_commune"].queryset = _communes()
        chosen = selected_ids(self, "solution")
        solutions = Solution.objects.only("pk", "title").order_by("title", "pk")
        rows = list(solutions.filter(pk__in=chosen)) + list(solutions.exclude(pk__in=chosen)[:MAX_CANDIDATES])
        self.fields["solution"].widget.choices = [("", "---------")] + [(s.pk, str(s)) for s in rows]
        self.fields["end_date"].help_text = _(
            "Leave empty in a programme with a standard length (QMI: 18 months) to compute it from the start."
        )
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["evaluation"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must come after the start date."))
        return data

    def _post_clean(self) -> None:
        pass

    def experiment_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class ExperimentHostForm(forms.ModelForm):
    """What a correspondent of the host commune may change."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Experiment
        fields = ["description", "host_site"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version

    def _post_clean(self) -> None:
        pass

    def experiment_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["name", "unit", "baseline", "target"]

    def _post_clean(self) -> None:
        pass


class MeasureForm(forms.ModelForm):
    indicator = forms.ModelChoiceField(
        label=_("Indicator"),
        queryset=Indicator.objects.none(),
        error_messages={"invalid_choice": _("This indicator does not belong to this experiment.")},
    )

    class Meta:
        model = Measure
        fields = ["indicator", "measured_on", "value", "note"]
        widgets = {"measured_on": DATE_WIDGET}

    def __init__(self, *args: Any, experiment: Experiment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.filter(experiment=experiment).order_by("pk")

    def _post_clean(self) -> None:
        pass

    def measure_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "indicator"}


class CommitteeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (ExperimentStatus.RETAINED, ExperimentStatus.RETAINED.label),
            (ExperimentStatus.REFUSED, ExperimentStatus.REFUSED.label),
        ],
        widget=forms.RadioSelect,
    )
    committee_date = forms.DateField(label=_("Expert committee date"), required=False, widget=DATE_WIDGET)
    opinion = forms.CharField(
        label=_("Opinion of the committee"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required to refuse, and to retain in a programme that requires an expert committee."),
    )
    cofinancing_eur = forms.DecimalField(
        label=_("Co-financing (€)"), required=False, max_digits=12, decimal_places=2, min_value=0
    )


class DecisionForm(forms.Form):
    evaluation = forms.CharField(
        label=_("Evaluation"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("What the indicators and the field showed."),
    )
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    decision_date = forms.DateField(label=_("Decision date"), required=False, widget=DATE_WIDGET)
    rationale = forms.CharField(
        label=_("Rationale of the decision"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    new_end_date = forms.DateField(
        label=_("New end date"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Required to extend the experiment."),
    )
