"""Conventions (Agreement): the register, parties, money, dates, lifecycle, amendments, obligations, documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimeStamped, Versioned


class AgreementKind(TimeStamped):
    """Kinds of convention: an editable list (seeded with the usual six)."""

    slug = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_financial = models.BooleanField(
        _("financial (subsidy)"), default=False, help_text=_("Exported as subsidies in the SCDL format.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("kind of agreement")
        verbose_name_plural = _("kinds of agreement")

    def __str__(self) -> str:
        return self.name


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    NEGOTIATION = "negotiation", _("In negotiation")
    LEGAL_REVIEW = "legal_review", _("Legal review")
    DELIBERATION = "deliberation", _("Deliberation")
    SIGNATURE = "signature", _("Signature")
    IN_FORCE = "in_force", _("In force")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")
    RENEWED = "renewed", _("Renewed")


# The lifecycle: from each status, the statuses it may move to. Everything else is refused.
AGREEMENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    AgreementStatus.DRAFT: (AgreementStatus.NEGOTIATION,),
    AgreementStatus.NEGOTIATION: (AgreementStatus.LEGAL_REVIEW, AgreementStatus.DRAFT),
    AgreementStatus.LEGAL_REVIEW: (AgreementStatus.DELIBERATION, AgreementStatus.NEGOTIATION),
    AgreementStatus.DELIBERATION: (AgreementStatus.SIGNATURE, AgreementStatus.LEGAL_REVIEW),
    AgreementStatus.SIGNATURE: (AgreementStatus.IN_FORCE, AgreementStatus.DELIBERATION),
    AgreementStatus.IN_FORCE: (AgreementStatus.EXPIRED, AgreementStatus.TERMINATED, AgreementStatus.RENEWED),
    AgreementStatus.EXPIRED: (),
    AgreementStatus.TERMINATED: (),
    # A renewed convention runs on for a new period: it may expire, be terminated or renew again.
    AgreementStatus.RENEWED: (AgreementStatus.EXPIRED, AgreementStatus.TERMINATED, AgreementStatus.RENEWED),
}
# Conventions currently producing effects (maps, counts, deadlines, amendments).
ACTIVE_STATUSES = (AgreementStatus.IN_FORCE, AgreementStatus.RENEWED)


class Agreement(TimeStamped, Versioned):
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=250)
    search_text = models.CharField(max_length=400, db_index=True, editable=False, default="")
    purpose = models.TextField(_("purpose"))
    kind = models.ForeignKey(
        AgreementKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="agreements"
    )
    themes = models.ManyToManyField("themes.Theme", verbose_name=_("themes"), blank=True)
    cooperation = models.ForeignKey(
        "cooperation.Cooperation",
        verbose_name=_("cooperation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agreements",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_agreements",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AgreementStatus.choices,
        default=AgreementStatus.DRAFT,
        db_index=True,
    )
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Visible to everyone once signed.")
    )
    clauses = models.TextField(_("specific clauses"), blank=True)
    signed_on = models.DateField(_("signature date"), null=True, blank=True)
    effective_on = models.DateField(_("effective date"), null=True, blank=True)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True, db_index=True)
    duration_months = models.PositiveIntegerField(_("duration (months)"), null=True, blank=True)
    tacit_renewal = models.BooleanField(_("tacit renewal"), default=False)
    renewal_period_months = models.PositiveIntegerField(_("renewal period (months)"), null=True, blank=True)
    notice_days = models.PositiveIntegerField(_("notice period (days)"), null=True, blank=True)
    # Denormalised from commitments by the services: the register filters and sorts on it in SQL.
    total_amount = models.DecimalField(_("total amount (€)"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        indexes = [models.Index(fields=["status", "expires_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(effective_on__isnull=True)
                | Q(expires_on__gt=F("effective_on")),
                name="agreement_expires_after_effect",
                violation_error_message=_("The expiry date must come after the effective date."),
            ),
            models.CheckConstraint(
                condition=Q(tacit_renewal=False) | Q(notice_days__isnull=False),
                name="agreement_renewal_has_notice",
                violation_error_message=_("A tacit renewal needs a notice period."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.title}"

    def allowed_transitions(self) -> tuple[str, ...]:
        return AGREEMENT_TRANSITIONS[self.status]


class PartyRole(models.TextChoices):
    SIGNATORY = "signatory", _("Signatory")
    FUNDER = "funder", _("Funder")
    BENEFICIARY = "beneficiary", _("Beneficiary")
    OPERATOR = "operator", _("Operator")


class AgreementParty(TimeStamped):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="agreement_parties",
    )
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)

    class Meta:
        ordering = ["role", "organization__name"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organization", "role"],
                name="agreement_party_once",
                violation_error_message=_("This organisation already has this role in the agreement."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_role_display()})"


class Commitment(TimeStamped):
    """Money a party commits for one year."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="commitments")
    party = models.ForeignKey(
        AgreementParty, verbose_name=_("party"), on_delete=models.CASCADE, related_name="commitments"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (€)"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["year", "party"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.UniqueConstraint(fields=["party", "year"], name="commitment_once_per_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="commitment_not_negative"),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="commitment_year_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} – {self.amount} €"


