"""The persistent outbox: every e-mail Maillage sends is a row first, then a delivery.

Writing the row in the same transaction as the business change means nothing is lost if the
worker or the SMTP server stops; the sender claims rows, sends, and records each outcome. See
sender.py for the precise guarantee: at-least-once, with at most one duplicate per worker crash,
recognisable by its stable Message-ID.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DEFERRED = "deferred", _("Deferred (will retry)")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Not sent (address suppressed)")


class OutboxMessage(models.Model):
    category = models.CharField(_("category"), max_length=40, db_index=True)
    dedupe_key = models.CharField(
        max_length=200, unique=True, null=True, blank=True, help_text="Same key, same message: enqueued once."
    )
    to = models.EmailField(_("recipient"), db_index=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    # [{"filename": ..., "content_type": ..., "content": base64 str}]
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=250, unique=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [models.Index(fields=["status", "next_attempt_at", "id"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.to} – {self.subject}"


class SuppressedAddress(models.Model):
    """Addresses that hard-bounced or complained: never written to again."""

    email = models.EmailField(_("address"), unique=True)
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")

    def __str__(self) -> str:
        return self.email
