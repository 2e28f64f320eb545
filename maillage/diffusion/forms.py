from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from maillage.agreements.models import Agreement
from maillage.cooperation.models import Cooperation
from maillage.diffusion import selectors
from maillage.diffusion.models import Achievement, Audience, Newsletter
from maillage.innovation.models import Solution
from maillage.meetings.models import Body, MeetingSession
from maillage.organizations.models import Organization, OrganizationKind
from maillage.people.models import PositionRole
from maillage.territories.models import Commune
from maillage.territories.selectors import home_territories
from maillage.themes.models import Theme

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _themes_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )


class AchievementForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    themes = _themes_field()
    communes = forms.ModelMultipleChoiceField(
        label=_("Communes concerned"),
        queryset=Commune.objects.none(),
        required=False,
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organisations concerned"), queryset=Organization.objects.only("pk", "name"), required=False
    )

    class Meta:
        model = Achievement
        fields = [
            "title",
            "summary",
            "body",
            "date",
            "themes",
            "communes",
            "organizations",
            "agreement",
            "cooperation",
            "is_published",
        ]
        widgets = {"date": _DATE, "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        territories = home_territories().values("pk")
        self.fields["communes"].queryset = Commune.objects.filter(territory__in=territories).only(
            "code", "name"
        )
        self.fields["agreement"].queryset = Agreement.objects.only("pk", "reference", "title")
        self.fields["cooperation"].queryset = Cooperation.objects.only("pk", "title")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def _post_clean(self) -> None:
        pass


class AudienceForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Current position roles"),
        choices=PositionRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    organization_kinds = forms.MultipleChoiceField(
        label=_("Organisation kinds"),
        choices=OrganizationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    themes = _themes_field()

    class Meta:
        model = Audience
        fields = [
            "name",
            "description",
            "include_people",
            "roles",
            "organization_kinds",
            "territories",
            "themes",
            "bodies",
            "include_subscribers",
        ]
        widgets = {"territories": forms.CheckboxSelectMultiple, "bodies": forms.CheckboxSelectMultiple}
        help_texts = {
            "include_subscribers": _(
                "Public subscribers hold no position: only the theme filter applies to them."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territories"].queryset = home_territories()
        self.fields["bodies"].queryset = Body.objects.order_by("name")

    def _post_clean(self) -> None:
        pass


def _session_label(session: MeetingSession) -> str:
    when = formats.date_format(timezone.localtime(session.starts_at), "j F Y, H:i")
    return " – ".join(part for part in (session.body.name, session.title, when) if part)


class NewsletterForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    agreements = forms.ModelMultipleChoiceField(
        label=_("Signed public conventions"),
        queryset=Agreement.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    achievements = forms.ModelMultipleChoiceField(
        label=_("Published achievements"),
        queryset=Achievement.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    sessions = forms.ModelMultipleChoiceField(
        label=_("Upcoming public meetings"),
        queryset=MeetingSession.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    solutions = forms.ModelMultipleChoiceField(
        label=_("Innovative solutions of the catalogue (public)"),
        queryset=Solution.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Newsletter
        fields = ["title", "intro", "audience", "agreements", "achievements", "sessions", "solutions"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        recent = selectors.RECENT_ITEMS
        agreement_ids = list(selectors.public_agreements_recent().values_list("pk", flat=True)[:recent])
        achievement_ids = list(selectors.achievement_list().values_list("pk", flat=True)[:recent])
        session_ids = list(selectors.public_sessions_upcoming().values_list("pk", flat=True)[:recent])
        solution_ids = list(selectors.public_solutions_recent().values_list("pk", flat=True)[:recent])
        if self.instance.pk:
            # Items already picked stay offered even when they are no longer among the latest.
            agreement_ids += [a.pk for a in self.instance.agreements.all()]
            achievement_ids += [a.pk for a in self.instance.achievements.all()]
            session_ids += [s.pk for s in self.instance.sessions.all()]
            solution_ids += [s.pk for s in self.instance.solutions.all()]
            self.fields["version"].initial = self.instance.version
        self.fields["agreements"].queryset = Agreement.objects.filter(pk__in=agreement_ids).order_by(
            "-signed_on", "-pk"
        )
        self.fields["achievements"].queryset = Achievement.objects.filter(pk__in=achievement_ids).order_by(
            "-date", "-pk"
        )
        self.fields["sessions"].queryset = (
            MeetingSession.objects.filter(pk__in=session_ids)
            .select_related("body")
            .order_by("starts_at", "pk")
        )
        self.fields["sessions"].label_from_instance = _session_label
        self.fields["solutions"].queryset = Solution.objects.filter(pk__in=solution_ids).order_by(
            "title", "pk"
        )

    def _post_clean(self) -> None:
        pass


class SectionForm(forms.Form):
    heading = forms.CharField(label=_("Heading"), max_length=250)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}))


SectionFormSet = formset_factory(SectionForm, extra=2, can_delete=True, max_num=20, validate_max=True)


class ScheduleForm(forms.Form):
    scheduled_for = forms.DateTimeField(
        label=_("Send on"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    themes = _themes_field()


class PreferencesForm(forms.Form):
    themes = _themes_field()
