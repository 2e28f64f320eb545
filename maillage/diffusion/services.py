"""Writes of the diffusion app. E-mails only go to the outbox (``message_enqueue``), inside the
transaction of the change, with a dedupe key: a double click or a retry never sends twice."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core.concurrency import save_versioned
from maillage.core.links import absolute_url, site_url
from maillage.diffusion import selectors
from maillage.diffusion.models import (
    Achievement,
    Audience,
    Newsletter,
    NewsletterSection,
    NewsletterStatus,
    Subscriber,
    new_token,
)
from maillage.diffusion.tokens import confirm_token, unsubscribe_token
from maillage.meetings.models import SessionStatus
from maillage.outbox.services import message_enqueue
from maillage.people.models import Person

CATEGORY_NEWSLETTER = "newsletter"
CATEGORY_SUBSCRIPTION = "newsletter_subscription"
ACHIEVEMENT_FIELDS = ("title", "summary", "body", "date", "agreement", "cooperation", "is_published")
ACHIEVEMENT_M2M = ("themes", "communes", "organizations")
AUDIENCE_FIELDS = (
    "name",
    "description",
    "roles",
    "organization_kinds",
    "include_people",
    "include_subscribers",
)
NEWSLETTER_FIELDS = ("title", "intro", "audience")
# A pending subscriber asking again within this delay gets no new confirmation e-mail.
RESEND_AFTER = dt.timedelta(hours=1)


# --- Achievements ----------------------------------------------------------------------------------


def _apply_achievement(achievement: Achievement, data: dict[str, Any]) -> None:
    for key in ACHIEVEMENT_FIELDS:
        if key in data:
            setattr(achievement, key, data[key])
    if achievement.is_published and achievement.published_at is None:
        achievement.published_at = timezone.now()
    achievement.full_clean()


def _set_m2m(instance: Any, data: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in data and data[name] is not None:
            getattr(instance, name).set(data[name])


@transaction.atomic
def achievement_create(*, data: dict[str, Any]) -> Achievement:
    achievement = Achievement()
    _apply_achievement(achievement, data)
    achievement.save()
    _set_m2m(achievement, data, ACHIEVEMENT_M2M)
    return achievement


@transaction.atomic
def achievement_update(
    *, achievement: Achievement, data: dict[str, Any], expected_version: int
) -> Achievement:
    _apply_achievement(achievement, data)
    save_versioned(achievement, expected_version=expected_version)
    _set_m2m(achievement, data, ACHIEVEMENT_M2M)
    return achievement


# --- Audiences -------------------------------------------------------------------------------------


@transaction.atomic
def audience_save(*, audience: Audience | None = None, data: dict[str, Any]) -> Audience:
    audience = audience or Audience()
    for key in AUDIENCE_FIELDS:
        if key in data:
            setattr(audience, key, list(data[key]) if key in ("roles", "organization_kinds") else data[key])
    audience.full_clean()
    audience.save()
    _set_m2m(audience, data, ("territories", "themes", "bodies"))
    return audience


# --- Newsletters -----------------------------------------------------------------------------------


def _check_editable(newsletter: Newsletter) -> None:
    if newsletter.status == NewsletterStatus.SENT:
        raise ValidationError(_("This newsletter was sent: it can no longer be changed."))
    if newsletter.status == NewsletterStatus.SENDING:
        raise ValidationError(_("This newsletter is being sent: it can no longer be changed."))


@transaction.atomic
def newsletter_save(
    *,
    newsletter: Newsletter | None = None,
    data: dict[str, Any],
    sections: list[dict[str, Any]] | None = None,
    expected_version: int | None = None,
) -> Newsletter:
    """Create or update a draft; ``sections`` (heading, body), when given, replace the existing ones."""
    creating = newsletter is None
    newsletter = newsletter or Newsletter()
    _check_editable(newsletter)
    for key in NEWSLETTER_FIELDS:
        if key in data:
            setattr(newsletter, key, data[key])
    newsletter.full_clean()
    if creating:
        newsletter.save()
    else:
        save_versioned(newsletter, expected_version=expected_version or 0)
    _set_m2m(newsletter, data, ("agreements", "achievements", "sessions", "solutions"))
    if sections is not None:
        newsletter.sections.all().delete()
        NewsletterSection.objects.bulk_create(
            NewsletterSection(newsletter=newsletter, order=index, heading=s["heading"], body=s["body"])
            for index, s in enumerate(sections)
        )
    return newsletter


@transaction.atomic
def newsletter_schedule(
    *, newsletter: Newsletter, when: dt.datetime, now: dt.datetime | None = None
) -> Newsletter:
    newsletter = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    _check_editable(newsletter)
    if newsletter.audience_id is None:
        raise ValidationError(_("Choose an audience before scheduling."))
    if when <= (now or timezone.now()):
        raise ValidationError({"scheduled_for": _("The sending date must be in the future.")})
    newsletter.status = NewsletterStatus.SCHEDULED
    newsletter.scheduled_for = when
    newsletter.save(update_fields=["status", "scheduled_for", "updated_at"])
    return newsletter


@transaction.atomic
def newsletter_unschedule(*, newsletter: Newsletter) -> Newsletter:
    newsletter = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    if newsletter.status == NewsletterStatus.SCHEDULED:
        newsletter.status = NewsletterStatus.DRAFT
        newsletter.scheduled_for = None
        newsletter.save(update_fields=["status", "scheduled_for", "updated_at"])
    return newsletter


def newsletter_render(
    newsletter: Newsletter, *, name: str = "", unsubscribe_url: str = "", preferences_url: str = ""
) -> tuple[str, str]:
    """(text, HTML) of the e-mail. Uses the prefetched items of ``newsletter`` when present."""
    context = {
        "newsletter": newsletter,
        "sections": list(newsletter.sections.all()),
        "achievements": [
            (a, absolute_url(reverse("diffusion:achievement_detail", kwargs={"pk": a.pk})))
            for a in newsletter.achievements.all()
            if a.is_published
        ],
        "agreements": [a for a in newsletter.agreements.all() if a.is_public],
        "sessions": [
            (session, absolute_url(reverse("meetings:session_detail", kwargs={"pk": session.pk})))
            for session in newsletter.sessions.all()
            if session.body.is_public and session.status != SessionStatus.CANCELLED
        ],
        "solutions": [
            (solution, absolute_url(reverse("innovation:solution_detail", kwargs={"pk": solution.pk})))
            for solution in newsletter.solutions.all()
            if solution.is_public
        ],
        "name": name,
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": preferences_url,
        "archive_url": absolute_url(reverse("diffusion:archive_detail", kwargs={"pk": newsletter.pk}))
        if newsletter.pk
        else "",
        "site_url": site_url(),
    }
    text = render_to_string("diffusion/email/newsletter.txt", context)
    html = render_to_string("diffusion/email/newsletter.html", context)
    return text, html


def unsubscribe_headers(unsubscribe_url: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: one-click unsubscribe by HTTPS POST (plus mailto if configured)."""
    value = f"<{unsubscribe_url}>"
    if mailto := getattr(settings, "NEWSLETTER_UNSUBSCRIBE_MAILTO", ""):
        value += f", <mailto:{mailto}?subject=unsubscribe>"
    return {"List-Unsubscribe": value, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _dedupe_key(newsletter: Newsletter, email: str) -> str:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]
    return f"diffusion:newsletter:{newsletter.pk}:{digest}"


