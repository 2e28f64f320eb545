"""The interface is French only: tests compute the French text from the English msgids."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.translation import gettext

CONCURRENT_EDIT = (
    "Someone else saved this record while you were editing it. Your changes were not saved: "
    "reload the page to see the current version, then apply your changes again."
)


def fr(msgid: str) -> str:
    """The French text of ``msgid``, as a ``{% translate %}`` tag prints it (template literals are not
    escaped) and as export cells and exception messages hold it."""
    return gettext(msgid)


def fr_escaped(msgid: str) -> str:
    """The French text of ``msgid`` as Django prints a value (form errors, ``{{ }}``): ' becomes &#x27;."""
    return escape(gettext(msgid))
