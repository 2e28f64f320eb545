from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt

from maillage.core.access import PUBLIC, STAFF, access
from maillage.core.forms import add_service_errors
from maillage.core.paging import paginate, querystring_without_page
from maillage.diffusion import perms, selectors, services
from maillage.diffusion.forms import (
    AchievementForm,
    AudienceForm,
    NewsletterForm,
    PreferencesForm,
    ScheduleForm,
    SectionFormSet,
    SubscribeForm,
)
from maillage.diffusion.models import Achievement, Audience, Newsletter, NewsletterStatus, Subscriber
from maillage.diffusion.tokens import InvalidLink, email_for_token, subscriber_for_confirm

# --- Achievements (public pages, staff editing) ----------------------------------------------------


@access(PUBLIC)
def achievement_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "diffusion/achievement_list.html",
        {
            "page": paginate(request, selectors.achievement_list(user=request.user)),
            "querystring": querystring_without_page(request),
            "can_edit": perms.can_edit_diffusion(request.user),
        },
    )


@access(PUBLIC)
def achievement_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        achievement = selectors.achievement_detail(pk=pk, user=request.user)
    except Achievement.DoesNotExist:
        raise Http404(_("This achievement does not exist or is not published.")) from None
    return render(
        request,
        "diffusion/achievement_detail.html",
        {"achievement": achievement, "can_edit": perms.can_edit_diffusion(request.user)},
    )


def _achievement_form(request: HttpRequest, achievement: Achievement | None) -> HttpResponse:
    form = AchievementForm(request.POST or None, instance=achievement)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if achievement is None:
                achievement = services.achievement_create(data=data)
            else:
                services.achievement_update(
                    achievement=achievement, data=data, expected_version=data.get("version") or 0
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Achievement saved."))
            return redirect("diffusion:achievement_detail", pk=achievement.pk)
    return render(request, "diffusion/achievement_form.html", {"form": form, "achievement": achievement})


@access(STAFF)
def achievement_create_view(request: HttpRequest) -> HttpResponse:
    return _achievement_form(request, None)


@access(STAFF)
def achievement_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _achievement_form(request, get_object_or_404(Achievement, pk=pk))


# --- Audiences (staff) -----------------------------------------------------------------------------


@access(STAFF)
def audience_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "diffusion/audience_list.html",
        {
            "page": paginate(request, selectors.audience_list()),
            "querystring": querystring_without_page(request),
        },
    )


def _audience_form(request: HttpRequest, audience: Audience | None) -> HttpResponse:
    form = AudienceForm(request.POST or None, instance=audience)
    if request.method == "POST" and form.is_valid():
        try:
            audience = services.audience_save(audience=audience, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Audience saved."))
            return redirect("diffusion:audience_update", pk=audience.pk)
    count = selectors.audience_count(audience) if audience is not None else None
    return render(
        request,
        "diffusion/audience_form.html",
        {"form": form, "audience": audience, "recipient_count": count},
    )


@access(STAFF)
def audience_create_view(request: HttpRequest) -> HttpResponse:
    return _audience_form(request, None)


@access(STAFF)
def audience_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _audience_form(request, get_object_or_404(Audience, pk=pk))


# --- Newsletters (staff editor) --------------------------------------------------------------------


@access(STAFF)
def newsletter_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "diffusion/newsletter_list.html",
        {
            "page": paginate(request, selectors.newsletter_list()),
            "querystring": querystring_without_page(request),
        },
    )


