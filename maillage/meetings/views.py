from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from maillage.core.access import OWN_ORGANIZATION, PUBLIC, STAFF, access, require
from maillage.core.exports import EXPORT_FORMATS, Column, export_response
from maillage.core.forms import add_service_errors
from maillage.core.paging import paginate, querystring_without_page
from maillage.core.pdf import pdf_fonts
from maillage.meetings import participation, perms, selectors, services
from maillage.meetings.forms import (
    ActionForm,
    AgendaItemForm,
    BodyForm,
    DecisionForm,
    MemberForm,
    MinutesForm,
    ParticipationFilterForm,
    ProposalDecisionForm,
    ProposalForm,
    RsvpForm,
    SessionForm,
    SubstituteForm,
)
from maillage.meetings.models import (
    AgendaItem,
    AgendaProposal,
    Body,
    BodyMember,
    MeetingAction,
    MeetingSession,
    ProposalStatus,
    Response,
    SessionStatus,
    Substitute,
)
from maillage.meetings.tokens import InvalidLink, invitation_for


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _visible_body(request: HttpRequest, pk: int) -> Body:
    try:
        return selectors.body_visible_to(request.user).get(pk=pk)
    except Body.DoesNotExist:
        raise Http404(_("This body does not exist or is not visible to you.")) from None


def _visible_session(request: HttpRequest, pk: int) -> MeetingSession:
    try:
        return selectors.session_detail(user=request.user, pk=pk)
    except MeetingSession.DoesNotExist:
        raise Http404(_("This session does not exist or is not visible to you.")) from None


# --- Bodies ----------------------------------------------------------------------------------------


@access(PUBLIC)
def body_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "meetings/body_list.html",
        {
            "page": paginate(request, selectors.body_list(user=request.user)),
            "querystring": querystring_without_page(request),
            "can_manage": perms.can_manage(request.user),
        },
    )


@access(PUBLIC)
def body_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    body = _visible_body(request, pk)
    internals = perms.can_see_internals(request.user, body)
    return render(
        request,
        "meetings/body_detail.html",
        {
            "body": body,
            "internals": internals,
            "seats": selectors.body_seats(body) if internals else [],
            "page": paginate(request, selectors.sessions_of(body), per_page=20),
            "querystring": querystring_without_page(request),
            "open_actions": list(selectors.open_actions_of_body(body)) if internals else [],
            "can_manage": perms.can_manage(request.user),
        },
    )


