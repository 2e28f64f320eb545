"""Documents of a convention: uploads kept as versions with their SHA-256, and generation from a template.

Writes follow two rules:

- a version is never overwritten: each upload of a document adds a version with the next number;
- nothing is half-written: the file is stored inside the database transaction that records its row,
  and deleted again if anything in that transaction fails (``_store_version``), so there is never a
  row without its file nor a file without its row.

Files always go through the ``FileField`` and so through Django's default storage (local disk or S3).
"""

from __future__ import annotations

import io
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch, QuerySet
from django.utils import timezone
from django.utils.text import get_valid_filename, slugify
from django.utils.translation import gettext as _

from maillage.agreement_templates.engine import COMMITMENTS_TABLE_MARKER, render_body
from maillage.agreement_templates.models import AgreementTemplate
from maillage.agreements.models import Agreement, AgreementDocument, DocumentVersion
from maillage.agreements.selectors import agreement_visible_to
from maillage.core import uploads
from maillage.core.access import is_staff
from maillage.core.pdf import pdf_fonts

logger = logging.getLogger(__name__)

DEFAULT_MAX_MB = 20

ACCEPT_ATTRIBUTE = uploads.accept_attribute()
content_type_for = uploads.content_type_for


def max_upload_bytes() -> int:
    return int(getattr(settings, "AGREEMENT_DOCUMENT_MAX_MB", DEFAULT_MAX_MB)) * 1024 * 1024


def accepted_types_text() -> str:
    return uploads.accepted_types_text(max_bytes=max_upload_bytes())


# --- Reads ---------------------------------------------------------------------------------------


def document_list(*, agreement: Agreement) -> list[AgreementDocument]:
    """The documents of a convention with their versions (newest first), in two queries."""
    versions = DocumentVersion.objects.select_related("uploaded_by").order_by("-number")
    return list(agreement.documents.prefetch_related(Prefetch("versions", queryset=versions)))


def version_visible_to(user: Any) -> QuerySet[DocumentVersion]:
    """Versions of the documents of the conventions ``user`` may see (agreement_visible_to)."""
    versions = DocumentVersion.objects.select_related("document")
    if is_staff(user):
        return versions
    return versions.filter(document__agreement__in=agreement_visible_to(user).order_by().values("pk"))


# --- Upload --------------------------------------------------------------------------------------


def document_upload(*, agreement: Agreement, title: str, file: File, user: Any) -> DocumentVersion:
    """Attach a file to a convention. A document of the same title gets a new version; otherwise the
    document is created with version 1."""
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": _("Give the document a title.")}, code="required")
    return _store_version(agreement=agreement, title=title, document=None, upload=file, user=user)


def document_version_add(*, document: AgreementDocument, file: File, user: Any) -> DocumentVersion:
    """Add the next version of an existing document (the previous ones are kept)."""
    return _store_version(
        agreement=document.agreement, title=document.title, document=document, upload=file, user=user
    )


def _extension(filename: str) -> str:
    return Path(filename).suffix.lower().lstrip(".")


def _original_name(upload: File) -> str:
    name = Path(str(upload.name or "")).name.strip()
    return name[-250:] if name else "document"


def _storage_basename(filename: str) -> str:
    """A short, safe name for the storage path (the original name is kept in ``filename``)."""
    path = Path(filename)
    try:
        stem = get_valid_filename(path.stem)[:40]
    except SuspiciousFileOperation:
        stem = "document"
    return f"{stem}.{_extension(filename)}"


