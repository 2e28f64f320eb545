from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from maillage.cooperation import perms, selectors, services
from maillage.cooperation.forms import (
    CooperationFilterForm,
    CooperationForm,
    CooperationPlanForm,
    InterestForm,
    MilestoneForm,
    ParticipantForm,
    TopicFilterForm,
    TopicForm,
    TransitionForm,
)
from maillage.cooperation.models import (
    CommonTopic,
    Cooperation,
    Milestone,
    ParticipantRole,
    TopicStatus,
)
from maillage.core.access import (
    AUTHENTICATED,
    OWN_ORGANIZATION,
    PUBLIC,
    STAFF,
    access,
    is_staff,
    organization_ids_of,
    require,
)
from maillage.core.audit import history_for
from maillage.core.exports import EXPORT_FORMATS, Column, export_response
from maillage.core.forms import add_service_errors
from maillage.core.paging import paginate, querystring_without_page
from maillage.organizations.models import Organization

ROLE_ORDER = [
    ParticipantRole.PILOT,
    ParticipantRole.PARTNER,
    ParticipantRole.FUNDER,
    ParticipantRole.BENEFICIARY,
]


def _names(items: Any) -> str:
    return "; ".join(items)


TOPIC_COLUMNS = [
    Column(gettext_lazy("Title"), lambda t: t.title),
    Column(gettext_lazy("Status"), lambda t: t.get_status_display()),
    Column(gettext_lazy("Proposing organisation"), lambda t: t.proposer.name),
    Column(gettext_lazy("Supporting organisations"), lambda t: t.support_count),
    Column(gettext_lazy("Distinct territories"), lambda t: t.territory_count),
    Column(
        gettext_lazy("Interested organisations"),
        lambda t: _names(i.organization.name for i in selectors.interests_besides_proposer(t)),
    ),
    Column(gettext_lazy("Themes"), lambda t: _names(str(theme) for theme in t.themes.all())),
    Column(gettext_lazy("Proposed on"), lambda t: timezone.localdate(t.created_at)),
    Column(gettext_lazy("Reason for dismissal"), lambda t: t.dismissal_reason),
    Column(gettext_lazy("Resulting cooperation"), lambda t: t.cooperation.title if t.cooperation else ""),
    Column(gettext_lazy("Description"), lambda t: t.description),
]


def _participants_text(cooperation: Cooperation, role: str | None = None) -> str:
    return _names(
        p.organization.name if role else f"{p.organization.name} ({p.get_role_display()})"
        for p in cooperation.participants.all()
        if role is None or p.role == role
    )


COOPERATION_COLUMNS = [
    Column(gettext_lazy("Title"), lambda c: c.title),
    Column(gettext_lazy("Status"), lambda c: c.get_status_display()),
    Column(gettext_lazy("Pilots"), lambda c: _participants_text(c, ParticipantRole.PILOT)),
    Column(gettext_lazy("Participants"), lambda c: _participants_text(c)),
    Column(gettext_lazy("Themes"), lambda c: _names(str(theme) for theme in c.themes.all())),
    Column(gettext_lazy("Start date"), lambda c: c.start_date),
    Column(gettext_lazy("End date"), lambda c: c.end_date),
    Column(gettext_lazy("Objectives"), lambda c: c.objectives),
]


# --- Common topics ---------------------------------------------------------------------------


@access(AUTHENTICATED)
def topic_list_view(request: HttpRequest) -> HttpResponse:
    form = TopicFilterForm(request.GET or None)
    topics = selectors.topic_list(user=request.user, **form.filters())
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_response(
            selectors.topic_export_queryset(topics), TOPIC_COLUMNS, filename="sujets-communs", fmt=fmt
        )
    return render(
        request,
        "cooperation/topic_list.html",
        {
            "form": form,
            "page": paginate(request, topics),
            "querystring": querystring_without_page(request),
            "can_create": perms.can_propose_topic(request.user),
        },
    )


def _get_topic(request: HttpRequest, pk: int) -> CommonTopic:
    try:
        return selectors.topic_detail(user=request.user, pk=pk)
    except CommonTopic.DoesNotExist:
        raise Http404(_("This topic does not exist or is not visible to you.")) from None


def _topic_context(
    request: HttpRequest,
    topic: CommonTopic,
    *,
    interest_form: InterestForm | None = None,
    transition_form: TransitionForm | None = None,
) -> dict[str, Any]:
    user = request.user
    own = organization_ids_of(user)
    is_open = topic.status in services.OPEN_STATUSES
    interests = selectors.interests_besides_proposer(topic)
    for interest in interests:
        interest.can_withdraw = is_open and perms.can_act_for_organization(user, interest.organization_id)
    own_supports = bool(own) and (
        topic.proposer_id in own or any(i.organization_id in own for i in interests)
    )
    may_declare = is_open and perms.can_declare_interest(user) and (is_staff(user) or not own_supports)
    if interest_form is None and may_declare:
        interest_form = InterestForm(user=user, topic=topic, auto_id="interest_%s")
    can_change_status = perms.can_change_topic_status(user)
    if transition_form is None and can_change_status:
        transition_form = TransitionForm(topic=topic, auto_id="transition_%s")
    can_edit = perms.can_edit_topic(user, topic)
    return {
        "topic": topic,
        "interests": interests,
        "communes": selectors.topic_communes(topic),
        "elsewhere": selectors.topic_supporters_without_commune(topic),
        "map_colors": selectors.MAP_COLORS,
        "interest_form": interest_form,
        "own_supports": own_supports,
        "is_open": is_open,
        "can_change_status": transition_form is not None and bool(transition_form.allowed),
        "transition_form": transition_form,
        "can_convert": perms.can_convert_topic(user) and topic.status == TopicStatus.RETAINED,
        "can_edit": can_edit,
        "history": history_for(topic) if can_edit else None,
    }


