"""Demonstration data of the watch app (idempotent)."""

from __future__ import annotations


def load() -> dict[str, int]:
    """Create the demo objects once; return counts of what was created."""
    return {}
