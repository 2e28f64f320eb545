from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimeStamped, Versioned
from maillage.core.text import normalize


class InteractionKind(models.TextChoices):
    CALL = "call", _("Phone call")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("Email")
    VISIT = "visit", _("Visit")


class Interaction(TimeStamped, Versioned):
    """A contact with organisations and people: who talked to whom, when, about what."""

    kind = models.CharField(_("kind"), max_length=20, choices=InteractionKind.choices)
    date = models.DateField(_("date"), db_index=True)
    subject = models.CharField(_("subject"), max_length=250)
    search_text = models.CharField(max_length=250, db_index=True, editable=False, default="")
    notes = models.TextField(_("notes"), blank=True)
    organizations = models.ManyToManyField(
        "organizations.Organization", verbose_name=_("organisations"), related_name="interactions"
    )
    people = models.ManyToManyField(
        "people.Person", verbose_name=_("people"), blank=True, related_name="interactions"
    )
    themes = models.ManyToManyField("themes.Theme", verbose_name=_("themes"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [models.Index(fields=["-date", "-id"], name="interaction_recent_first")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} – {self.subject}"

    def save(self, *args, **kwargs) -> None:
        # Derived search column: every write path (services, admin, demo) goes through save().
        self.search_text = normalize(self.subject)[:250]
        super().save(*args, **kwargs)


class FollowUpAction(TimeStamped):
    interaction = models.ForeignKey(
        Interaction, verbose_name=_("interaction"), on_delete=models.CASCADE, related_name="actions"
    )
    description = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="follow_up_actions",
    )
    due_date = models.DateField(_("due date"), db_index=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        indexes = [models.Index(fields=["owner", "done_at", "due_date"])]

    def __str__(self) -> str:
        return self.description

    @property
    def done(self) -> bool:
        return self.done_at is not None
