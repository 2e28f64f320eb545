"""``{% agreement_documents agreement as documents %}``: the documents of a convention with their
versions, in two queries whatever their number (used by ``agreements/documents/panel.html``)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def agreement_documents(agreement):
    from maillage.agreements.documents import document_list

    return document_list(agreement=agreement)
