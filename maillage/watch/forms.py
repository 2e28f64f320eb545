from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.territories.models import Commune
from maillage.territories.selectors import home_communes
from maillage.themes.models import Theme
from maillage.watch.models import Digest, Item, ItemStatus, Source
from maillage.watch.selectors import staff_users

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _theme_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(t.slug, str(t)) for t in Theme.objects.all()]


def _commune_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(c.code, c.name) for c in home_communes().only("code", "name").order_by("name")]


def _user_label(user: Any) -> str:
    return user.get_full_name() or user.username


class StaffUserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _user_label(obj)


class ItemFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses"))] + ItemStatus.choices
    )
    source = forms.ChoiceField(label=_("Source"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    commune = forms.ChoiceField(label=_("Commune"), required=False)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", _("All sources"))] + [
            (str(pk), title) for pk, title in Source.objects.order_by("title").values_list("pk", "title")
        ]
        self.fields["theme"].choices = _theme_choices(_("All themes"))
        self.fields["commune"].choices = _commune_choices(_("All communes"))
        self.fields["assignee"].choices = [("", _("Anyone")), ("none", _("Nobody"))] + [
            (str(u.pk), _user_label(u)) for u in staff_users()
        ]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data["q"],
            "status": data["status"],
            "source": int(data["source"]) if data["source"] else None,
            "theme": data["theme"],
            "commune": data["commune"],
            "assignee": data["assignee"],
        }


class SourceForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("New items of this feed receive these themes."),
    )
    owner = StaffUserChoiceField(label=_("Owner"), queryset=staff_users(), required=False)

    class Meta:
        model = Source
        fields = ["title", "url", "site_url", "themes", "owner", "is_active", "fetch_every_minutes"]
        help_texts = {
            "url": _("Address of the RSS or Atom feed, e.g. https://www.example.fr/rss.xml."),
            "is_active": _("An inactive source is no longer fetched automatically."),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_users()
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        elif user is not None:
            self.fields["owner"].initial = user.pk

    def _post_clean(self) -> None:
        pass

    def source_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("themes", "version")}


class ItemForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    communes = forms.ModelMultipleChoiceField(
        label=_("Communes"),
        queryset=Commune.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose several communes."),
    )
    assignee = StaffUserChoiceField(label=_("Assigned to"), queryset=staff_users(), required=False)

    class Meta:
        model = Item
        fields = ["themes", "communes", "assignee", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["communes"].queryset = home_communes().only("code", "name").order_by("name")
        self.fields["assignee"].queryset = staff_users()
        self.fields["version"].initial = self.instance.version

    def _post_clean(self) -> None:
        pass

    def item_data(self) -> dict[str, Any]:
        return {"notes": self.cleaned_data["notes"], "assignee": self.cleaned_data["assignee"]}


class DigestForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Digest
        fields = ["title", "start_date", "end_date", "intro"]
        widgets = {
            "start_date": DATE_WIDGET,
            "end_date": DATE_WIDGET,
            "intro": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end of the period must follow its start."))
        return data

    def _post_clean(self) -> None:
        pass

    def digest_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


def selected_ids(values: list[str]) -> list[int]:
    """Checkbox values that are positive integers (anything else is ignored)."""
    return [int(v) for v in values if v.isdigit() and int(v) > 0][:1000]
