"""Choosing among many records without sending them all: bounded choices plus a search endpoint.

A multiple-choice field over organisations or people would render every row of the table. The
form renders only a bounded set of candidates and the current selection; `suggest.js` adds a
search box that asks `core:suggest` for more, within the user's visibility.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from maillage.core.access import organization_ids_of
from maillage.organizations.models import Organization, OrganizationKind
from maillage.people.models import Person

MAX_CANDIDATES = 300
MAX_SUGGESTIONS = 20
# Institutions of the territory: bounded in number whatever the size of the directory.
INSTITUTIONAL_KINDS = [
    OrganizationKind.COMMUNE,
    OrganizationKind.EPT,
    OrganizationKind.METROPOLE,
    OrganizationKind.SYNDICATE,
    OrganizationKind.DEPARTMENT,
    OrganizationKind.REGION,
    OrganizationKind.STATE,
    OrganizationKind.INTERNAL,
]


def selected_ids(form: forms.BaseForm, name: str) -> list[int]:
    """The ids currently chosen in a multiple-choice field: submitted data, else initial values."""
    if form.is_bound:
        raw: Any = form.data.getlist(form.add_prefix(name)) if hasattr(form.data, "getlist") else []
    else:
        raw = form.initial.get(name)
        if raw is None and getattr(getattr(form, "instance", None), "pk", None):
            value = getattr(form.instance, name)
            raw = value.values_list("pk", flat=True) if hasattr(value, "values_list") else [value]
    if raw is None:
        raw = []
    elif not isinstance(raw, (list, tuple)) and not hasattr(raw, "__iter__") or isinstance(raw, str):
        raw = [raw]
    ids = []
    for value in raw:
        value = getattr(value, "pk", value)
        if str(value).isdigit():
            ids.append(int(value))
    return ids


def organization_candidates(
    user: Any, chosen: list[int], *, exclude: Q | None = None
) -> QuerySet[Organization]:
    own = organization_ids_of(user)
    candidates = Organization.objects.filter(
        Q(kind__in=INSTITUTIONAL_KINDS) | Q(pk__in=chosen) | Q(pk__in=own)
    )
    if exclude is not None:
        candidates = candidates.exclude(exclude)
    return candidates.only("pk", "name").order_by("name")[:MAX_CANDIDATES]


def person_candidates(
    visible: QuerySet[Person], organization_ids: list[int], chosen: list[int]
) -> QuerySet[Person]:
    return (
        visible.filter(Q(pk__in=chosen) | Q(positions__organization_id__in=organization_ids))
        .distinct()
        .only("pk", "first_name", "last_name")
        .order_by("last_name", "first_name")[:MAX_CANDIDATES]
    )


def bound_choices(
    field: forms.ModelChoiceField, candidates: Iterable[Any], kind: str, *, blank: str | None = None
) -> None:
    """Render only ``candidates`` (the queryset still validates any visible id) and enable search."""
    choices = [(obj.pk, str(obj)) for obj in candidates]
    field.widget.choices = ([("", blank)] if blank is not None else []) + choices
    field.widget.attrs.update(
        {
            "data-suggest": reverse("core:suggest") + f"?kind={kind}",
            "data-suggest-label": _("Search to add other choices (2 characters at least)"),
        }
    )


def bound_organization_choice(
    form: forms.BaseForm, name: str, user: Any, *, blank: str | None = None, exclude: Q | None = None
) -> None:
    """An organisation picker over a directory of any size: institutions, the current choice, search."""
    candidates = organization_candidates(user, selected_ids(form, name), exclude=exclude)
    bound_choices(form.fields[name], candidates, "organizations", blank=blank)