def _store_version(
    *, agreement: Agreement, title: str, document: AgreementDocument | None, upload: File, user: Any
) -> DocumentVersion:
    filename = _original_name(upload)
    sha256, size = uploads.upload_check(upload, filename=filename, max_bytes=max_upload_bytes())
    field_ = DocumentVersion._meta.get_field("file")
    storage = field_.storage
    pending: str | None = None
    try:
        # Durable: this block is the outermost transaction, so once it exits the row is committed and
        # on any failure inside it (file write, row insert, commit) the file is removed below.
        with transaction.atomic(durable=True):
            if document is None:
                document = (
                    AgreementDocument.objects.select_for_update()
                    .filter(agreement=agreement, title__iexact=title)
                    .order_by("pk")
                    .first()
                ) or AgreementDocument.objects.create(agreement=agreement, title=title)
            else:
                document = AgreementDocument.objects.select_for_update().get(pk=document.pk)
            number = (document.versions.aggregate(last=Max("number"))["last"] or 0) + 1
            version = DocumentVersion(
                document=document,
                number=number,
                filename=filename,
                size=size,
                sha256=sha256,
                uploaded_by=user if getattr(user, "is_authenticated", False) else None,
            )
            # The name is free now and stays ours: the document row is locked and its versions numbered.
            pending = storage.get_available_name(
                field_.generate_filename(version, _storage_basename(filename)), max_length=field_.max_length
            )
            upload.seek(0)
            version.file.name = storage.save(pending, upload, max_length=field_.max_length)
            pending = version.file.name
            version.save()
    except IntegrityError as error:
        _discard(storage, pending)
        raise ValidationError(
            _("Another version of this document was added at the same time: please try again."),
            code="concurrent",
        ) from error
    except BaseException:
        _discard(storage, pending)
        raise
    logger.info("Document %s v%s stored (%s bytes, sha256 %s)", document.pk, number, size, sha256)
    return version


def _discard(storage: Any, name: str | None) -> None:
    if not name:
        return
    try:
        if storage.exists(name):
            storage.delete(name)
    except Exception:  # the original error matters more; the orphan is logged for cleanup
        logger.exception("Could not delete the orphan file %s", name)


# --- Generation ----------------------------------------------------------------------------------

FORMATS = {
    "docx": uploads.FILE_TYPES["docx"].content_type,
    "pdf": uploads.FILE_TYPES["pdf"].content_type,
}
# Titles of the documents that hold the saved generations (data, in French like the seeded kinds).
GENERATED_TITLES = {"docx": "Convention générée (Word)", "pdf": "Convention générée (PDF)"}


@dataclass(frozen=True)
class GeneratedFile:
    filename: str
    content: bytes
    content_type: str


@dataclass
class Block:
    kind: str  # "title", "heading", "subheading", "paragraph", "bullet", "table"
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


def format_amount(amount: Decimal | int | None) -> str:
    """12 500,00 € (no-break spaces, French style)."""
    value = Decimal(amount or 0).quantize(Decimal("0.01"))
    text = f"{value:,.2f}".replace(",", "\u00a0").replace(".", ",")
    return f"{text}\u00a0€"


def agreement_template_for(template_id: int | str | None = None) -> AgreementTemplate:
    templates = AgreementTemplate.objects.all()
    if template_id:
        try:
            return templates.get(pk=int(template_id))
        except (AgreementTemplate.DoesNotExist, ValueError, TypeError):
            raise ValidationError(_("This agreement template does not exist."), code="template") from None
    template = templates.order_by("-is_default", "name").first()
    if template is None:
        raise ValidationError(
            _("There is no agreement template: an administrator must create one in the administration."),
            code="template",
        )
    return template