@access(AUTHENTICATED)
def topic_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _get_topic(request, pk)
    return render(request, "cooperation/topic_detail.html", _topic_context(request, topic))


@access(AUTHENTICATED)
def topic_create_view(request: HttpRequest) -> HttpResponse:
    require(request, perms.can_propose_topic(request.user))
    form = TopicForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.topic_data()
        require(request, perms.can_act_for_organization(request.user, data["proposer"].pk))
        try:
            topic = services.topic_create(
                data=data, proposed_by=request.user, themes=form.cleaned_data["themes"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The topic « %(title)s » was proposed.") % {"title": topic.title})
            return redirect("cooperation:topic_detail", pk=topic.pk)
    return render(request, "cooperation/topic_form.html", {"form": form, "creating": True})


@access(OWN_ORGANIZATION)
def topic_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(CommonTopic.objects.prefetch_related("themes"), pk=pk)
    require(request, perms.can_edit_topic(request.user, topic))
    form = TopicForm(request.POST or None, instance=topic, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.topic_update(
                topic=topic,
                data=form.topic_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                themes=form.cleaned_data["themes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("cooperation:topic_detail", pk=topic.pk)
    return render(request, "cooperation/topic_form.html", {"form": form, "topic": topic})


@access(AUTHENTICATED)
@require_POST
def topic_interest_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A correspondent declares for their own organisation; staff for the organisation they choose."""
    topic = _get_topic(request, pk)
    require(request, perms.can_declare_interest(request.user))
    form = InterestForm(request.POST, user=request.user, topic=topic, auto_id="interest_%s")
    if form.is_valid():
        if is_staff(request.user):
            organization = form.cleaned_data["organization"]
        else:
            organization = Organization.objects.get(pk=next(iter(organization_ids_of(request.user))))
        require(request, perms.can_act_for_organization(request.user, organization.pk))
        try:
            services.topic_interest_declare(
                topic=topic,
                organization=organization,
                declared_by=request.user,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The interest of « %(name)s » was recorded.") % {"name": organization.name},
            )
            return redirect("cooperation:topic_detail", pk=topic.pk)
    return render(
        request, "cooperation/topic_detail.html", _topic_context(request, topic, interest_form=form)
    )


@access(AUTHENTICATED)
@require_POST
def topic_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(CommonTopic.objects.select_related("proposer"), pk=pk)
    require(request, perms.can_declare_interest(request.user))
    raw = request.POST.get("organization", "")
    own = organization_ids_of(request.user)
    if raw.isdigit():
        organization_id = int(raw)
    elif own:
        organization_id = next(iter(own))
    else:
        messages.error(request, _("Choose the organisation whose interest is withdrawn."))
        return redirect("cooperation:topic_detail", pk=topic.pk)
    require(request, perms.can_act_for_organization(request.user, organization_id))
    organization = get_object_or_404(Organization, pk=organization_id)
    try:
        services.topic_interest_withdraw(topic=topic, organization=organization)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("The interest of « %(name)s » was withdrawn.") % {"name": organization.name}
        )
    return redirect("cooperation:topic_detail", pk=topic.pk)


@access(STAFF)
@require_POST
def topic_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _get_topic(request, pk)
    require(request, perms.can_change_topic_status(request.user))
    form = TransitionForm(request.POST, topic=topic, auto_id="transition_%s")
    if form.is_valid():
        try:
            topic = services.topic_transition(
                topic=topic, to_status=form.cleaned_data["status"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The topic is now « %(status)s ».") % {"status": topic.get_status_display()}
            )
            return redirect("cooperation:topic_detail", pk=topic.pk)
    return render(
        request, "cooperation/topic_detail.html", _topic_context(request, topic, transition_form=form)
    )


@access(STAFF)
@require_POST
def topic_convert_view(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(CommonTopic, pk=pk)
    require(request, perms.can_convert_topic(request.user))
    try:
        cooperation = services.topic_convert(topic=topic, owner=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("cooperation:topic_detail", pk=topic.pk)
    messages.success(
        request,
        _("The topic was turned into the cooperation « %(title)s »: complete its objectives and milestones.")
        % {"title": cooperation.title},
    )
    return redirect("cooperation:cooperation_detail", pk=cooperation.pk)


@access(AUTHENTICATED)
def topic_map_data_view(request: HttpRequest, pk: int) -> JsonResponse:
    try:
        data = selectors.topic_map_features(user=request.user, pk=pk)
    except CommonTopic.DoesNotExist:
        raise Http404(_("This topic does not exist or is not visible to you.")) from None
    return JsonResponse(data)


# --- Cooperations ----------------------------------------------------------------------------


@access(PUBLIC)
def cooperation_list_view(request: HttpRequest) -> HttpResponse:
    form = CooperationFilterForm(request.GET or None)
    cooperations = selectors.cooperation_list(**form.filters())
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_response(cooperations, COOPERATION_COLUMNS, filename="cooperations", fmt=fmt)
    page = paginate(request, cooperations)
    for cooperation in page:
        cooperation.pilots = [p for p in cooperation.participants.all() if p.role == ParticipantRole.PILOT]
    return render(
        request,
        "cooperation/cooperation_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "can_create": perms.can_create_cooperation(request.user),
        },
    )


def _get_cooperation(request: HttpRequest, pk: int) -> Cooperation:
    try:
        return selectors.cooperation_detail(user=request.user, pk=pk)
    except Cooperation.DoesNotExist:
        raise Http404(_("This cooperation does not exist.")) from None


@access(PUBLIC)
def cooperation_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    cooperation = _get_cooperation(request, pk)
    can_edit = perms.can_edit_cooperation(request.user, cooperation)
    can_edit_plan = perms.can_edit_cooperation_plan(request.user, cooperation)
    participants = sorted(
        cooperation.participants.all(), key=lambda p: (ROLE_ORDER.index(p.role), p.organization.name)
    )
    signed_in = request.user.is_authenticated
    return render(
        request,
        "cooperation/cooperation_detail.html",
        {
            "cooperation": cooperation,
            "participants": participants,
            "milestones": list(cooperation.milestones.all()),
            "source_topics": list(cooperation.source_topics.all()) if signed_in else [],
            "agreements": list(selectors.cooperation_agreements(user=request.user, cooperation=cooperation)),
            "today": timezone.localdate(),
            "can_edit": can_edit,
            "can_edit_plan": can_edit_plan,
            "history": history_for(cooperation) if can_edit_plan else None,
        },
    )


@access(STAFF)
def cooperation_create_view(request: HttpRequest) -> HttpResponse:
    require(request, perms.can_create_cooperation(request.user))
    form = CooperationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            cooperation = services.cooperation_create(
                data=form.cooperation_data(),
                themes=form.cleaned_data["themes"],
                pilot=form.cleaned_data["pilot"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The cooperation « %(title)s » was created.") % {"title": cooperation.title}
            )
            return redirect("cooperation:cooperation_detail", pk=cooperation.pk)
    return render(request, "cooperation/cooperation_form.html", {"form": form, "creating": True})


@access(OWN_ORGANIZATION)
def cooperation_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff change everything; a pilot organisation's correspondent changes the objectives."""
    cooperation = get_object_or_404(Cooperation.objects.prefetch_related("themes", "participants"), pk=pk)
    require(request, perms.can_edit_cooperation_plan(request.user, cooperation))
    full = perms.can_edit_cooperation(request.user, cooperation)
    form_class = CooperationForm if full else CooperationPlanForm
    form = form_class(request.POST or None, instance=cooperation, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.cooperation_update(
                cooperation=cooperation,
                data=form.cooperation_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                themes=form.cleaned_data["themes"] if full else None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("cooperation:cooperation_detail", pk=cooperation.pk)
    return render(
        request,
        "cooperation/cooperation_form.html",
        {"form": form, "cooperation": cooperation, "plan_only": not full},
    )


@access(STAFF)
def participant_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    cooperation = get_object_or_404(Cooperation, pk=pk)
    require(request, perms.can_edit_cooperation(request.user, cooperation))
    form = ParticipantForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.participant_add(
                cooperation=cooperation,
                organization=form.cleaned_data["organization"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("« %(name)s » joined the cooperation as « %(role)s ».")
                % {"name": participant.organization.name, "role": participant.get_role_display()},
            )
            return redirect("cooperation:cooperation_detail", pk=cooperation.pk)
    return render(request, "cooperation/participant_form.html", {"form": form, "cooperation": cooperation})


@access(OWN_ORGANIZATION)
def milestone_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    cooperation = get_object_or_404(Cooperation, pk=pk)
    require(request, perms.can_edit_cooperation_plan(request.user, cooperation))
    form = MilestoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            milestone = services.milestone_add(cooperation=cooperation, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Milestone « %(title)s » added.") % {"title": milestone.title})
            return redirect("cooperation:cooperation_detail", pk=cooperation.pk)
    return render(request, "cooperation/milestone_form.html", {"form": form, "cooperation": cooperation})


@access(OWN_ORGANIZATION)
@require_POST
def milestone_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("cooperation"), pk=pk)
    require(request, perms.can_complete_milestone(request.user, milestone))
    if milestone.done_on:
        messages.info(request, _("This milestone was already done."))
    else:
        services.milestone_complete(milestone=milestone)
        messages.success(request, _("Milestone « %(title)s » marked as done.") % {"title": milestone.title})
    return redirect("cooperation:cooperation_detail", pk=milestone.cooperation_id)
