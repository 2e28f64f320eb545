"""Send the outbox now, in the foreground (the periodic task ``send_outbox`` does it in production)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from maillage.outbox.sender import DEFAULT_BATCH_SIZE, outbox_send_due


class Command(BaseCommand):
    help = (
        "Envoie les courriels en attente de la file d'envoi jusqu'à ce qu'il n'y en ait plus de dus "
        "(les messages différés attendent leur prochaine tentative), ou un seul lot avec --once. "
        "S'arrête en erreur si le serveur SMTP est injoignable."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Un seul lot (--batch messages) puis s'arrête."
        )
        parser.add_argument("--batch", type=int, default=DEFAULT_BATCH_SIZE, help="Taille d'un lot.")
        parser.add_argument(
            "--rate",
            type=float,
            default=None,
            help="Messages par seconde (défaut OUTBOX_RATE, 0 = sans limite).",
        )

    def handle(self, *args, **options):
        report = outbox_send_due(
            limit=options["batch"] if options["once"] else None,
            rate_per_second=options["rate"],
            batch_size=options["batch"],
        )
        self.stdout.write(str(report))
        if report.stopped_early:
            raise CommandError("Serveur SMTP indisponible : les messages restants sont remis en file.")