def generation_context(agreement: Agreement) -> dict[str, Any]:
    """Plain values (no model instance) for the template: the agreement, its parties, its commitments."""
    agreement = Agreement.objects.select_related("kind", "owner").get(pk=agreement.pk)
    parties = list(agreement.parties.select_related("organization").order_by("role", "organization__name"))
    commitments = list(agreement.commitments.order_by("year", "party_id"))
    years = sorted({commitment.year for commitment in commitments})
    amounts: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for commitment in commitments:
        amounts[commitment.party_id][commitment.year] = commitment.amount
    by_year = {
        year: sum((amounts[p.pk].get(year, Decimal(0)) for p in parties), Decimal(0)) for year in years
    }
    total = sum(by_year.values(), Decimal(0))
    party_rows = []
    for party in parties:
        party_total = sum(amounts[party.pk].values(), Decimal(0))
        party_rows.append(
            {
                "name": party.organization.name,
                "role": party.get_role_display(),
                "siren": party.organization.siren or "",
                "signed_on": party.signed_on,
                "commitments": [
                    {"year": year, "amount": format_amount(amount)}
                    for year, amount in sorted(amounts[party.pk].items())
                ],
                "total": format_amount(party_total),
                "has_commitments": bool(amounts[party.pk]),
            }
        )
    table: list[list[str]] = []
    if commitments:
        table.append([_("Party"), *(str(year) for year in years), _("Total")])
        for party, row in zip(parties, party_rows, strict=True):
            if row["has_commitments"]:
                table.append(
                    [
                        f"{row['name']} ({row['role'].lower()})",
                        *(
                            format_amount(amounts[party.pk][year]) if year in amounts[party.pk] else "–"
                            for year in years
                        ),
                        row["total"],
                    ]
                )
        table.append([_("Total"), *(format_amount(by_year[year]) for year in years), format_amount(total)])
    return {
        "agreement": {
            "reference": agreement.reference,
            "title": agreement.title,
            "purpose": agreement.purpose,
            "kind": agreement.kind.name,
            "status": agreement.get_status_display(),
            "clauses": agreement.clauses,
            "signed_on": agreement.signed_on,
            "effective_on": agreement.effective_on,
            "expires_on": agreement.expires_on,
            "duration_months": agreement.duration_months,
            "tacit_renewal": agreement.tacit_renewal,
            "renewal_period_months": agreement.renewal_period_months,
            "notice_days": agreement.notice_days,
            "total_amount": format_amount(total),
            "owner": str(agreement.owner),
        },
        "parties": party_rows,
        "commitments": [
            {
                "party": row["name"],
                "role": row["role"],
                "year": year,
                "amount": format_amount(amount),
            }
            for party, row in zip(parties, party_rows, strict=True)
            for year, amount in sorted(amounts[party.pk].items())
        ],
        "years": years,
        "totals_by_year": [{"year": year, "amount": format_amount(by_year[year])} for year in years],
        "total": format_amount(total),
        "commitments_table": COMMITMENTS_TABLE_MARKER,
        "today": timezone.localdate(),
        "_table": table,
    }


_HEADING = re.compile(r"^(#{1,3})\s+(.+)$")
_HEADING_KINDS = {1: "title", 2: "heading", 3: "subheading"}


def parse_blocks(text: str, table: list[list[str]]) -> list[Block]:
    """The light markup of agreement templates → blocks (see AgreementTemplate)."""
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", "\n".join(paragraph)))
            paragraph.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line == COMMITMENTS_TABLE_MARKER:
            flush()
            if table:
                blocks.append(Block("table", rows=table))
        elif match := _HEADING.match(line):
            flush()
            blocks.append(Block(_HEADING_KINDS[len(match[1])], match[2].strip()))
        elif line.startswith(("- ", "* ")):
            flush()
            blocks.append(Block("bullet", line[2:].strip()))
        else:
            paragraph.append(line)
    flush()
    return blocks


def render_blocks(agreement: Agreement, template: AgreementTemplate) -> list[Block]:
    context = generation_context(agreement)
    table = context.pop("_table")
    return parse_blocks(render_body(template.body, context), table)


def document_generate(
    *, agreement: Agreement, fmt: str, template_id: int | str | None = None
) -> GeneratedFile:
    """Render the agreement template into a .docx or a .pdf (bytes, not stored)."""
    if fmt not in FORMATS:
        raise ValidationError(_("Unknown document format."), code="format")
    template = agreement_template_for(template_id)
    blocks = render_blocks(agreement, template)
    title = f"{agreement.reference} – {agreement.title}"
    content = (_docx if fmt == "docx" else _pdf)(blocks, title=title, reference=agreement.reference)
    stem = slugify(agreement.reference) or str(agreement.pk)
    return GeneratedFile(f"convention-{stem}.{fmt}", content, FORMATS[fmt])


def document_generate_save(
    *, agreement: Agreement, fmt: str, user: Any, template_id: int | str | None = None
) -> DocumentVersion:
    """Generate and keep the result as the next version of the convention's generated document, so that
    its fingerprint is recorded like any upload."""
    generated = document_generate(agreement=agreement, fmt=fmt, template_id=template_id)
    return _store_version(
        agreement=agreement,
        title=GENERATED_TITLES[fmt],
        document=None,
        upload=ContentFile(generated.content, name=generated.filename),
        user=user,
    )


