"""Benchmark of the outbox: render, enqueue and send N personalised messages to a local SMTP sink.

Not part of the test suite. Usage (PostgreSQL recommended, to measure what production runs):
    DATABASE_URL=postgres://... manage.py benchmark_outbox [--count 10000] [--rate 0]

By default it works in a throwaway database (created and dropped like the test runner's, a file
for SQLite so that commits really reach the disk), so the real outbox is never touched. It starts
an aiosmtpd sink in a subprocess on a free loopback port (aiosmtpd is a development dependency),
and reports messages per second for rendering + enqueue and for sending, and the process's peak
memory (maximum resident set size).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import resource
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.template import engines
from django.test.utils import override_settings

from maillage.outbox.models import MessageStatus, OutboxMessage
from maillage.outbox.sender import outbox_send_due
from maillage.outbox.services import message_enqueue

CATEGORY = "benchmark"
SUBJECT = "{{ network }} : réunion du {{ date|date:'j F Y' }}"
TEXT = """Bonjour {{ person.first_name }} {{ person.last_name }},

La prochaine réunion du réseau {{ network }} aura lieu le {{ date|date:"l j F Y" }} à {{ place }}.

Ordre du jour :
{% for item in agenda %}- {{ item }}
{% endfor %}
Pour ne plus recevoir ces messages : {{ unsubscribe_url }}
"""
HTML = """<p>Bonjour {{ person.first_name }} {{ person.last_name }},</p>
<p>La prochaine réunion du réseau <strong>{{ network }}</strong> aura lieu le
{{ date|date:"l j F Y" }} à {{ place }}.</p>
<ul>{% for item in agenda %}<li>{{ item }}</li>{% endfor %}</ul>
<p><a href="{{ unsubscribe_url }}">Se désabonner</a></p>
"""


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def smtp_sink():
    """An aiosmtpd server discarding everything, in its own process; yields its port."""
    try:
        import aiosmtpd  # noqa: F401
    except ImportError as exc:
        raise CommandError(
            "aiosmtpd est introuvable : c'est une dépendance de développement "
            "(pip install -e '.[dev]') nécessaire au puits SMTP local du banc d'essai."
        ) from exc
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                smtplib.SMTP("127.0.0.1", port, timeout=1).quit()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise CommandError("Le puits SMTP local n'a pas démarré.")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


class Command(BaseCommand):
    help = (
        "Banc d'essai de la file d'envoi : rend (gabarit Django personnalisé), met en file et envoie N "
        "courriels (10 000 par défaut) vers un puits SMTP local (aiosmtpd, dépendance de développement) "
        "démarré pour l'occasion ; affiche les messages par seconde (rendu + mise en file, envoi) et le pic "
        "de mémoire du processus. Travaille dans une base jetable créée puis supprimée, sauf "
        "--current-database. --rate 0 (défaut) mesure la capacité brute ; la production est limitée par "
        "OUTBOX_RATE."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10_000, help="Nombre de courriels (défaut 10 000).")
        parser.add_argument(
            "--rate", type=float, default=0, help="Limite d'envoi en messages/s (0 = sans limite)."
        )
        parser.add_argument(
            "--current-database",
            action="store_true",
            help="Utilise la base configurée au lieu d'une base jetable (refusé si la file n'est pas vide).",
        )

    def handle(self, *args, **options):
        count = options["count"]
        with contextlib.ExitStack() as stack:
            stack.enter_context(override_settings(DEBUG=False))  # no query log growing per message
            if options["current_database"]:
                waiting = OutboxMessage.objects.filter(
                    status__in=[MessageStatus.QUEUED, MessageStatus.DEFERRED, MessageStatus.SENDING]
                ).count()
                if waiting:
                    raise CommandError(
                        f"La file contient {waiting} message(s) en attente : le banc d'essai les enverrait "
                        "au puits local. Lancez-le sans --current-database."
                    )
                stack.callback(lambda: OutboxMessage.objects.filter(category=CATEGORY).delete())
            else:
                stack.enter_context(self.throwaway_database())
            port = stack.enter_context(smtp_sink())
            stack.enter_context(
                override_settings(
                    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                    EMAIL_HOST="127.0.0.1",
                    EMAIL_PORT=port,
                    EMAIL_HOST_USER="",
                    EMAIL_HOST_PASSWORD="",
                    EMAIL_USE_TLS=False,
                    EMAIL_USE_SSL=False,
                )
            )
            self.run(count, options["rate"])

    @contextlib.contextmanager
    def throwaway_database(self):
        temporary = None
        if connection.vendor == "sqlite":
            temporary = tempfile.TemporaryDirectory()
            connection.settings_dict.setdefault("TEST", {})["NAME"] = str(
                Path(temporary.name) / "benchmark.sqlite3"
            )
        self.stdout.write("Création de la base jetable…")
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            yield
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            if temporary:
                temporary.cleanup()

    def run(self, count: int, rate: float) -> None:
        engine = engines["django"]
        subject, text, html = (engine.from_string(source) for source in (SUBJECT, TEXT, HTML))
        base = {
            "network": "Réseau des tiers-lieux de l'Est parisien",
            "date": dt.date(2027, 3, 12),
            "place": "la Maison de l'innovation publique, Montreuil",
            "agenda": ["Tour de table", "Bilan des ateliers", "Calendrier du second semestre", "Divers"],
        }
        run_id = time.strftime("%Y%m%d%H%M%S")
        self.stdout.write(f"Base de données : {connection.vendor} ; {count} courriels")
        rss_before = _max_rss_mb()

        started = time.perf_counter()
        for first in range(0, count, 1000):
            with transaction.atomic():
                for i in range(first, min(first + 1000, count)):
                    person = {"first_name": f"Camille{i}", "last_name": f"Martin-Ébène{i}"}
                    unsubscribe_url = f"https://maillage.example/desabonnement/{run_id}-{i}/"
                    context = {**base, "person": person, "unsubscribe_url": unsubscribe_url}
                    message_enqueue(
                        to=f"camille{i}@example.org",
                        subject=subject.render(context).strip(),
                        body_text=text.render(context),
                        body_html=html.render(context),
                        category=CATEGORY,
                        headers={
                            "List-Unsubscribe": f"<{unsubscribe_url}>",
                            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                        },
                        dedupe_key=f"{CATEGORY}:{run_id}:{i}",
                    )
        enqueue_seconds = time.perf_counter() - started

        started = time.perf_counter()
        runs = []
        while True:
            report = outbox_send_due(rate_per_second=rate)
            runs.append(report)
            if report.claimed == 0 or report.stopped_early:
                break
        send_seconds = time.perf_counter() - started
        sent = OutboxMessage.objects.filter(category=CATEGORY, status=MessageStatus.SENT).count()

        self.stdout.write(
            f"Rendu + mise en file : {count / enqueue_seconds:8.0f} messages/s ({enqueue_seconds:.1f} s)"
        )
        self.stdout.write(
            f"Envoi SMTP           : {sent / send_seconds:8.0f} messages/s ({send_seconds:.1f} s, "
            f"{sent}/{count} envoyés, limite {'aucune' if not rate else f'{rate:g}/s'})"
        )
        self.stdout.write(
            f"Mémoire (pic RSS du processus) : {_max_rss_mb():.0f} Mo (avant le banc : {rss_before:.0f} Mo)"
        )
        if sent != count:
            raise CommandError(f"{count - sent} message(s) non envoyés : {runs[-1]}")
