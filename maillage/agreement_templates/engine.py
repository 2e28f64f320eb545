"""The template engine that renders agreement templates: Django's language, on plain data only.

The body of an :class:`~maillage.agreement_templates.models.AgreementTemplate` is edited by
administrators in the admin. It is rendered by a standalone engine with no loader (no ``include`` or
``extends`` of files) and no loadable tag library, and without HTML autoescaping since the output is
plain text that becomes a .docx or a .pdf. The context holds plain values (dicts, strings, dates),
never model instances.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Template, TemplateDoesNotExist, TemplateSyntaxError
from django.template.defaulttags import DebugNode
from django.utils.translation import gettext as _

# A line holding only this (the value of {{ commitments_table }}) becomes the table of commitments.
COMMITMENTS_TABLE_MARKER = "[[commitments-table]]"

PLACEHOLDERS_HELP = (
    "{{ agreement.reference }}, {{ agreement.title }}, {{ agreement.purpose }}, {{ agreement.kind }}, "
    "{{ agreement.clauses }}, {{ agreement.signed_on }}, {{ agreement.effective_on }}, "
    "{{ agreement.expires_on }}, {{ agreement.duration_months }}, {{ agreement.tacit_renewal }}, "
    "{{ agreement.renewal_period_months }}, {{ agreement.notice_days }}, {{ agreement.owner }}, "
    "{% for party in parties %}{{ party.name }} {{ party.role }} {{ party.siren }} {{ party.total }}"
    "{% endfor %}, {{ years }}, {{ totals_by_year }}, {{ total }}, {{ commitments_table }}, {{ today }}"
)


@cache
def engine() -> Engine:
    return Engine(loaders=[], libraries={}, autoescape=False, debug=False, string_if_invalid="")


def compile_body(body: str) -> Template:
    """Compile a template body; a syntax error becomes a ValidationError on ``body``."""
    try:
        template = engine().from_string(body)
    except TemplateSyntaxError as error:
        raise ValidationError(
            {"body": _("The template has a syntax error: %(error)s") % {"error": error}},
            code="template_syntax",
        ) from error
    if template.nodelist.get_nodes_by_type(DebugNode):  # it would print the server's internals
        raise ValidationError({"body": _("The {% debug %} tag is not allowed.")}, code="template_debug")
    return template


def render_body(body: str, context: dict[str, Any]) -> str:
    """Render a body; an error of the template (a file it tries to include…) becomes a ValidationError."""
    template = compile_body(body)
    try:
        return template.render(Context(context, autoescape=False))
    except (TemplateDoesNotExist, TemplateSyntaxError) as error:
        raise ValidationError(
            {"body": _("The template cannot be rendered: %(error)s") % {"error": error}},
            code="template_render",
        ) from error


def check_body(body: str) -> None:
    """What the admin checks on save: the body compiles and renders with no data."""
    render_body(body, {})