def _newsletter_form(request: HttpRequest, newsletter: Newsletter | None) -> HttpResponse:
    if newsletter is not None and newsletter.status == NewsletterStatus.SENT:
        messages.info(request, _("This newsletter was sent: it can no longer be changed."))
        return redirect("diffusion:newsletter_preview", pk=newsletter.pk)
    form = NewsletterForm(request.POST or None, instance=newsletter)
    initial = (
        [{"heading": s.heading, "body": s.body} for s in newsletter.sections.all()] if newsletter else []
    )
    sections = SectionFormSet(request.POST or None, initial=initial, prefix="sections")
    if request.method == "POST" and form.is_valid() and sections.is_valid():
        kept = [
            {"heading": f.cleaned_data["heading"], "body": f.cleaned_data["body"]}
            for f in sections.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            newsletter = services.newsletter_save(
                newsletter=newsletter,
                data=form.cleaned_data,
                sections=kept,
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Newsletter saved."))
            return redirect("diffusion:newsletter_preview", pk=newsletter.pk)
    return render(
        request,
        "diffusion/newsletter_form.html",
        {"form": form, "sections": sections, "newsletter": newsletter},
    )


@access(STAFF)
def newsletter_create_view(request: HttpRequest) -> HttpResponse:
    return _newsletter_form(request, None)


@access(STAFF)
def newsletter_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _newsletter_form(request, get_object_or_404(Newsletter, pk=pk))


def _newsletter(pk: int, *, sent_only: bool = False) -> Newsletter:
    try:
        return selectors.newsletter_with_items(pk=pk, sent_only=sent_only)
    except Newsletter.DoesNotExist:
        raise Http404(_("This newsletter does not exist.")) from None


@access(STAFF)
def newsletter_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    newsletter = _newsletter(pk)
    _text, html = services.newsletter_render(newsletter, name=_("First name Last name"), unsubscribe_url="#")
    return render(
        request,
        "diffusion/newsletter_preview.html",
        {
            "newsletter": newsletter,
            "email_html": html,
            "email_text": _text,
            "recipient_count": selectors.audience_count(newsletter.audience) if newsletter.audience else None,
        },
    )


@access(STAFF)
def newsletter_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the recipient count and the choices; POST action=send | schedule | unschedule."""
    newsletter = _newsletter(pk)
    schedule_form = ScheduleForm(
        request.POST if request.POST.get("action") == "schedule" else None,
        initial={"scheduled_for": newsletter.scheduled_for},
    )
    if request.method == "POST" and newsletter.status not in (
        NewsletterStatus.SENT,
        NewsletterStatus.SENDING,
    ):
        action = request.POST.get("action")
        try:
            if action == "send":
                count = services.newsletter_send_start(newsletter=newsletter, user=request.user)
                messages.success(
                    request,
                    ngettext(
                        "Sending started for %(count)s recipient: the messages leave through the outbox.",
                        "Sending started for %(count)s recipients: the messages leave through the outbox.",
                        count,
                    )
                    % {"count": count},
                )
                return redirect("diffusion:newsletter_list")
            if action == "unschedule":
                services.newsletter_unschedule(newsletter=newsletter)
                messages.success(request, _("Scheduling cancelled: the newsletter is a draft again."))
                return redirect("diffusion:newsletter_send", pk=newsletter.pk)
            if action == "schedule" and schedule_form.is_valid():
                services.newsletter_schedule(
                    newsletter=newsletter, when=schedule_form.cleaned_data["scheduled_for"]
                )
                messages.success(request, _("Newsletter scheduled."))
                return redirect("diffusion:newsletter_list")
        except ValidationError as error:
            add_service_errors(schedule_form, error)
    return render(
        request,
        "diffusion/newsletter_send.html",
        {
            "newsletter": newsletter,
            "schedule_form": schedule_form,
            "recipient_count": selectors.audience_count(newsletter.audience) if newsletter.audience else None,
        },
    )


# --- Public archive ---------------------------------------------------------------------------------


@access(PUBLIC)
def archive_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "diffusion/archive.html",
        {
            "page": paginate(request, selectors.newsletter_archive()),
            "querystring": querystring_without_page(request),
        },
    )


@access(PUBLIC)
def archive_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    newsletter = _newsletter(pk, sent_only=True)
    _text, html = services.newsletter_render(newsletter)
    return render(request, "diffusion/archive_detail.html", {"newsletter": newsletter, "email_html": html})


# --- Subscription, unsubscription, preferences (public, by signed link) ------------------------------


def _invalid_link(request: HttpRequest, error: InvalidLink) -> HttpResponse:
    return render(request, "diffusion/invalid_link.html", {"expired": error.expired}, status=400)


@access(PUBLIC)
def subscribe_view(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.subscription_request(email=form.cleaned_data["email"], themes=form.cleaned_data["themes"])
        return render(request, "diffusion/subscribe_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "diffusion/subscribe.html", {"form": form})


@access(PUBLIC)
def subscribe_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners prefetch GETs and must not confirm); POST confirms."""
    try:
        subscriber = subscriber_for_confirm(token)
    except InvalidLink as error:
        return _invalid_link(request, error)
    if request.method == "POST":
        subscriber = services.subscription_confirm(subscriber=subscriber)
        return render(request, "diffusion/subscribe_confirm.html", {"subscriber": subscriber, "done": True})
    return render(request, "diffusion/subscribe_confirm.html", {"subscriber": subscriber, "done": False})


@csrf_exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no cookie nor token.
@access(PUBLIC)
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirm button; POST (from that button or the mail client) unsubscribes at once.

    Without CSRF protection, a forged POST could only do what the signed token allows anyway:
    unsubscribe the address it names."""
    try:
        email = email_for_token(token)
    except InvalidLink as error:
        return _invalid_link(request, error)
    if request.method == "POST":
        services.unsubscribe_address(email=email)
        return render(request, "diffusion/unsubscribe.html", {"email": email, "done": True, "token": token})
    return render(request, "diffusion/unsubscribe.html", {"email": email, "done": False, "token": token})


@access(PUBLIC)
def preferences_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        email = email_for_token(token)
    except InvalidLink as error:
        return _invalid_link(request, error)
    subscriber = Subscriber.objects.filter(email__iexact=email).prefetch_related("themes").first()
    active = subscriber is not None and subscriber.is_active
    form = PreferencesForm(
        request.POST or None, initial={"themes": list(subscriber.themes.all()) if subscriber else []}
    )
    if request.method == "POST" and active and form.is_valid():
        services.subscriber_preferences_update(subscriber=subscriber, themes=form.cleaned_data["themes"])
        messages.success(request, _("Your preferences were saved."))
        return redirect("diffusion:preferences", token=token)
    return render(
        request,
        "diffusion/preferences.html",
        {"email": email, "subscriber": subscriber if active else None, "form": form, "token": token},
    )
