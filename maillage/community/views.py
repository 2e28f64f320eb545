"""Pages of the community of public innovators: directory, events, resources."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from maillage.community import perms, selectors, services
from maillage.community.forms import (
    DirectoryFilterForm,
    EventFilterForm,
    EventForm,
    PersonChoiceForm,
    ProfileForm,
    RegistrationForm,
    ResourceFilterForm,
    ResourceForm,
)
from maillage.community.models import (
    ConsentMethod,
    Event,
    MemberProfile,
    Registration,
    RegistrationStatus,
    Resource,
)
from maillage.community.tokens import InvalidLink, registration_for
from maillage.core.access import AUTHENTICATED, OWN_ORGANIZATION, PUBLIC, STAFF, access, is_staff, require
from maillage.core.audit import history_for
from maillage.core.exports import EXPORT_FORMATS, Column, export_response
from maillage.core.forms import add_service_errors
from maillage.core.paging import paginate, querystring_without_page
from maillage.people.models import Person

logger = logging.getLogger(__name__)


@access(PUBLIC)
def home_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "community/home.html",
        {
            "events": list(selectors.event_list(user=request.user)[:3]),
            "resources": list(selectors.resource_list(user=request.user)[:3]),
            "signed_in": perms.can_see_directory(request.user),
            "own_person": selectors.person_of_account(request.user),
        },
    )


# --- Directory and profiles ----------------------------------------------------------------------


def _names(items: Any) -> str:
    return "; ".join(str(item) for item in items)


PROFILE_COLUMNS = [
    Column(gettext_lazy("Last name"), lambda p: p.person.last_name),
    Column(gettext_lazy("First name"), lambda p: p.person.first_name),
    Column(gettext_lazy("Job title"), lambda p: p.job_title),
    Column(gettext_lazy("Organisation"), lambda p: p.organization.name if p.organization_id else ""),
    Column(gettext_lazy("Skills"), lambda p: _names(p.skills.all())),
    Column(gettext_lazy("Interests"), lambda p: _names(p.interests.all())),
]


@access(AUTHENTICATED)
def directory_view(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    profiles = selectors.profile_list(user=request.user, **form.filters())
    fmt = request.GET.get("format")
    # Exports copy personal data out of the platform: staff only (the data controller's side).
    if fmt in EXPORT_FORMATS and is_staff(request.user):
        return export_response(profiles, PROFILE_COLUMNS, filename="communaute-annuaire", fmt=fmt)
    return render(
        request,
        "community/directory.html",
        {
            "form": form,
            "page": paginate(request, profiles),
            "querystring": querystring_without_page(request),
            "can_create": perms.can_create_profiles(request.user),
            "own_person": selectors.person_of_account(request.user),
        },
    )


def _get_profile(request: HttpRequest, pk: int) -> MemberProfile:
    try:
        return selectors.profile_detail(user=request.user, pk=pk)
    except MemberProfile.DoesNotExist:
        raise Http404(_("This profile does not exist or was withdrawn.")) from None


@access(AUTHENTICATED)
def profile_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _get_profile(request, pk)
    can_manage = perms.can_manage_profile(request.user, profile)
    return render(
        request,
        "community/profile_detail.html",
        {
            "profile": profile,
            "can_manage": can_manage,
            "show_consent": can_manage,
            "history": history_for(profile) if can_manage and is_staff(request.user) else None,
        },
    )


def _profile_form_page(request: HttpRequest, form: ProfileForm, person: Person, **extra: Any) -> HttpResponse:
    return render(request, "community/profile_form.html", {"form": form, "person": person, **extra})


def _create_profile(request: HttpRequest, person: Person, *, self_service: bool) -> HttpResponse:
    form = ProfileForm(request.POST or None, user=request.user, person=person, self_service=self_service)
    if request.method == "POST" and form.is_valid():
        try:
            skills = services.skills_from_text(form.cleaned_data["skills_text"])
            profile = services.profile_create(
                person=person,
                data=form.profile_data(),
                consent_given=form.cleaned_data["consent"],
                consent_method=ConsentMethod.SELF_SERVICE if self_service else ConsentMethod.RECORDED,
                consent_note="" if self_service else form.cleaned_data.get("consent_note", ""),
                recorded_by=request.user,
                skills=skills,
                interests=form.cleaned_data["interests"],
                projects=form.cleaned_data["projects"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "skills" in error.error_dict:
                error.error_dict["skills_text"] = error.error_dict.pop("skills")
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The profile of « %(name)s » is published in the directory.") % {"name": person}
            )
            return redirect("community:profile_detail", pk=profile.pk)
    return _profile_form_page(request, form, person, creating=True, self_service=self_service)


@access(AUTHENTICATED)
def profile_create_view(request: HttpRequest) -> HttpResponse:
    """Record a profile for someone else (staff; correspondents for their organisation's people):
    first choose the person, then fill in the profile with the consent and its evidence."""
    require(request, perms.can_create_profiles(request.user))
    raw = request.POST.get("person") or request.GET.get("person")
    choice = PersonChoiceForm({"person": raw} if raw else None, user=request.user)
    if not raw or not choice.is_valid():
        return render(request, "community/profile_choose.html", {"form": choice})
    person = choice.cleaned_data["person"]
    if MemberProfile.objects.filter(person=person).exists():
        messages.info(request, _("« %(name)s » already has a profile.") % {"name": person})
        return redirect("community:profile_detail", pk=person.community_profile.pk)
    return _create_profile(request, person, self_service=False)


@access(AUTHENTICATED)
def my_profile_view(request: HttpRequest) -> HttpResponse:
    """Self-service: the account's own directory record (matched on the e-mail address)."""
    person = selectors.person_of_account(request.user)
    if person is None:
        return render(request, "community/my_profile_unavailable.html")
    profile = MemberProfile.objects.filter(person=person).only("pk").first()
    if profile is not None:
        return redirect("community:profile_update", pk=profile.pk)
    return _create_profile(request, person, self_service=True)


def _profile_for_edit(request: HttpRequest, pk: int) -> MemberProfile:
    profile = (
        MemberProfile.objects.select_related("person", "organization")
        .prefetch_related("skills", "interests", "projects")
        .filter(pk=pk, person__anonymized_at__isnull=True)
        .first()
    )
    if profile is None:
        raise Http404(_("This profile does not exist or was withdrawn."))
    require(request, perms.can_manage_profile(request.user, profile))
    return profile


@access(OWN_ORGANIZATION)
def profile_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _profile_for_edit(request, pk)
    form = ProfileForm(request.POST or None, instance=profile, user=request.user, person=profile.person)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(
                profile=profile,
                data=form.profile_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                skills=services.skills_from_text(form.cleaned_data["skills_text"]),
                interests=form.cleaned_data["interests"],
                projects=form.cleaned_data["projects"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "skills" in error.error_dict:
                error.error_dict["skills_text"] = error.error_dict.pop("skills")
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("community:profile_detail", pk=profile.pk)
    return _profile_form_page(request, form, profile.person, profile=profile)


@access(OWN_ORGANIZATION)
def profile_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdrawal of consent: GET asks for confirmation, POST deletes the profile."""
    profile = _profile_for_edit(request, pk)
    if request.method != "POST":
        return render(request, "community/profile_withdraw.html", {"profile": profile})
    name = str(profile.person)
    services.profile_withdraw(profile=profile)
    messages.success(
        request, _("The consent of « %(name)s » is withdrawn: the profile was deleted.") % {"name": name}
    )
    return redirect("community:directory")


# --- Events --------------------------------------------------------------------------------------


@access(PUBLIC)
def event_list_view(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    filters = form.filters() or {"when": "upcoming"}
    events = selectors.event_list(user=request.user, **filters)
    return render(
        request,
        "community/event_list.html",
        {
            "form": form,
            "past": filters.get("when") == "past",
            "page": paginate(request, events),
            "querystring": querystring_without_page(request),
            "can_manage": perms.can_manage_events(request.user),
        },
    )


def _get_event(request: HttpRequest, pk: int) -> Event:
    try:
        return selectors.event_detail(user=request.user, pk=pk)
    except Event.DoesNotExist:
        raise Http404(_("This event does not exist or is not visible to you.")) from None


def _event_page(request: HttpRequest, event: Event, form: RegistrationForm | None = None, status: int = 200):
    now = timezone.now()
    open_ = event.registration_open and event.starts_at > now
    if form is None and open_:
        user = request.user
        initial = {}
        if user.is_authenticated:
            initial = {"name": user.get_full_name(), "email": user.email}
        form = RegistrationForm(initial=initial)
    full = event.capacity is not None and event.confirmed_count >= event.capacity
    return render(
        request,
        "community/event_detail.html",
        {
            "event": event,
            "form": form if open_ else None,
            "is_past": event.starts_at <= now,
            "full": full,
            "seats_left": None if event.capacity is None else max(event.capacity - event.confirmed_count, 0),
            "can_manage": perms.can_manage_events(request.user),
        },
        status=status,
    )


@access(PUBLIC)
def event_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _event_page(request, _get_event(request, pk))


@access(PUBLIC)
@require_POST
def registration_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get_event(request, pk)
    form = RegistrationForm(request.POST)
    if form.is_valid():
        try:
            registration = services.registration_create(event=event, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if registration.status == RegistrationStatus.WAITING:
                messages.warning(
                    request,
                    _(
                        "The event is full: you are on the waiting list. You will get an e-mail if a seat "
                        "becomes free."
                    ),
                )
            else:
                messages.success(
                    request,
                    _("You are registered. A confirmation was sent to %(email)s, with a link to cancel.")
                    % {"email": registration.email},
                )
            return redirect("community:event_detail", pk=event.pk)
    return _event_page(request, event, form)


@access(PUBLIC)
def registration_cancel_view(request: HttpRequest, token: str) -> HttpResponse:
    """Cancel a registration from the e-mail link, without an account (GET asks, POST cancels)."""
    try:
        registration = registration_for(token)
    except InvalidLink:
        return render(
            request,
            "community/link_invalid.html",
            {
                "message": _(
                    "This cancellation link is not valid: it may have been altered, or the registration no "
                    "longer exists. Copy the whole link from the e-mail, or contact the organisers."
                )
            },
            status=400,
        )
    error = None
    done = registration.status == RegistrationStatus.CANCELLED
    if request.method == "POST" and not done:
        try:
            registration = services.registration_cancel(registration=registration)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            done = True
    return render(
        request,
        "community/registration_cancel.html",
        {"registration": registration, "event": registration.event, "done": done, "error": error},
    )


@access(STAFF)
def event_create_view(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                data=form.event_data(), created_by=request.user, themes=form.cleaned_data["themes"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The event « %(title)s » was created.") % {"title": event.title})
            return redirect("community:event_detail", pk=event.pk)
    return render(request, "community/event_form.html", {"form": form, "creating": True})


@access(STAFF)
def event_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    event = Event.objects.prefetch_related("themes").filter(pk=pk).first()
    if event is None:
        raise Http404(_("This event does not exist or is not visible to you."))
    form = EventForm(request.POST or None, instance=event, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(
                event=event,
                data=form.event_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                themes=form.cleaned_data["themes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("community:event_detail", pk=event.pk)
    return render(request, "community/event_form.html", {"form": form, "event": event})


REGISTRATION_COLUMNS = [
    Column(gettext_lazy("Name"), lambda r: r.name),
    Column(gettext_lazy("E-mail"), lambda r: r.email),
    Column(gettext_lazy("Organisation"), lambda r: r.organization_name),
    Column(gettext_lazy("Status"), lambda r: r.get_status_display()),
    Column(
        gettext_lazy("Attended"),
        lambda r: "" if r.attended is None else (_("yes") if r.attended else _("no")),
    ),
    Column(gettext_lazy("Registered on"), lambda r: timezone.localtime(r.created_at).replace(tzinfo=None)),
]


@access(STAFF)
def attendance_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Registrations of an event and the attendance sheet, usable on a tablet (large tick boxes)."""
    event = _get_event(request, pk)
    require(request, perms.can_take_attendance(request.user, event))
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        rows = Registration.objects.filter(event=event).exclude(status=RegistrationStatus.CANCELLED)
        return export_response(
            rows.order_by("status", "created_at", "pk"),
            REGISTRATION_COLUMNS,
            filename="inscriptions",
            fmt=fmt,
        )
    errors: list[str] = []
    if request.method == "POST":
        raw = request.POST.getlist("present")
        try:
            present = [int(value) for value in raw]
        except ValueError:
            errors.append(
                _("Some ticked people are not confirmed registrations of this event: reload the page.")
            )
        else:
            try:
                count = services.attendance_record(event=event, present_ids=present)
            except ValidationError as error:
                errors.extend(error.messages)
            else:
                messages.success(request, _("Attendance saved: %(count)s present.") % {"count": count})
                return redirect("community:attendance", pk=event.pk)
    registrations = selectors.event_registrations(event)
    confirmed = [r for r in registrations if r.status == RegistrationStatus.CONFIRMED]
    return render(
        request,
        "community/attendance.html",
        {
            "event": event,
            "confirmed": confirmed,
            "waiting": [r for r in registrations if r.status == RegistrationStatus.WAITING],
            "present_count": sum(1 for r in confirmed if r.attended),
            "errors": errors,
        },
    )


# --- Resources -----------------------------------------------------------------------------------


@access(PUBLIC)
def resource_list_view(request: HttpRequest) -> HttpResponse:
    form = ResourceFilterForm(request.GET or None)
    resources = selectors.resource_list(user=request.user, **form.filters())
    return render(
        request,
        "community/resource_list.html",
        {
            "form": form,
            "page": paginate(request, resources),
            "querystring": querystring_without_page(request),
            "can_create": perms.can_create_resource(request.user),
        },
    )


def _get_resource(request: HttpRequest, pk: int) -> Resource:
    try:
        return selectors.resource_detail(user=request.user, pk=pk)
    except Resource.DoesNotExist:
        raise Http404(_("This resource does not exist or is not visible to you.")) from None


@access(PUBLIC)
def resource_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _get_resource(request, pk)
    can_edit = perms.can_edit_resource(request.user, resource)
    solution_visible = False
    if resource.solution_id:
        from maillage.innovation.selectors import solution_visible_to

        solution_visible = solution_visible_to(request.user).filter(pk=resource.solution_id).exists()
    return render(
        request,
        "community/resource_detail.html",
        {
            "resource": resource,
            "can_edit": can_edit,
            "solution_visible": solution_visible,
            "history": history_for(resource) if can_edit else None,
        },
    )


@access(PUBLIC)
def resource_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _get_resource(request, pk)
    if not resource.file:
        raise Http404(_("This resource has no file."))
    try:
        handle = resource.file.storage.open(resource.file.name, "rb")
    except OSError:
        logger.error("Community resource %s: file %s missing from storage", resource.pk, resource.file.name)
        raise Http404(_("The file of this resource is missing; the administrators have been told.")) from None
    extension = resource.filename.rsplit(".", 1)[-1].lower()
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=resource.filename,
        content_type=services.RESOURCE_CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["Cache-Control"] = "private, max-age=0" if not resource.is_public else "public, max-age=300"
    return response


@access(AUTHENTICATED)
def resource_create_view(request: HttpRequest) -> HttpResponse:
    require(request, perms.can_create_resource(request.user))
    form = ResourceForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.resource_data()
        if data.get("author_organization"):
            require(request, perms.can_act_for_organization(request.user, data["author_organization"].pk))
        try:
            resource = services.resource_create(
                data=data,
                created_by=request.user,
                themes=form.cleaned_data["themes"],
                upload=form.cleaned_data.get("upload"),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "file" in error.error_dict:
                error.error_dict["upload"] = error.error_dict.pop("file")
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The resource « %(title)s » was published.") % {"title": resource.title}
            )
            return redirect("community:resource_detail", pk=resource.pk)
    return render(request, "community/resource_form.html", {"form": form, "creating": True})


@access(OWN_ORGANIZATION)
def resource_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    resource = (
        Resource.objects.select_related("author_organization")
        .prefetch_related("themes")
        .filter(pk=pk)
        .first()
    )
    if resource is None:
        raise Http404(_("This resource does not exist or is not visible to you."))
    require(request, perms.can_edit_resource(request.user, resource))
    form = ResourceForm(request.POST or None, request.FILES or None, instance=resource, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.resource_data()
        if data.get("author_organization"):
            require(request, perms.can_act_for_organization(request.user, data["author_organization"].pk))
        try:
            services.resource_update(
                resource=resource,
                data=data,
                expected_version=form.cleaned_data.get("version") or 0,
                themes=form.cleaned_data["themes"],
                upload=form.cleaned_data.get("upload"),
                remove_file=form.cleaned_data.get("remove_file", False),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "file" in error.error_dict:
                error.error_dict["upload"] = error.error_dict.pop("file")
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("community:resource_detail", pk=resource.pk)
    return render(request, "community/resource_form.html", {"form": form, "resource": resource})
