"""Trigram indexes for substring search on PostgreSQL (no-op elsewhere).

`LIKE '%word%'` on the normalised search columns cannot use a B-tree; pg_trgm's GIN index
keeps it fast at hundreds of thousands of rows. Creating the extension needs rights the
production role may lack: then the index is skipped with a warning and search still works.
"""

from __future__ import annotations

import logging

from django.db import migrations

logger = logging.getLogger(__name__)


def trigram_index(table: str, column: str) -> migrations.RunPython:
    name = f"{table}_{column}_trgm"

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            if cursor.fetchone() is None:
                try:
                    cursor.execute(
                        "SAVEPOINT trgm; CREATE EXTENSION IF NOT EXISTS pg_trgm; RELEASE SAVEPOINT trgm"
                    )
                except Exception:  # noqa: BLE001 – lacking rights must not block the migration
                    cursor.execute("ROLLBACK TO SAVEPOINT trgm")
                    logger.warning("pg_trgm unavailable: %s stays without trigram index", name)
                    return
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}" gin_trgm_ops)'
            )

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(forward, backward)
