from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.community import selectors
from maillage.community.models import Event, EventKind, Licence, MemberProfile, Resource
from maillage.community.services import MAX_SKILLS, accepted_file_text
from maillage.core.access import is_staff, organization_ids_of
from maillage.core.suggest import bound_choices, bound_organization_choice, person_candidates, selected_ids
from maillage.innovation.models import Solution
from maillage.innovation.selectors import solution_visible_to
from maillage.organizations.models import Organization
from maillage.people.models import Person
from maillage.territories.selectors import home_territories
from maillage.themes.models import Theme

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _theme_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(t.slug, str(t)) for t in Theme.objects.all()]


def _territory_choices() -> list[tuple[str, str]]:
    return [("", _("All territories"))] + [(t.pk, str(t)) for t in home_territories()]


def _solutions(user: Any):
    return solution_visible_to(user).only("pk", "title").order_by("title")


# --- Directory and profiles ----------------------------------------------------------------------


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search (name, organisation, skill, presentation)"), required=False)
    skill = forms.ChoiceField(label=_("Skill"), required=False)
    theme = forms.ChoiceField(label=_("Interest"), required=False)
    territory = forms.ChoiceField(label=_("Territory"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["skill"].choices = [("", _("All skills"))] + [
            (s.normalized, s.name) for s in selectors.skills_in_use()
        ]
        self.fields["theme"].choices = _theme_choices(_("All interests"))
        self.fields["territory"].choices = _territory_choices()

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data["q"],
            "skill": data["skill"],
            "theme": data["theme"],
            "territory": data["territory"],
        }


class PersonChoiceForm(forms.Form):
    """First step of recording a profile for someone else: choose the person."""

    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visible = selectors.manageable_people(user)
        self.fields["person"].queryset = visible
        own = sorted(organization_ids_of(user))
        bound_choices(
            self.fields["person"],
            person_candidates(visible, own, selected_ids(self, "person")),
            "people",
            blank="---------",
        )
        self.fields["person"].help_text = _(
            "People of the directory. A correspondent records profiles for the people of their organisation."
        )


class ProfileForm(forms.ModelForm):
    """Profile fields; on creation also the consent (required by the service, with its evidence)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    skills_text = forms.CharField(
        label=_("Skills"),
        required=False,
        max_length=1500,
        help_text=_(
            "Separate the skills with commas, for example: design de services, open data, marchés publics."
        ),
    )
    interests = forms.ModelMultipleChoiceField(
        label=_("Interests"),
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    projects = forms.ModelMultipleChoiceField(
        label=_("Projects"),
        queryset=Solution.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Solutions of the catalogue the member works or worked on."),
    )
    consent = forms.BooleanField(required=False)
    consent_note = forms.CharField(
        label=_("How the consent was given"),
        required=False,
        max_length=250,
        help_text=_("For example « e-mail of 12 March 2026 » or « form signed at the workshop of 3 April »."),
    )

    class Meta:
        model = MemberProfile
        fields = ["organization", "job_title", "bio", "show_email", "interests", "projects"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def __init__(
        self, *args: Any, user: Any, person: Person, self_service: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = _solutions(user)
        organizations = selectors.current_organizations(person)
        current = self.instance.organization if self.instance.pk and self.instance.organization_id else None
        if current and current not in organizations:
            organizations.append(current)
        self.fields["organization"].queryset = Organization.objects.filter(
            pk__in=[o.pk for o in organizations]
        )
        self.fields["organization"].help_text = _(
            "Among the organisations where the person holds a current position: it gives the territory."
        )
        if len(organizations) == 1 and not self.instance.pk:
            self.fields["organization"].initial = organizations[0].pk
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["skills_text"].initial = ", ".join(s.name for s in self.instance.skills.all())
            del self.fields["consent"]
            del self.fields["consent_note"]
        elif self_service:
            self.fields["consent"].label = _(
                "I agree that my profile is shown to the signed-in members of Maillage. I can withdraw at any "
                "time, which deletes the profile."
            )
            del self.fields["consent_note"]
        else:
            self.fields["consent"].label = _(
                "The person agreed that this profile is shown to the signed-in members of Maillage."
            )
        self.max_skills = MAX_SKILLS

    def _post_clean(self) -> None:
        pass

    def profile_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("organization", "job_title", "bio", "show_email")}


# --- Events --------------------------------------------------------------------------------------


class EventFilterForm(forms.Form):
    when = forms.ChoiceField(
        label=_("When"),
        required=False,
        choices=[("upcoming", _("Upcoming events")), ("past", _("Past events"))],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds"))] + EventKind.choices
    )

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {"when": self.cleaned_data["when"] or "upcoming", "kind": self.cleaned_data["kind"]}


class EventForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "starts_at",
            "ends_at",
            "place",
            "video_url",
            "capacity",
            "description",
            "is_public",
            "registration_open",
            "organizer",
            "themes",
        ]
        widgets = {
            "starts_at": DATETIME_WIDGET,
            "ends_at": DATETIME_WIDGET,
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
        self.fields["ends_at"].input_formats = self.fields["starts_at"].input_formats
        self.fields["organizer"].queryset = Organization.objects.all()
        bound_organization_choice(self, "organizer", user, blank="---------")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def _post_clean(self) -> None:
        pass

    def event_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("themes", "version")}


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("First and last name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    organization_name = forms.CharField(label=_("Organisation (optional)"), max_length=250, required=False)
    consent = forms.BooleanField(
        label=_(
            "I agree that my name and e-mail are kept to organise this event, then deleted a few months after it."
        ),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["organization_name"].widget.attrs["autocomplete"] = "organization"


# --- Resources -----------------------------------------------------------------------------------


class ResourceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    licence = forms.ChoiceField(
        label=_("Licence"), required=False, choices=[("", _("All licences"))] + Licence.choices
    )
    solution = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = _theme_choices(_("All themes"))

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: self.cleaned_data[k] for k in ("theme", "licence", "solution")} | {
            "query": self.cleaned_data["q"]
        }


class ResourceForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    upload = forms.FileField(
        label=_("File (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.odt,.docx"}),
    )
    remove_file = forms.BooleanField(label=_("Remove the current file"), required=False)
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Resource
        fields = [
            "title",
            "summary",
            "body",
            "licence",
            "author_organization",
            "solution",
            "themes",
            "is_public",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 10}), "summary": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["upload"].help_text = accepted_file_text()
        self.fields["solution"].queryset = _solutions(user)
        if is_staff(user):
            self.fields["author_organization"].queryset = Organization.objects.all()
            bound_organization_choice(self, "author_organization", user, blank="---------")
        else:
            own = organization_ids_of(user)
            self.fields["author_organization"].queryset = Organization.objects.filter(pk__in=own)
            self.fields["author_organization"].initial = next(iter(own), None)
            self.fields["author_organization"].required = True
            self.fields["author_organization"].disabled = True
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            if not self.instance.file:
                del self.fields["remove_file"]
        else:
            del self.fields["remove_file"]

    def _post_clean(self) -> None:
        pass

    def resource_data(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in ("themes", "version", "upload", "remove_file")
        }