@transaction.atomic
def newsletter_send(*, newsletter: Newsletter, user: Any = None) -> int:
    """Enqueue one personalised message per recipient and mark the newsletter sent.

    The row lock and the status check make a second call (double click, retry, the scheduler
    racing a person) a no-op; the per-recipient dedupe key makes any overlap harmless anyway.
    Returns the number of recipients.
    """
    locked = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    if locked.status == NewsletterStatus.SENT:
        return 0
    if locked.audience_id is None:
        raise ValidationError(_("Choose an audience before sending."))
    newsletter = selectors.newsletter_with_items(pk=locked.pk)
    count = 0
    for recipient in selectors.audience_recipients(newsletter.audience):
        token = unsubscribe_token(recipient.email)
        unsubscribe_url = absolute_url(reverse("diffusion:unsubscribe", kwargs={"token": token}))
        preferences_url = absolute_url(reverse("diffusion:preferences", kwargs={"token": token}))
        text, html = newsletter_render(
            newsletter, name=recipient.name, unsubscribe_url=unsubscribe_url, preferences_url=preferences_url
        )
        message_enqueue(
            to=recipient.email,
            subject=newsletter.title,
            body_text=text,
            body_html=html,
            category=CATEGORY_NEWSLETTER,
            headers=unsubscribe_headers(unsubscribe_url),
            dedupe_key=_dedupe_key(newsletter, recipient.email),
        )
        count += 1
    Newsletter.objects.filter(pk=newsletter.pk).update(
        status=NewsletterStatus.SENT,
        sent_at=timezone.now(),
        sent_by=user if user is not None and user.is_authenticated else locked.sent_by,
        recipient_count=count,
        version=F("version") + 1,
    )
    return count


