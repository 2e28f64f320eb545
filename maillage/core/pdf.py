"""Fonts of the PDF files the product generates (conventions, attendance sheets)."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

logger = logging.getLogger(__name__)

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")


@cache
def pdf_fonts() -> tuple[str, str]:
    """(regular, bold): DejaVu Sans (full Unicode: œ, ’, €) when installed, else the PDF standard
    Helvetica, which only covers Latin-1."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for directory in map(Path, FONT_DIRS):
        regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            try:
                pdfmetrics.registerFont(TTFont("MaillageSans", str(regular)))
                pdfmetrics.registerFont(TTFont("MaillageSans-Bold", str(bold)))
            except Exception:  # an unreadable font file: fall back to the standard fonts
                logger.warning("Could not load the DejaVu fonts from %s", directory, exc_info=True)
                continue
            return "MaillageSans", "MaillageSans-Bold"
    return "Helvetica", "Helvetica-Bold"
