from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from maillage.core.access import AUTHENTICATED, OWN_ORGANIZATION, access, organization_ids_of, require
from maillage.core.audit import history_for
from maillage.core.exports import EXPORT_FORMATS, Column, export_response
from maillage.core.forms import add_service_errors
from maillage.core.paging import paginate, querystring_without_page
from maillage.interactions import perms, selectors, services
from maillage.interactions.forms import (
    InteractionFilterForm,
    InteractionForm,
    action_formset,
    formset_actions,
)
from maillage.interactions.models import FollowUpAction, Interaction

EXPORT_COLUMNS = [
    Column(gettext_lazy("Date"), lambda i: i.date),
    Column(gettext_lazy("Kind"), lambda i: i.get_kind_display()),
    Column(gettext_lazy("Subject"), lambda i: i.subject),
    Column(gettext_lazy("Organisations"), lambda i: "; ".join(o.name for o in i.organizations.all())),
    Column(gettext_lazy("People"), lambda i: "; ".join(str(p) for p in i.people.all())),
    Column(gettext_lazy("Themes"), lambda i: "; ".join(str(t) for t in i.themes.all())),
    Column(gettext_lazy("Author"), lambda i: str(i.author) if i.author else ""),
    Column(gettext_lazy("Notes"), lambda i: i.notes),
]


@access(AUTHENTICATED)
def interaction_list_view(request: HttpRequest) -> HttpResponse:
    form = InteractionFilterForm(request.GET or None, user=request.user)
    interactions = selectors.interaction_list(user=request.user, **form.filters())
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_response(interactions, EXPORT_COLUMNS, filename="echanges", fmt=fmt)
    return render(
        request,
        "interactions/interaction_list.html",
        {
            "form": form,
            "page": paginate(request, interactions),
            "querystring": querystring_without_page(request),
            "can_create": perms.can_log_interaction(request.user),
        },
    )


def _get_visible(request: HttpRequest, pk: int) -> Interaction:
    try:
        return selectors.interaction_detail(user=request.user, pk=pk)
    except Interaction.DoesNotExist:
        raise Http404(_("This interaction does not exist or is not visible to you.")) from None


@access(AUTHENTICATED)
def interaction_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    interaction = _get_visible(request, pk)
    can_edit = perms.can_edit_interaction(request.user, interaction)
    actions = list(interaction.actions.all())
    for action in actions:
        action.can_complete = not action.done and perms.can_complete_action(request.user, action)
    return render(
        request,
        "interactions/interaction_detail.html",
        {
            "interaction": interaction,
            "actions": actions,
            "today": timezone.localdate(),
            "can_edit": can_edit,
            "history": history_for(interaction) if can_edit else None,
        },
    )


@access(AUTHENTICATED)
def interaction_create_view(request: HttpRequest) -> HttpResponse:
    require(request, perms.can_log_interaction(request.user))
    data = request.POST if request.method == "POST" else None
    initial = {"date": timezone.localdate()}
    preselected = [int(v) for v in request.GET.getlist("organization") if v.isdigit()]
    if organizations := sorted(organization_ids_of(request.user) | set(preselected)):
        initial["organizations"] = organizations
    if people := [int(v) for v in request.GET.getlist("person") if v.isdigit()]:
        initial["people"] = people
    form = InteractionForm(data, user=request.user, initial=initial)
    formset = action_formset(data, user=request.user)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            interaction = services.interaction_create(
                author=request.user, data=form.interaction_data(), actions=formset_actions(formset)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The interaction was recorded."))
            return redirect("interactions:detail", pk=interaction.pk)
    return render(
        request, "interactions/interaction_form.html", {"form": form, "formset": formset, "creating": True}
    )


@access(OWN_ORGANIZATION)
def interaction_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    interaction = get_object_or_404(
        Interaction.objects.prefetch_related("organizations", "people", "themes"), pk=pk
    )
    require(request, perms.can_edit_interaction(request.user, interaction))
    data = request.POST if request.method == "POST" else None
    form = InteractionForm(data, user=request.user, instance=interaction)
    formset = action_formset(data, user=request.user)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.interaction_update(
                interaction=interaction,
                data=form.interaction_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                actions=formset_actions(formset),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("interactions:detail", pk=interaction.pk)
    return render(
        request,
        "interactions/interaction_form.html",
        {"form": form, "formset": formset, "interaction": interaction},
    )


@access(OWN_ORGANIZATION)
@require_POST
def action_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(FollowUpAction.objects.select_related("interaction"), pk=pk)
    require(request, perms.can_complete_action(request.user, action))
    if action.done:
        messages.info(request, _("This action was already done."))
    else:
        services.action_complete(action=action)
        messages.success(request, _("Action « %(action)s » marked as done.") % {"action": action.description})
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("interactions:detail", pk=action.interaction_id)


@access(AUTHENTICATED)
def my_actions_view(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.open_actions_of(user=request.user))
    return render(
        request,
        "interactions/my_actions.html",
        {
            "page": page,
            "done": selectors.recently_done_actions_of(user=request.user),
            "today": timezone.localdate(),
            "querystring": querystring_without_page(request),
        },
    )
