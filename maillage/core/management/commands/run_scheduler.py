from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand

from maillage.core.scheduler import enqueue_due_jobs


class Command(BaseCommand):
    help = "Enqueue periodic jobs when they are due (the db_worker runs them)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Check once and exit.")
        parser.add_argument("--interval", type=int, default=30, help="Seconds between two checks.")

    def handle(self, *args, **options):
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            for name in enqueue_due_jobs():
                self.stdout.write(f"Tâche périodique mise en file : {name}")
            if options["once"] or stopping:
                return
            for _ in range(options["interval"]):
                if stopping:
                    return
                time.sleep(1)