@access(STAFF)
def body_create_view(request: HttpRequest) -> HttpResponse:
    form = BodyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            body = services.body_create(data=form.body_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The body was created."))
            return redirect("meetings:body_detail", pk=body.pk)
    return render(request, "meetings/form.html", {"form": form, "title": _("New body")})


@access(STAFF)
def body_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    body = get_object_or_404(Body, pk=pk)
    form = BodyForm(request.POST or None, instance=body)
    if request.method == "POST" and form.is_valid():
        try:
            services.body_update(
                body=body, data=form.body_data(), expected_version=form.cleaned_data.get("version") or 0
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("meetings:body_detail", pk=body.pk)
    return render(request, "meetings/form.html", {"form": form, "title": body.name, "back": body})


@access(STAFF)
def body_members_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Members by hand and substitutes: two small forms on one page."""
    body = get_object_or_404(Body, pk=pk)
    which = request.POST.get("form") if request.method == "POST" else None
    member_form = MemberForm(request.POST if which == "member" else None, user=request.user, prefix="member")
    substitute_form = SubstituteForm(
        request.POST if which == "substitute" else None, user=request.user, prefix="substitute"
    )
    form = member_form if which == "member" else substitute_form if which == "substitute" else None
    if form is not None and form.is_valid():
        try:
            if which == "member":
                services.body_member_add(body=body, **form.cleaned_data)
            else:
                services.substitute_add(body=body, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Membership saved."))
            return redirect("meetings:body_members", pk=body.pk)
    return render(
        request,
        "meetings/body_members.html",
        {
            "body": body,
            "seats": selectors.body_seats(body),
            "members": body.members.select_related("person", "organization"),
            "substitutes": body.substitutes.select_related("person", "organization"),
            "member_form": member_form,
            "substitute_form": substitute_form,
        },
    )


@access(STAFF)
@require_POST
def body_member_remove_view(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """Remove a hand-picked member or a substitute (removing twice changes nothing)."""
    body = get_object_or_404(Body, pk=pk)
    model = Substitute if request.POST.get("kind") == "substitute" else BodyMember
    model.objects.filter(body=body, pk=member_pk).delete()
    messages.success(request, _("Removed from the body."))
    return redirect("meetings:body_members", pk=body.pk)


# --- Sessions --------------------------------------------------------------------------------------


@access(STAFF)
def session_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    body = get_object_or_404(Body, pk=pk)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(body=body, data=form.session_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session was created."))
            return redirect("meetings:session_detail", pk=session.pk)
    return render(request, "meetings/form.html", {"form": form, "title": _("New session"), "back": body})


@access(STAFF)
def session_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(MeetingSession.objects.select_related("body"), pk=pk)
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(
                session=session,
                data=form.session_data(),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if session.invitations_sent_at:
                messages.warning(
                    request, _("Changes saved. Send the invitations again to notify the update.")
                )
            else:
                messages.success(request, _("Changes saved."))
            return redirect("meetings:session_detail", pk=session.pk)
    return render(request, "meetings/form.html", {"form": form, "title": str(session), "back": session})


@access(PUBLIC)
def agenda_document_view(request: HttpRequest, pk: int) -> FileResponse:
    """An agenda item's document, for those who see the session's internals (never a public file URL)."""
    item = get_object_or_404(AgendaItem.objects.select_related("session"), pk=pk)
    session = _visible_session(request, item.session_id)
    if not item.document or not perms.can_see_internals(request.user, session.body):
        raise Http404(_("This document does not exist or is not visible to you."))
    return FileResponse(
        item.document.open("rb"), as_attachment=True, filename=item.document.name.rsplit("/", 1)[-1]
    )


@access(PUBLIC)
def session_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = _visible_session(request, pk)
    internals = perms.can_see_internals(request.user, session.body)
    can_manage = perms.can_manage(request.user)
    invitations = list(selectors.invitations_of(session)) if internals else []
    actions = list(selectors.open_actions_of_body(session.body)) if internals else []
    context = {
        "session": session,
        "body": session.body,
        "internals": internals,
        "can_manage": can_manage,
        "items": session.agenda_items.all(),
        "invitations": invitations,
        "quorum": selectors.quorum_of(session, invitations) if internals else None,
        "carried_actions": [a for a in actions if a.session_id != session.pk],
        "session_actions": (
            list(session.actions.select_related("owner_person", "owner_user")) if internals else []
        ),
        "item_form": AgendaItemForm(user=request.user) if can_manage else None,
        "proposals": selectors.proposals_of(session, user=request.user) if internals else [],
        "can_propose": (
            internals
            and not can_manage
            and getattr(request.user, "organization_id", None) is not None
            and session.status == SessionStatus.PLANNED
            and session.starts_at > timezone.now()
        ),
        "is_future": session.starts_at > timezone.now(),
    }
    return render(request, "meetings/session_detail.html", context)


@access(OWN_ORGANIZATION)
def proposal_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A correspondent of a member organisation proposes an agenda item."""
    session = get_object_or_404(MeetingSession.objects.select_related("body"), pk=pk)
    if perms.can_manage(request.user):  # the métropole's agents put items on the agenda directly
        return redirect("meetings:agenda_item_add", pk=session.pk)
    organization = getattr(request.user, "organization", None)
    require(request, organization is not None and perms.can_see_internals(request.user, session.body))
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_proposal_create(
                session=session, organization=organization, author=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your proposal was sent to the métropole's team."))
            return redirect("meetings:session_detail", pk=session.pk)
    return render(
        request,
        "meetings/form.html",
        {"form": form, "title": _("Propose an agenda item"), "back": session},
    )


@access(STAFF)
@require_POST
def proposal_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(AgendaProposal.objects.select_related("session"), pk=pk)
    status = {"accept": ProposalStatus.ACCEPTED, "decline": ProposalStatus.DECLINED}.get(
        request.POST.get("action", "")
    )
    form = ProposalDecisionForm(request.POST)
    if status is None or not form.is_valid():
        messages.error(request, _("Choose to accept or decline the proposal."))
    else:
        try:
            services.agenda_proposal_decide(
                proposal=proposal, status=status, user=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Proposal accepted: it is on the agenda.")
                if status == ProposalStatus.ACCEPTED
                else _("Proposal declined."),
            )
    return redirect("meetings:session_detail", pk=proposal.session_id)


@access(STAFF)
def agenda_item_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(MeetingSession.objects.select_related("body"), pk=pk)
    form = AgendaItemForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        copy_of = request.POST.get("copy_of", "")
        if copy_of.isdigit():
            item = get_object_or_404(AgendaItem.objects.select_related("session"), pk=int(copy_of))
            try:
                services.agenda_item_copy(session=session, item=item)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("meetings:session_detail", pk=session.pk)
            messages.success(request, _("Agenda item added."))
            return redirect("meetings:session_detail", pk=session.pk)
        if form.is_valid():
            try:
                services.agenda_item_add(session=session, data=form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Agenda item added."))
                return redirect("meetings:session_detail", pk=session.pk)
    return render(
        request,
        "meetings/form.html",
        {"form": form, "title": _("Add an agenda item"), "back": session, "files": True},
    )


@access(STAFF)
@require_POST
def session_invite_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(MeetingSession, pk=pk)
    try:
        result = services.invitations_send(session=session, base_url=_base_url(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(count)s invitations queued.") % {"count": result.sent})
        if result.without_email:
            messages.warning(
                request,
                _("No e-mail address for: %(names)s.") % {"names": ", ".join(result.without_email)},
            )
    return redirect("meetings:session_detail", pk=session.pk)


@access(STAFF)
@require_POST
def session_remind_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(MeetingSession.objects.select_related("body"), pk=pk)
    try:
        count = services.reminders_send(session=session, base_url=_base_url(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(count)s reminders queued.") % {"count": count})
    return redirect("meetings:session_detail", pk=session.pk)


@access(STAFF)
@require_POST
def session_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(MeetingSession, pk=pk)
    try:
        count = services.session_cancel(session=session, base_url=_base_url(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Session cancelled; %(count)s cancellations queued.") % {"count": count})
    return redirect("meetings:session_detail", pk=session.pk)


# --- On the day ------------------------------------------------------------------------------------

MARKS = [Response.PRESENT, Response.REPRESENTED, Response.ABSENT]


@access(STAFF)
def attendance_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendance sheet: one form, big tap targets, usable on a tablet."""
    session = get_object_or_404(MeetingSession.objects.select_related("body"), pk=pk)
    invitations = list(selectors.invitations_of(session).filter(role="member"))
    errors = []
    if request.method == "POST":
        marks = {}
        for invitation in invitations:
            status = request.POST.get(f"status_{invitation.pk}", "")
            if status not in MARKS + [Response.PENDING]:
                errors.append(_("Unknown attendance for %(name)s.") % {"name": invitation.person})
                continue
            marks[invitation.pk] = (status, request.POST.get(f"proxy_{invitation.pk}", ""))
        if not errors:
            try:
                services.attendance_record(session=session, marks=marks)
            except ValidationError as error:
                errors += error.messages
            else:
                messages.success(request, _("Attendance saved."))
                return redirect("meetings:attendance", pk=session.pk)
    return render(
        request,
        "meetings/attendance.html",
        {
            "session": session,
            "invitations": invitations,
            "quorum": selectors.quorum_of(session, invitations),
            "marks": [(value, Response(value).label) for value in MARKS],
            "errors": errors,
        },
    )


@access(STAFF)
def attendance_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    session = get_object_or_404(MeetingSession.objects.select_related("body"), pk=pk)
    invitations = list(selectors.invitations_of(session).filter(role="member"))
    quorum = selectors.quorum_of(session, invitations)
    styles = getSampleStyleSheet()
    regular, bold = pdf_fonts()  # DejaVu: names with œ, ’ or accents outside Latin-1 print right
    for style in styles.byName.values():
        style.fontName = bold if style.name.startswith(("Title", "Heading")) else regular
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, title=str(session), leftMargin=1.5 * cm, rightMargin=1.5 * cm
    )
    start = timezone.localtime(session.starts_at)
    story = [
        Paragraph(_("Attendance sheet"), styles["Title"]),
        Paragraph(f"{session.body.name} – {session.title}".rstrip(" –"), styles["Heading2"]),
        Paragraph(f"{start:%d/%m/%Y %H:%M} – {session.address or session.video_url}", styles["Normal"]),
        Spacer(1, 0.5 * cm),
    ]
    rows = [[_("Member"), _("Organisation"), _("Attendance"), _("Signature")]]
    for invitation in invitations:
        status = invitation.get_attendance_display() if invitation.attendance else ""
        if invitation.attendance == Response.REPRESENTED and invitation.attendance_proxy:
            status += f" ({invitation.attendance_proxy})"
        rows.append(
            [
                Paragraph(str(invitation.person), styles["Normal"]),
                Paragraph(str(invitation.organization or ""), styles["Normal"]),
                Paragraph(status, styles["Normal"]),
                "",
            ]
        )
    table = Table(rows, colWidths=[5 * cm, 5.5 * cm, 3.5 * cm, 4 * cm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("FONTNAME", (0, 0), (-1, -1), regular),
                ("FONTNAME", (0, 0), (-1, 0), bold),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ROWHEIGHT", (0, 1), (-1, -1), 1.2 * cm),
            ]
        )
    )
    story += [table, Spacer(1, 0.5 * cm)]
    summary = _("Members: %(members)s – present: %(present)s – represented: %(represented)s") % {
        "members": quorum.members,
        "present": quorum.present,
        "represented": quorum.represented,
    }
    if quorum.required is not None:
        summary += " – " + _("quorum: %(required)s") % {"required": quorum.required}
    story.append(Paragraph(summary, styles["Normal"]))
    doc.build(story)
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="emargement-{session.pk}.pdf"'
    return response


# --- After -----------------------------------------------------------------------------------------


@access(STAFF)
def minutes_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Minutes, decisions and actions of a session; ``form`` says which one is posted."""
    session = get_object_or_404(MeetingSession.objects.select_related("body"), pk=pk)
    which = request.POST.get("form") if request.method == "POST" else None
    minutes_form = MinutesForm(
        request.POST if which == "minutes" else None, initial={"minutes": session.minutes}, prefix="minutes"
    )
    decision_form = DecisionForm(request.POST if which == "decision" else None, prefix="decision")
    action_form = ActionForm(request.POST if which == "action" else None, user=request.user, prefix="action")
    form = {"minutes": minutes_form, "decision": decision_form, "action": action_form}.get(which or "")
    if form is not None and form.is_valid():
        try:
            if which == "minutes":
                services.minutes_save(session=session, minutes=form.cleaned_data["minutes"])
            elif which == "decision":
                services.decision_add(session=session, text=form.cleaned_data["text"])
            else:
                services.action_add(session=session, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("meetings:minutes", pk=session.pk)
    return render(
        request,
        "meetings/minutes.html",
        {
            "session": session,
            "minutes_form": minutes_form,
            "decision_form": decision_form,
            "action_form": action_form,
            "decisions": session.decisions.all(),
            "actions": session.actions.select_related("owner_person", "owner_user"),
        },
    )


@access(STAFF)
@require_POST
def action_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(MeetingAction, pk=pk)
    services.action_close(action=action)
    messages.success(request, _("Action « %(action)s » closed.") % {"action": action.description})
    target = request.POST.get("session", "")
    if target.isdigit():
        return redirect("meetings:session_detail", pk=int(target))
    return redirect("meetings:body_detail", pk=action.body_id)


# --- Answering by link -----------------------------------------------------------------------------


@access(PUBLIC)
def rsvp_view(request: HttpRequest, token: str) -> HttpResponse:
    """Answer an invitation from the e-mail link, without an account."""
    try:
        invitation = invitation_for(token)
    except InvalidLink as error:
        message = (
            _("This link has expired. Ask the secretariat of the body for a new invitation.")
            if error.expired
            else _("This link is not valid: it may have been altered or replaced by a newer invitation.")
        )
        return render(request, "meetings/rsvp_invalid.html", {"message": message}, status=400)
    form = RsvpForm(
        request.POST or None,
        invitation=invitation,
        initial={
            "response": invitation.response or None,
            "proxy_name": invitation.proxy_name,
            "proxy_person": invitation.proxy_person_id,
        },
    )
    done = False
    if request.method == "POST" and form.is_valid():
        try:
            services.rsvp_record(invitation=invitation, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done = True
    return render(request, "meetings/rsvp.html", {"invitation": invitation, "form": form, "done": done})


# --- Participation ---------------------------------------------------------------------------------

RATE_COLUMNS = [
    Column(gettext_lazy("Code"), lambda r: r.key),
    Column(gettext_lazy("Commune"), lambda r: r.name),
    Column(gettext_lazy("Invitations"), lambda r: r.invited),
    Column(gettext_lazy("Attended"), lambda r: r.attended),
    Column(gettext_lazy("Rate (%)"), lambda r: r.percent),
]


@access(STAFF)
def participation_view(request: HttpRequest) -> HttpResponse:
    form = ParticipationFilterForm(request.GET or None)
    filters = form.filters()
    communes = participation.rates_by_commune(**filters)
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_response(communes, RATE_COLUMNS, filename="participation", fmt=fmt)
    threshold = form.threshold_value()
    return render(
        request,
        "meetings/participation.html",
        {
            "form": form,
            "communes": sorted(communes, key=lambda r: r.name),
            "territories": participation.rates_by_territory(**filters),
            "rare": participation.rarely_present(communes, threshold=threshold),
            "threshold": threshold,
            "legend": participation.legend(),
            "querystring": request.GET.urlencode(),
        },
    )


@access(STAFF)
def participation_map_data_view(request: HttpRequest) -> JsonResponse:
    form = ParticipationFilterForm(request.GET or None)
    return JsonResponse(participation.map_feature_collection(**form.filters()))
