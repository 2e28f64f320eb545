from django.core.cache import cache
from django.core.management.base import BaseCommand

from maillage.organizations.services import organizations_sync_from_referential
from maillage.territories.selectors import home_epci, home_epci_siren


class Command(BaseCommand):
    help = "Crée les fiches organisation de l'EPCI d'accueil, de ses territoires et de ses communes (idempotent)."

    def handle(self, *args, **options):
        epci = home_epci()
        if epci is None:
            self.stderr.write(
                f"L'EPCI {home_epci_siren()} est absent du référentiel : lancez d'abord import_referential, "
                "ou vérifiez MAILLAGE_HOME_EPCI_SIREN."
            )
            raise SystemExit(1)
        created = organizations_sync_from_referential()
        cache.clear()
        self.stdout.write(f"{epci.name} : {created} fiche(s) organisation créée(s).")
