from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "maillage.meetings"
    label = "meetings"
    verbose_name = _("Bodies and sessions")

    def ready(self) -> None:
        from maillage.core.audit import audit_register
        from maillage.meetings import models, personal_data
        from maillage.people.personal_data import register

        # Tokens and iCalendar sequence numbers are plumbing, not edits.
        audit_register(
            {
                models.Body: {"exclude_fields": ["version", "updated_at"]},
                models.BodyMember: {"exclude_fields": ["updated_at"]},
                models.Substitute: {"exclude_fields": ["updated_at"]},
                models.MeetingSession: {"exclude_fields": ["version", "updated_at", "sequence"]},
                models.AgendaItem: {"exclude_fields": ["updated_at"]},
                models.AgendaProposal: {"exclude_fields": ["updated_at"]},
                models.Invitation: {"exclude_fields": ["updated_at", "token", "sent_sequence"]},
                models.Decision: {"exclude_fields": ["updated_at"]},
                models.MeetingAction: {"exclude_fields": ["updated_at"]},
            }
        )
        register("meetings", export=personal_data.export, erase=personal_data.erase)
