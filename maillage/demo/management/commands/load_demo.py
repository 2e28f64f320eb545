from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import translation

from maillage.accounts.roles import Role
from maillage.demo.services import DEMO_LOGINS, demo_load


class Command(BaseCommand):
    help = "Charge le référentiel réel et les données de démonstration (idempotent), puis affiche les identifiants."

    def add_arguments(self, parser):
        parser.add_argument("--skip-referential", action="store_true")

    def handle(self, *args, **options):
        if not options["skip_referential"]:
            call_command("import_referential", stdout=self.stdout)
        counts = demo_load()
        if counts["people"]:
            self.stdout.write(
                f"Démonstration : {counts['people']} personnes, {counts['interactions']} échanges créés."
            )
        else:
            self.stdout.write("Données de démonstration déjà présentes.")
        if register := counts.get("register"):
            self.stdout.write(
                f"Conventions de démonstration : {register.get('agreements', 0)} conventions, "
                f"{register.get('amendments', 0)} avenants, {register.get('deliberations', 0)} délibérations, "
                f"{register.get('obligations', 0)} obligations ; {register.get('topics', 0)} sujets communs, "
                f"{register.get('cooperations', 0)} coopérations."
            )
        if meetings := counts.get("meetings"):
            self.stdout.write(
                f"Instances de démonstration : {meetings.get('bodies', 0)} instances, "
                f"{meetings.get('sessions', 0)} séances, {meetings.get('invitations', 0)} invitations, "
                f"{meetings.get('decisions', 0)} décisions, {meetings.get('actions', 0)} actions "
                f"({meetings.get('open_actions', 0)} ouvertes), {meetings.get('fictional_dgs', 0)} DGS fictifs ; "
                f"{meetings.get('achievements', 0)} réalisations, {meetings.get('newsletters', 0)} lettres."
            )
        for name, title in (
            ("innovation", "innovation"),
            ("programmes", "programmes"),
            ("community", "communauté"),
            ("watch", "veille"),
        ):
            if created := counts.get(name):
                details = ", ".join(f"{count} {label}" for label, count in created.items())
                self.stdout.write(f"Démonstration {title} : {details}.")
        translation.activate("fr")
        self.stdout.write(self.style.SUCCESS("Identifiants de démonstration :"))
        for login in DEMO_LOGINS:
            extra = f" (commune {login.organization})" if login.organization else ""
            self.stdout.write(
                f"  {str(Role(login.role).label):<24} {login.username:<15} mot de passe : {login.password}{extra}"
            )
