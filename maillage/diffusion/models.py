"""Diffusion: achievements (réalisations), audiences, newsletters and public subscribers.

A newsletter is composed by staff from recent items (public conventions in force, published
achievements) and sent to an Audience: people who consented, plus public subscribers who
confirmed by double opt-in. Sending only enqueues messages in the outbox.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from maillage.core.models import TimeStamped, Versioned


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Achievement(TimeStamped, Versioned):
    """A réalisation: something the cooperation produced, published on the site and in the feeds."""

    title = models.CharField(_("title"), max_length=250)
    summary = models.CharField(_("summary"), max_length=500)
    body = models.TextField(_("text"), blank=True)
    date = models.DateField(_("date"), db_index=True)
    themes = models.ManyToManyField("themes.Theme", verbose_name=_("themes"), blank=True)
    communes = models.ManyToManyField(
        "territories.Commune", verbose_name=_("communes concerned"), blank=True, related_name="+"
    )
    organizations = models.ManyToManyField(
        "organizations.Organization", verbose_name=_("organisations concerned"), blank=True, related_name="+"
    )
    agreement = models.ForeignKey(
        "agreements.Agreement",
        verbose_name=_("convention"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="achievements",
    )
    cooperation = models.ForeignKey(
        "cooperation.Cooperation",
        verbose_name=_("cooperation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="achievements",
    )
    is_published = models.BooleanField(_("published"), default=False, db_index=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")
        indexes = [models.Index(fields=["is_published", "date", "id"])]

    def __str__(self) -> str:
        return self.title


class Audience(TimeStamped):
    """A saved segment. Empty filters mean "everyone who consented"."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    roles = models.JSONField(_("current position roles"), default=list, blank=True)
    organization_kinds = models.JSONField(_("organisation kinds"), default=list, blank=True)
    territories = models.ManyToManyField(
        "territories.Territory", verbose_name=_("territories"), blank=True, related_name="+"
    )
    themes = models.ManyToManyField("themes.Theme", verbose_name=_("themes"), blank=True, related_name="+")
    bodies = models.ManyToManyField(
        "meetings.Body",
        verbose_name=_("members of the bodies"),
        blank=True,
        related_name="+",
        help_text=_("Members and substitutes of these bodies, as the directory stands on the sending day."),
    )
    include_people = models.BooleanField(_("include people of the directory who consented"), default=True)
    include_subscribers = models.BooleanField(_("include public subscribers"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self) -> str:
        return self.name


class Subscriber(TimeStamped):
    """A member of the public who subscribed on the site (double opt-in)."""

    email = models.EmailField(_("email"), unique=True)
    themes = models.ManyToManyField("themes.Theme", verbose_name=_("themes"), blank=True, related_name="+")
    # Random part of the confirmation link: renewed at each request, so older links stop working.
    token = models.CharField(max_length=64, default=new_token, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")

    def __str__(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class NewsletterStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Being sent")
    SENT = "sent", pgettext_lazy("newsletter", "Sent")


class Newsletter(TimeStamped, Versioned):
    title = models.CharField(_("title"), max_length=250)
    intro = models.TextField(_("introduction"), blank=True)
    audience = models.ForeignKey(
        Audience,
        verbose_name=_("audience"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="newsletters",
    )
    agreements = models.ManyToManyField(
        "agreements.Agreement", verbose_name=_("signed conventions"), blank=True, related_name="+"
    )
    achievements = models.ManyToManyField(
        Achievement, verbose_name=_("achievements"), blank=True, related_name="newsletters"
    )
    sessions = models.ManyToManyField(
        "meetings.MeetingSession", verbose_name=_("upcoming meetings"), blank=True, related_name="+"
    )
    solutions = models.ManyToManyField(
        "innovation.Solution", verbose_name=_("innovative solutions"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=NewsletterStatus.choices, default=NewsletterStatus.DRAFT
    )
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, db_index=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("newsletter")
        verbose_name_plural = _("newsletters")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(scheduled_for__isnull=False),
                name="newsletter_scheduled_has_date",
                violation_error_message=_("A scheduled newsletter needs a sending date."),
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="newsletter_sent_has_date",
                violation_error_message=_("A sent newsletter needs its sending date."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NewsletterSection(models.Model):
    newsletter = models.ForeignKey(
        Newsletter, verbose_name=_("newsletter"), on_delete=models.CASCADE, related_name="sections"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    heading = models.CharField(_("heading"), max_length=250)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self) -> str:
        return self.heading
