from django.core.management.base import BaseCommand, CommandError

from maillage.agreements.alerts import DeadlineAlertError, deadline_alerts_send


class Command(BaseCommand):
    help = "Envoie les alertes d'échéances du jour (chaque alerte une seule fois ; la tâche planifiée fait de même)."

    def handle(self, *args, **options):
        try:
            report = deadline_alerts_send()
        except DeadlineAlertError as error:
            raise CommandError(
                f"Envoi incomplet : {error}. Les alertes non envoyées le seront au prochain passage."
            ) from error
        self.stdout.write(
            f"{report.sent_messages} courriel(s) envoyé(s) pour {report.sent_alerts} échéance(s)."
        )
