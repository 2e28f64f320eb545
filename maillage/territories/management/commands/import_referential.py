from __future__ import annotations

import sys
from pathlib import Path

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

from maillage.territories.importer import DATA_DIR, ReferentialError, referential_import


class Command(BaseCommand):
    help = "Importe le référentiel territorial (atomique et idempotent : relancer ne change rien)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=DATA_DIR, help="Dossier des fichiers du référentiel.")

    def handle(self, *args, **options):
        try:
            report = referential_import(directory=options["dir"], progress=sys.stderr.isatty())
        except ReferentialError as error:
            raise CommandError(f"{error} Aucune donnée n'a été écrite.") from error
        cache.clear()
        for line in report.lines():
            self.stdout.write(line)
        if report.changed == 0:
            self.stdout.write(self.style.SUCCESS("Référentiel déjà à jour : aucune modification."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Référentiel importé : {report.changed} modification(s)."))