def _docx(blocks: list[Block], *, title: str, reference: str) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = Document()
    properties = document.core_properties
    properties.title = title
    properties.subject = reference
    properties.author = "Maillage"
    properties.language = "fr-FR"
    properties.created = properties.modified = timezone.now()
    for block in blocks:
        if block.kind in ("title", "heading", "subheading"):
            document.add_heading(block.text, level={"title": 0, "heading": 1, "subheading": 2}[block.kind])
        elif block.kind == "bullet":
            document.add_paragraph(block.text, style="List Bullet")
        elif block.kind == "table":
            table = document.add_table(rows=len(block.rows), cols=len(block.rows[0]))
            table.style = "Table Grid"
            last = len(block.rows) - 1
            for i, row in enumerate(block.rows):
                for j, value in enumerate(row):
                    paragraph = table.cell(i, j).paragraphs[0]
                    run = paragraph.add_run(value)
                    run.bold = i in (0, last)
                    if j > 0:
                        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            document.add_paragraph(block.text)
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = reference
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf(blocks: list[Block], *, title: str, reference: str) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_JUSTIFY, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = pdf_fonts()
    sample = getSampleStyleSheet()
    body = ParagraphStyle(
        "MaillageBody", parent=sample["BodyText"], fontName=regular, fontSize=10.5, leading=14,
        spaceAfter=6, alignment=TA_JUSTIFY,
    )  # fmt: skip
    styles = {
        "title": ParagraphStyle(
            "MaillageTitle", parent=sample["Title"], fontName=bold, fontSize=18, leading=22
        ),
        "heading": ParagraphStyle("MaillageH1", parent=sample["Heading2"], fontName=bold, fontSize=13),
        "subheading": ParagraphStyle("MaillageH2", parent=sample["Heading3"], fontName=bold, fontSize=11),
        "paragraph": body,
        "bullet": ParagraphStyle("MaillageBullet", parent=body, leftIndent=16, bulletIndent=4, spaceAfter=3),
    }
    cell = ParagraphStyle("MaillageCell", parent=body, fontSize=9, leading=11, spaceAfter=0, alignment=0)
    small = ParagraphStyle("MaillageCellSmall", parent=cell, fontSize=7.5, leading=9.5)
    cell_bold = ParagraphStyle("MaillageCellBold", parent=cell, fontName=bold)
    number = ParagraphStyle("MaillageNumber", parent=cell, alignment=TA_RIGHT)
    number_bold = ParagraphStyle("MaillageNumberBold", parent=number, fontName=bold)
    width = A4[0] - 4 * cm

    story: list[Any] = []
    for block in blocks:
        if block.kind == "table":
            last = len(block.rows) - 1
            columns = len(block.rows[0])
            first = max(width * 0.34, width - (columns - 1) * 2.8 * cm)
            others = (width - first) / (columns - 1)
            figures, figures_bold = number, number_bold
            if others < 2.6 * cm:  # many years: smaller figures, so that "1 250 000,00 €" fits
                figures = ParagraphStyle("MaillageNumberSmall", parent=small, alignment=TA_RIGHT)
                figures_bold = ParagraphStyle("MaillageNumberSmallBold", parent=figures, fontName=bold)
            data = [
                [
                    Paragraph(
                        escape(value),
                        (cell_bold if i in (0, last) else cell)
                        if j == 0
                        else (figures_bold if i in (0, last) else figures),
                    )
                    for j, value in enumerate(row)
                ]
                for i, row in enumerate(block.rows)
            ]
            table = Table(data, colWidths=[first] + [others] * (columns - 1), repeatRows=1, hAlign="LEFT")
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8ECF3")),
                        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F4F6FA")),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ]
                )
            )
            story += [Spacer(1, 4), table, Spacer(1, 8)]
        elif block.kind == "bullet":
            story.append(Paragraph(escape(block.text), styles["bullet"], bulletText="•"))
        else:
            story.append(Paragraph(escape(block.text).replace("\n", "<br/>"), styles[block.kind]))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(2 * cm, 1.2 * cm, reference)
        canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, _("Page %(number)s") % {"number": doc.page})
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=title, author="Maillage", subject=reference, lang="fr-FR",
        leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm, bottomMargin=2 * cm,
    )  # fmt: skip
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