@transaction.atomic
def newsletter_send_start(*, newsletter: Newsletter, user: Any = None) -> int:
    """ "Send now": mark the newsletter as being sent and hand it to the worker, so that a send to
    thousands of recipients never runs in the request. Returns the expected number of recipients.

    If the task were lost, the periodic job (``newsletters_send_due``) picks the newsletter up.
    """
    from maillage.diffusion.tasks import send_newsletter

    locked = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    _check_editable(locked)
    if locked.audience_id is None:
        raise ValidationError(_("Choose an audience before sending."))
    locked.status = NewsletterStatus.SENDING
    locked.scheduled_for = None
    locked.sent_by = user if user is not None and user.is_authenticated else None
    locked.save(update_fields=["status", "scheduled_for", "sent_by", "updated_at"])
    transaction.on_commit(lambda: send_newsletter.enqueue(locked.pk))
    return selectors.audience_count(locked.audience)


def newsletters_send_due(*, now: dt.datetime | None = None) -> list[int]:
    """Send the newsletters whose time has come, and any whose "send now" task was lost
    (run by the periodic task)."""
    now = now or timezone.now()
    due = Newsletter.objects.filter(
        Q(status=NewsletterStatus.SCHEDULED, scheduled_for__lte=now) | Q(status=NewsletterStatus.SENDING)
    )
    sent = []
    for newsletter in due:
        newsletter_send(newsletter=newsletter)
        sent.append(newsletter.pk)
    return sent


# --- Subscriptions ---------------------------------------------------------------------------------


@transaction.atomic
def subscription_request(*, email: str, themes: list[Any] | None = None) -> Subscriber | None:
    """Record a pending subscription and enqueue the confirmation e-mail (double opt-in).

    An address already confirmed gets nothing (and the page says the same thing whatever the
    case, so the form does not reveal who subscribed). Returns the pending subscriber, if any.
    """
    email = email.strip().lower()
    subscriber, created = Subscriber.objects.select_for_update().get_or_create(email=email)
    if not created and subscriber.is_active:
        return None
    # Pending and asked a moment ago (double click, impatience): the same link, so the dedupe key
    # below enqueues nothing new; this also caps the confirmations sent to any one address.
    # Otherwise (a former subscriber, or a stale request) a new link: older ones stop working.
    just_asked = subscriber.confirmed_at is None and timezone.now() - subscriber.updated_at < RESEND_AFTER
    if not created and not just_asked:
        subscriber.token = new_token()
        subscriber.confirmed_at = None
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["token", "confirmed_at", "unsubscribed_at", "updated_at"])
    if themes is not None:
        subscriber.themes.set(themes)
    link = absolute_url(reverse("diffusion:subscribe_confirm", kwargs={"token": confirm_token(subscriber)}))
    context = {"link": link, "days": 7, "site_url": site_url()}
    message_enqueue(
        to=subscriber.email,
        subject=_("Confirm your subscription to the newsletter"),
        body_text=render_to_string("diffusion/email/confirm.txt", context),
        category=CATEGORY_SUBSCRIPTION,
        dedupe_key=f"diffusion:confirm:{subscriber.pk}:{subscriber.token}",
    )
    return subscriber


@transaction.atomic
def subscription_confirm(*, subscriber: Subscriber) -> Subscriber:
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["confirmed_at", "unsubscribed_at", "updated_at"])
    return subscriber


@transaction.atomic
def unsubscribe_address(*, email: str) -> int:
    """Stop every newsletter to this address: people's consent withdrawn, subscriber unsubscribed.

    Returns how many records changed (0 when already unsubscribed: the operation is idempotent)."""
    changed = 0
    for person in Person.objects.select_for_update().filter(email__iexact=email, newsletter_consent=True):
        person.newsletter_consent = False
        person.newsletter_consent_at = None
        person.version += 1  # an edit form opened before is refused rather than re-consenting
        person.save(update_fields=["newsletter_consent", "newsletter_consent_at", "version", "updated_at"])
        changed += 1
    changed += Subscriber.objects.filter(email__iexact=email, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now()
    )
    return changed


@transaction.atomic
def subscriber_preferences_update(*, subscriber: Subscriber, themes: list[Any]) -> Subscriber:
    subscriber.themes.set(themes)
    return subscriber


@transaction.atomic
def subscribers_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the subscriptions never confirmed, or unsubscribed, more than SUBSCRIBER_RETENTION_DAYS
    ago: an address is kept only while it is used with consent."""
    limit = (now or timezone.now()) - dt.timedelta(days=settings.SUBSCRIBER_RETENTION_DAYS)
    stale = Subscriber.objects.filter(
        Q(confirmed_at__isnull=True, updated_at__lt=limit) | Q(unsubscribed_at__lt=limit)
    )
    deleted, _details = stale.delete()
    return deleted
