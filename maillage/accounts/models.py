from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.accounts.roles import Role


class MaillageUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # The admin site checks the role: a superuser created on the command line is an administrator.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """An account. Its role decides what it may see; a correspondent acts for one organisation."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        help_text=_("Required for correspondents: the organisation they act for."),
    )

    objects = MaillageUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.CORRESPONDENT) | Q(organization__isnull=False),
                name="correspondent_has_organization",
                violation_error_message=_("A correspondent must be bound to an organisation."),
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_metropole_staff(self) -> bool:
        return self.role in (Role.ADMIN, Role.AGENT)
