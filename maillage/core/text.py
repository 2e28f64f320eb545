"""Text normalisation for accent- and case-insensitive French search on any database."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s'’\-_.,;:/()]+")


def normalize(text: str) -> str:
    """Lower-case, strip accents and collapse separators: "Saint-Ouen-sur-Seine" → "saint ouen sur seine"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").replace("Œ", "oe").replace("Æ", "ae")
    return _SEPARATORS.sub(" ", stripped.lower()).strip()
