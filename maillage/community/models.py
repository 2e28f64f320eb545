"""Community of public innovators: member profiles, events with registrations, shared resources.

Decisions (see also services.py):

- A ``MemberProfile`` belongs to a ``people.Person`` of the directory (one profile per person). It is
  personal data published to every signed-in account, so it exists only with a recorded opt-in
  consent: its date, how it was given (by the person through their own account, or gathered by
  someone who records it on their behalf, with a note saying how) and who recorded it. There is no
  consent-less profile and no "hidden" profile: withdrawing consent deletes the profile.
- Skills are a small shared table (``Skill``) entered freely and de-duplicated on their normalised
  form ("Design de services" and "design  de Services" are one skill).
- Events (ateliers, learning expeditions, webinaires, rencontres) take registrations from anyone for
  public events (name, e-mail, explicit consent), signed-in accounts for internal ones. Registrations
  are personal data kept only for a while after the event (``registrations_purge_past``); the purge
  keeps two counters on the event so that statistics survive.
- Resources (« fiches retour d'expérience ») carry a licence, optional themes, an optional linked
  solution, and an optional checked file (PDF, ODT, DOCX, 10 MB at most); public or internal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimeStamped, Versioned


class Skill(models.Model):
    """A skill members declare, entered freely; ``normalized`` de-duplicates the entries."""

    name = models.CharField(_("skill"), max_length=80)
    normalized = models.CharField(max_length=80, unique=True, editable=False)

    class Meta:
        ordering = ["normalized"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


class ConsentMethod(models.TextChoices):
    SELF_SERVICE = "self_service", _("Given by the person through their own account")
    RECORDED = "recorded", _("Gathered and recorded on the person's behalf")


class MemberProfile(TimeStamped, Versioned):
    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="community_profile",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_members",
        help_text=_("The organisation the member works for: it gives the territory in the directory."),
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    bio = models.TextField(_("presentation"), blank=True, max_length=2000)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="profiles")
    interests = models.ManyToManyField(
        "themes.Theme", verbose_name=_("interests"), blank=True, related_name="community_profiles"
    )
    projects = models.ManyToManyField(
        "innovation.Solution", verbose_name=_("projects"), blank=True, related_name="community_profiles"
    )
    show_email = models.BooleanField(
        _("show the e-mail address to signed-in members"),
        default=False,
    )
    consent_at = models.DateTimeField(_("consent given on"))
    consent_method = models.CharField(
        _("how consent was given"), max_length=20, choices=ConsentMethod.choices
    )
    consent_note = models.CharField(
        _("consent evidence"),
        max_length=250,
        blank=True,
        help_text=_("How the person gave their consent, for example « e-mail of 12 March 2026 »."),
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    search_text = models.CharField(max_length=1000, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["person__last_name", "person__first_name", "pk"]
        verbose_name = _("member profile")
        verbose_name_plural = _("member profiles")
        constraints = [
            models.CheckConstraint(
                condition=~Q(consent_method="recorded") | ~Q(consent_note=""),
                name="community_profile_recorded_consent_has_note",
                violation_error_message=_("Say how the person gave their consent."),
            )
        ]

    def __str__(self) -> str:
        return str(self.person)


class EventKind(models.TextChoices):
    WORKSHOP = "workshop", _("Workshop")
    LEARNING_EXPEDITION = "learning_expedition", _("Learning expedition")
    WEBINAR = "webinar", _("Webinar")
    MEETUP = "meetup", _("Meet-up")


class Event(TimeStamped, Versioned):
    title = models.CharField(_("title"), max_length=250)
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=250, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit. Past the capacity, registrations go to the waiting list."),
    )
    description = models.TextField(_("description"), blank=True)
    is_public = models.BooleanField(
        _("public event"),
        default=True,
        help_text=_("Public events are listed for everyone and open to registration without an account."),
    )
    registration_open = models.BooleanField(_("registrations open"), default=True)
    organizer = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organiser"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_events",
    )
    themes = models.ManyToManyField("themes.Theme", verbose_name=_("themes"), blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept when the registrations are purged after the event, so that statistics survive.
    purged_registrations = models.PositiveIntegerField(default=0, editable=False)
    purged_attendance = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="community_event_ends_after_start",
                violation_error_message=_("The end must come after the start."),
            ),
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(video_url=""),
                name="community_event_has_place_or_link",
                violation_error_message=_("Give a place or a video link."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITING = "waiting", _("Waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(TimeStamped):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    organization_name = models.CharField(_("organisation"), max_length=250, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RegistrationStatus.choices)
    consent_at = models.DateTimeField(_("consent given on"))
    # The directory record with this e-mail, if any: the person's rights (export, erasure) reach it.
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token = models.CharField(max_length=43, editable=False)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=~Q(status="cancelled"),
                name="community_registration_once",
                violation_error_message=_("This e-mail address is already registered for this event."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.event}"


class Licence(models.TextChoices):
    ETALAB_2 = "etalab-2.0", _("Licence Ouverte 2.0 (Etalab)")
    CC_BY_4 = "CC-BY-4.0", _("Creative Commons BY 4.0")
    CC_BY_SA_4 = "CC-BY-SA-4.0", _("Creative Commons BY-SA 4.0")
    CC0 = "CC0-1.0", _("CC0 (public domain dedication)")
    ALL_RIGHTS_RESERVED = "all-rights-reserved", _("All rights reserved")


LICENCE_URLS = {
    Licence.ETALAB_2: "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    Licence.CC_BY_4: "https://creativecommons.org/licenses/by/4.0/deed.fr",
    Licence.CC_BY_SA_4: "https://creativecommons.org/licenses/by-sa/4.0/deed.fr",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/deed.fr",
}


class Resource(TimeStamped, Versioned):
    """A « fiche retour d'expérience » shared with the community."""

    title = models.CharField(_("title"), max_length=250)
    summary = models.CharField(_("summary"), max_length=500)
    body = models.TextField(_("lessons learned"), blank=True)
    file = models.FileField(_("file"), upload_to="community/resources/%Y/", blank=True, max_length=250)
    filename = models.CharField(max_length=250, blank=True, editable=False)
    licence = models.CharField(_("licence"), max_length=30, choices=Licence.choices)
    author_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("author organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_resources",
    )
    themes = models.ManyToManyField("themes.Theme", verbose_name=_("themes"), blank=True, related_name="+")
    solution = models.ForeignKey(
        "innovation.Solution",
        verbose_name=_("linked solution"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_resources",
    )
    is_public = models.BooleanField(
        _("public"), default=True, help_text=_("Internal resources are shown to signed-in accounts only.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    search_text = models.CharField(max_length=800, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.title

    @property
    def licence_url(self) -> str:
        return LICENCE_URLS.get(self.licence, "")