class Payment(TimeStamped):
    """A payment (versement) planned, then made."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="payments")
    party = models.ForeignKey(
        AgreementParty, verbose_name=_("paid to"), on_delete=models.CASCADE, related_name="payments"
    )
    label = models.CharField(_("label"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount (€)"), max_digits=14, decimal_places=2)
    planned_on = models.DateField(_("planned on"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        ordering = ["planned_on", "pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self) -> str:
        return f"{self.planned_on} – {self.amount} €"


class DeliberativeBody(models.TextChoices):
    METROPOLITAN_BUREAU = "metropolitan_bureau", _("Metropolitan bureau")
    METROPOLITAN_COUNCIL = "metropolitan_council", _("Metropolitan council")
    MUNICIPAL_COUNCIL = "municipal_council", _("Municipal council")
    TERRITORY_COUNCIL = "territory_council", _("Territory council")


class Deliberation(TimeStamped):
    """The act of a deliberative body approving an agreement (or an amendment)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="deliberations")
    amendment = models.ForeignKey(
        "agreements.Amendment", null=True, blank=True, on_delete=models.CASCADE, related_name="deliberations"
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("deliberating organisation"), on_delete=models.PROTECT
    )
    body = models.CharField(_("body"), max_length=30, choices=DeliberativeBody.choices)
    date = models.DateField(_("date"))
    number = models.CharField(_("number"), max_length=60)
    act_url = models.URLField(_("link to the act"), blank=True)
    votes_for = models.PositiveIntegerField(_("votes for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("votes against"), null=True, blank=True)
    abstentions = models.PositiveIntegerField(_("abstentions"), null=True, blank=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("deliberation")
        verbose_name_plural = _("deliberations")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"],
                name="deliberation_number_unique",
                violation_error_message=_("This organisation already has a deliberation with this number."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_body_display()} n° {self.number} ({self.date:%d/%m/%Y})"


class Transition(models.Model):
    """One move in the lifecycle of an agreement or amendment: who, when, from, to, why."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="transitions")
    amendment = models.ForeignKey(
        "agreements.Amendment", null=True, blank=True, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("from"), max_length=20)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Validation(models.Model):
    """Four-eyes rule: a second agent validates an agreement above the threshold before signature."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="validations")
    validated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(
        help_text="Agreement version validated: a later change needs a new validation."
    )

    class Meta:
        ordering = ["-at"]
        verbose_name = _("validation")

    def __str__(self) -> str:
        return f"{self.validated_by} ({self.at:%d/%m/%Y})"


class AmendmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    NEGOTIATION = "negotiation", _("In negotiation")
    LEGAL_REVIEW = "legal_review", _("Legal review")
    DELIBERATION = "deliberation", _("Deliberation")
    SIGNATURE = "signature", _("Signature")
    IN_FORCE = "in_force", _("In force")
    ABANDONED = "abandoned", _("Abandoned")


AMENDMENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    AmendmentStatus.DRAFT: (AmendmentStatus.NEGOTIATION, AmendmentStatus.ABANDONED),
    AmendmentStatus.NEGOTIATION: (AmendmentStatus.LEGAL_REVIEW, AmendmentStatus.ABANDONED),
    AmendmentStatus.LEGAL_REVIEW: (AmendmentStatus.DELIBERATION, AmendmentStatus.NEGOTIATION),
    AmendmentStatus.DELIBERATION: (AmendmentStatus.SIGNATURE, AmendmentStatus.LEGAL_REVIEW),
    AmendmentStatus.SIGNATURE: (AmendmentStatus.IN_FORCE,),
    AmendmentStatus.IN_FORCE: (),
    AmendmentStatus.ABANDONED: (),
}


class Amendment(TimeStamped, Versioned):
    """An avenant: changes dates, amounts or parties; applies to the consolidated state once in force."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveSmallIntegerField(_("number"))
    purpose = models.TextField(_("purpose"))
    status = models.CharField(
        _("status"), max_length=20, choices=AmendmentStatus.choices, default=AmendmentStatus.DRAFT
    )
    signed_on = models.DateField(_("signature date"), null=True, blank=True)
    new_expires_on = models.DateField(_("new expiry date"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="amendment_number_once")]

    def __str__(self) -> str:
        return f"Avenant n° {self.number}"


class AmendmentChange(TimeStamped):
    """One change brought by an amendment: a party added or removed, or a commitment changed."""

    class Kind(models.TextChoices):
        ADD_PARTY = "add_party", _("Party added")
        REMOVE_PARTY = "remove_party", _("Party removed")
        COMMITMENT = "commitment", _("Commitment changed")

    amendment = models.ForeignKey(Amendment, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("change"), max_length=20, choices=Kind.choices)
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT
    )
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    amount = models.DecimalField(_("new amount (€)"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("amendment change")

    def __str__(self) -> str:
        return self.get_kind_display()


class ObligationKind(models.TextChoices):
    ANNUAL_REPORT = "annual_report", _("Annual report")
    STEERING_COMMITTEE = "steering_committee", _("Steering committee")
    ASSESSMENT = "assessment", _("Assessment")
    SUPPORTING_DOCUMENTS = "supporting_documents", _("Supporting documents")
    OTHER = "other", _("Other")


class ObligationStatus(models.TextChoices):
    TODO = "todo", _("To do")
    DONE = "done", _("Done")
    WAIVED = "waived", _("Waived")


class Obligation(TimeStamped):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="obligations")
    kind = models.CharField(_("kind"), max_length=30, choices=ObligationKind.choices)
    title = models.CharField(_("title"), max_length=250)
    due_on = models.DateField(_("due date"), db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="obligations",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ObligationStatus.choices, default=ObligationStatus.TODO
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        indexes = [models.Index(fields=["owner", "status", "due_on"])]

    def __str__(self) -> str:
        return self.title


def document_path(instance: DocumentVersion, filename: str) -> str:
    return f"agreements/{instance.document.agreement_id}/{instance.document_id}/v{instance.number}-{filename}"


class AgreementDocument(TimeStamped):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=250)

    class Meta:
        ordering = ["title"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    """A file as uploaded, never overwritten, with its SHA-256 fingerprint computed at upload."""

    document = models.ForeignKey(AgreementDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=document_path)
    filename = models.CharField(_("file name"), max_length=250)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("document version")
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="document_version_once")]

    def __str__(self) -> str:
        return f"{self.filename} (v{self.number})"


class DeadlineAlert(models.Model):
    """An alert already e-mailed, so that the daily job never sends the same one twice."""

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipient = models.EmailField()

    class Meta:
        verbose_name = _("deadline alert sent")

    def __str__(self) -> str:
        return self.key


class CalendarToken(models.Model):
    """Secret of a person's iCalendar feed URL; regenerating it revokes the old URL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user}"
