"""Common topics (sujets communs) and the cooperations they turn into."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimeStamped, Versioned, dates_ordered


class TopicStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    STUDYING = "studying", _("Under study")
    RETAINED = "retained", _("Retained")
    CONVERTED = "converted", _("Turned into a cooperation")
    DISMISSED = "dismissed", _("Dismissed")


# Allowed moves of a topic; anything else is refused with a message.
TOPIC_TRANSITIONS: dict[str, set[str]] = {
    TopicStatus.PROPOSED: {TopicStatus.STUDYING, TopicStatus.DISMISSED},
    TopicStatus.STUDYING: {TopicStatus.RETAINED, TopicStatus.DISMISSED},
    TopicStatus.RETAINED: {TopicStatus.CONVERTED, TopicStatus.DISMISSED},
    TopicStatus.CONVERTED: set(),
    TopicStatus.DISMISSED: {TopicStatus.PROPOSED},
}


class CommonTopic(TimeStamped, Versioned):
    title = models.CharField(_("title"), max_length=250)
    search_text = models.CharField(max_length=250, db_index=True, editable=False, default="")
    description = models.TextField(_("description"))
    themes = models.ManyToManyField("themes.Theme", verbose_name=_("themes"), blank=True)
    proposer = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("proposing organisation"),
        on_delete=models.PROTECT,
        related_name="proposed_topics",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), null=True, on_delete=models.SET_NULL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TopicStatus.choices, default=TopicStatus.PROPOSED
    )
    dismissal_reason = models.TextField(_("reason for dismissal"), blank=True)
    cooperation = models.ForeignKey(
        "cooperation.Cooperation",
        verbose_name=_("resulting cooperation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_topics",
    )
    # Denormalised counters, kept by the interest services, so lists sort in SQL at any volume.
    support_count = models.PositiveIntegerField(_("supporting organisations"), default=0, db_index=True)
    territory_count = models.PositiveIntegerField(_("distinct territories"), default=0, db_index=True)

    class Meta:
        ordering = ["-support_count", "-created_at"]
        verbose_name = _("common topic")
        verbose_name_plural = _("common topics")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(dismissal_reason=""),
                name="topic_dismissal_has_reason",
                violation_error_message=_("Give the reason why the topic is dismissed."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class TopicInterest(TimeStamped):
    """An organisation declares its interest in a topic."""

    topic = models.ForeignKey(CommonTopic, on_delete=models.CASCADE, related_name="interests")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="topic_interests",
    )
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("interest")
        verbose_name_plural = _("interests")
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "organization"],
                name="topic_interest_once",
                violation_error_message=_("This organisation has already declared its interest."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} → {self.topic}"


class CooperationStatus(models.TextChoices):
    PREPARING = "preparing", _("In preparation")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    ABANDONED = "abandoned", _("Abandoned")


class Cooperation(TimeStamped, Versioned):
    """A thematic cooperation or joint project between organisations."""

    title = models.CharField(_("title"), max_length=250)
    search_text = models.CharField(max_length=250, db_index=True, editable=False, default="")
    description = models.TextField(_("description"), blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    themes = models.ManyToManyField("themes.Theme", verbose_name=_("themes"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CooperationStatus.choices, default=CooperationStatus.PREPARING
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("cooperation")
        verbose_name_plural = _("cooperations")
        constraints = [
            dates_ordered(
                "cooperation_dates_ordered", message=_("The end date must come after the start date.")
            )
        ]

    def __str__(self) -> str:
        return self.title


class ParticipantRole(models.TextChoices):
    PILOT = "pilot", _("Pilot")
    PARTNER = "partner", _("Partner")
    FUNDER = "funder", _("Funder")
    BENEFICIARY = "beneficiary", _("Beneficiary")


class CooperationParticipant(TimeStamped):
    cooperation = models.ForeignKey(Cooperation, on_delete=models.CASCADE, related_name="participants")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="cooperations",
    )
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)

    class Meta:
        ordering = ["role", "organization__name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperation", "organization", "role"],
                name="cooperation_participant_once",
                violation_error_message=_("This organisation already has this role in the cooperation."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_role_display()})"


class Milestone(TimeStamped):
    cooperation = models.ForeignKey(Cooperation, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=250)
    due_date = models.DateField(_("due date"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title
