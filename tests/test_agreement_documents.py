"""Documents of conventions: versioned uploads with SHA-256, limits, atomicity, download, generation."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from docx import Document as DocxDocument

from maillage.agreement_templates.models import AgreementTemplate
from maillage.agreements import documents
from maillage.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Commitment,
    DocumentVersion,
    PartyRole,
)
from tests.conftest import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 5000 + b"\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AGREEMENT_DOCUMENT_MAX_MB = 1
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def make_agreement(personas, *, reference="CONV-2026-001", organization=None, **fields) -> Agreement:
    today = timezone.localdate()
    values = {
        "reference": reference,
        "title": "Réseau de chaleur intercommunal",
        "purpose": "Étudier et développer un réseau de chaleur partagé entre les communes.",
        "kind": AgreementKind.objects.get(slug="cooperation-thematique"),
        "owner": personas.arthur,
        "status": AgreementStatus.IN_FORCE,
        "effective_on": dt.date(2026, 1, 1),
        "expires_on": today + dt.timedelta(days=400),
        "clauses": "Les données produites sont publiées sous Licence Ouverte.",
    }
    values.update(fields)
    agreement = Agreement.objects.create(**values)
    AgreementParty.objects.create(
        agreement=agreement, organization=organization or personas.montreuil, role=PartyRole.SIGNATORY
    )
    return agreement


def upload(client, agreement, name="convention.pdf", content=PDF, title="Convention signée"):
    return client.post(
        reverse("agreement_documents:upload", kwargs={"pk": agreement.pk}),
        {"title": title, "file": SimpleUploadedFile(name, content)},
    )


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    document = DocxDocument()
    document.add_paragraph("Annexe technique")
    document.save(buffer)
    return buffer.getvalue()


def test_upload_records_fingerprint_size_and_name_and_adds_versions(personas, media):
    agreement = make_agreement(personas)
    client = login(personas.arthur)

    response = upload(client, agreement, name="Convention signée – Montreuil.pdf")
    assert response.status_code == 302
    version = DocumentVersion.objects.get()
    assert version.number == 1
    assert version.sha256 == hashlib.sha256(PDF).hexdigest()
    assert version.size == len(PDF)
    assert version.filename == "Convention signée – Montreuil.pdf"
    assert version.uploaded_by == personas.arthur
    with version.file.open("rb") as handle:
        assert handle.read() == PDF

    # The same title again: a new version of the same document, the first one kept untouched.
    second = PDF.replace(b"0" * 10, b"1" * 10, 1)
    assert upload(client, agreement, name="convention-v2.pdf", content=second).status_code == 302
    # And through the "new version" page, a Word file.
    document = AgreementDocument.objects.get()
    response = client.post(
        reverse("agreement_documents:version_add", kwargs={"doc": document.pk}),
        {"file": SimpleUploadedFile("convention.docx", docx_bytes())},
    )
    assert response.status_code == 302
    versions = list(document.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[1].sha256 == hashlib.sha256(second).hexdigest()
    assert len({v.file.name for v in versions}) == 3
    assert len(stored_files(media)) == 3
    with versions[0].file.open("rb") as handle:
        assert handle.read() == PDF


def test_upload_forms_render_for_staff(personas, media):
    agreement = make_agreement(personas)
    client = login(personas.arthur)
    assert client.get(reverse("agreement_documents:upload", kwargs={"pk": agreement.pk})).status_code == 200
    upload(client, agreement)
    document = AgreementDocument.objects.get()
    response = client.get(reverse("agreement_documents:version_add", kwargs={"doc": document.pk}))
    assert response.status_code == 200
    assert DocumentVersion.objects.get().sha256 in response.content.decode()


def test_oversize_file_is_refused_with_a_message_and_nothing_written(personas, media):
    agreement = make_agreement(personas)
    too_big = b"%PDF-1.7\n" + b"0" * (1024 * 1024)
    response = upload(login(personas.arthur), agreement, content=too_big)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert "convention.pdf" in errors[0] and "1,0" in errors[0]  # the limit, French-formatted (1,0 Mo)
    assert not AgreementDocument.objects.exists()
    assert not DocumentVersion.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"MZ\x90\x00 not a document"),
        ("no-extension", PDF),
        ("fake.pdf", b"<html>not a pdf</html>"),
        ("fake.docx", b"PK\x03\x04 broken zip"),
        ("image.png", b"\xff\xd8\xff a jpeg named png"),
        ("empty.pdf", b""),
    ],
)
def test_wrong_type_or_content_is_refused_with_a_message(personas, media, name, content):
    agreement = make_agreement(personas)
    response = upload(login(personas.arthur), agreement, name=name, content=content)
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not DocumentVersion.objects.exists()
    assert not AgreementDocument.objects.exists()
    assert stored_files(media) == []


def test_accepted_office_and_image_types(personas, media):
    agreement = make_agreement(personas)
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    xlsx = io.BytesIO()
    with zipfile.ZipFile(xlsx, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    files = {
        "plan.odt": odt.getvalue(),
        "budget.xlsx": xlsx.getvalue(),
        "carte.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
        "photo.JPG": b"\xff\xd8\xff\xe0" + b"\x00" * 20,
        "annexe.docx": docx_bytes(),
    }
    for name, content in files.items():
        version = documents.document_upload(
            agreement=agreement, title=name, file=SimpleUploadedFile(name, content), user=personas.arthur
        )
        assert version.sha256 == hashlib.sha256(content).hexdigest()
    assert DocumentVersion.objects.count() == len(files)


def test_no_orphan_file_when_the_database_write_fails(personas, media, monkeypatch):
    agreement = make_agreement(personas)

    def broken_save(self, *args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(DocumentVersion, "save", broken_save)
    with pytest.raises(DatabaseError):
        documents.document_upload(
            agreement=agreement,
            title="Convention",
            file=SimpleUploadedFile("convention.pdf", PDF),
            user=personas.arthur,
        )
    assert stored_files(media) == []
    assert not AgreementDocument.objects.exists()


def test_no_row_when_the_file_write_fails(personas, media, monkeypatch):
    agreement = make_agreement(personas)

    def broken_write(self, name, content):
        raise OSError("storage unavailable")

    monkeypatch.setattr(FileSystemStorage, "_save", broken_write)
    with pytest.raises(OSError):
        documents.document_upload(
            agreement=agreement,
            title="Convention",
            file=SimpleUploadedFile("convention.pdf", PDF),
            user=personas.arthur,
        )
    assert not AgreementDocument.objects.exists()
    assert not DocumentVersion.objects.exists()


def test_only_staff_upload(personas, media):
    agreement = make_agreement(personas)
    assert upload(login(personas.camille), agreement).status_code == 403
    assert not DocumentVersion.objects.exists()


def test_download_follows_the_visibility_of_the_agreement(personas, media):
    agreement = make_agreement(personas)
    version = documents.document_upload(
        agreement=agreement,
        title="Convention",
        file=SimpleUploadedFile("Convention signée.pdf", PDF),
        user=personas.arthur,
    )
    url = reverse("agreement_documents:download", kwargs={"version": version.pk})

    response = login(personas.camille).get(url)  # correspondent of a party
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "Convention%20sign%C3%A9e.pdf" in response["Content-Disposition"]
    assert response["Repr-Digest"].startswith("sha-256=:")

    assert login(personas.bruno).get(url).status_code == 404  # not a party: not even told it exists
    assert "connexion" in login(None).get(url)["Location"]
    missing = reverse("agreement_documents:download", kwargs={"version": version.pk + 1000})
    assert login(personas.arthur).get(missing).status_code == 404

    Agreement.objects.filter(pk=agreement.pk).update(is_public=True)  # public and signed: everyone
    response = login(None).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_panel_lists_versions_with_size_and_fingerprint_in_constant_queries(personas, media):
    agreement = make_agreement(personas)
    template = Template('{% include "agreements/documents/panel.html" %}')
    request = RequestFactory().get("/conventions/1/")
    request.user = personas.arthur

    def render() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as queries:
            html = template.render(
                Context(
                    {"agreement": agreement, "request": request, "is_staff_user": True, "user": request.user}
                )
            )
        return html, len(queries)

    documents.document_upload(
        agreement=agreement, title="A", file=SimpleUploadedFile("a.pdf", PDF), user=personas.arthur
    )
    _, few = render()
    for index in range(6):
        documents.document_upload(
            agreement=agreement,
            title=f"Annexe {index % 3}",
            file=SimpleUploadedFile(f"annexe-{index}.pdf", PDF + bytes([index])),
            user=personas.arthur,
        )
    html, many = render()
    assert few == many
    version = DocumentVersion.objects.filter(document__title="Annexe 1").order_by("-number").first()
    assert version.sha256 in html
    assert reverse("agreement_documents:download", kwargs={"version": version.pk}) in html
    assert "v2" in html
    assert reverse("agreement_documents:upload", kwargs={"pk": agreement.pk}) in html
    assert reverse("agreement_documents:generate", kwargs={"pk": agreement.pk, "fmt": "docx"}) in html

    # Not staff: the list and the links, without the staff buttons.
    html = template.render(Context({"agreement": agreement, "request": request, "is_staff_user": False}))
    assert version.sha256 in html
    assert reverse("agreement_documents:upload", kwargs={"pk": agreement.pk}) not in html


def test_the_agreement_page_shows_the_panel(personas, media):
    agreement = make_agreement(personas, is_public=True)
    version = documents.document_upload(
        agreement=agreement, title="Convention", file=SimpleUploadedFile("c.pdf", PDF), user=personas.arthur
    )
    url = reverse("agreements:detail", kwargs={"pk": agreement.pk})
    staff_page = login(personas.arthur).get(url).content.decode()
    public_page = login(None).get(url).content.decode()
    download = reverse("agreement_documents:download", kwargs={"version": version.pk})
    upload_url = reverse("agreement_documents:upload", kwargs={"pk": agreement.pk})
    assert download in staff_page and version.sha256 in staff_page and upload_url in staff_page
    assert download in public_page and upload_url not in public_page


# --- Generation ----------------------------------------------------------------------------------


def agreement_with_commitments(personas) -> Agreement:
    agreement = make_agreement(personas, tacit_renewal=True, notice_days=90, renewal_period_months=12)
    funder = AgreementParty.objects.create(
        agreement=agreement, organization=personas.vincennes, role=PartyRole.FUNDER
    )
    montreuil = agreement.parties.get(organization=personas.montreuil)
    Commitment.objects.create(agreement=agreement, party=funder, year=2026, amount=Decimal("12500"))
    Commitment.objects.create(agreement=agreement, party=funder, year=2027, amount=Decimal("10000.50"))
    Commitment.objects.create(agreement=agreement, party=montreuil, year=2026, amount=Decimal("5000"))
    return agreement


def docx_text(content: bytes) -> tuple[str, list[list[str]]]:
    document = DocxDocument(io.BytesIO(content))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    tables = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    return text, tables


def test_generate_docx_from_the_default_template(personas, media):
    agreement = agreement_with_commitments(personas)
    response = login(personas.arthur).get(
        reverse("agreement_documents:generate", kwargs={"pk": agreement.pk, "fmt": "docx"})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == documents.FORMATS["docx"]
    assert 'filename="convention-conv-2026-001.docx"' in response["Content-Disposition"]
    text, rows = docx_text(response.content)
    assert "Convention CONV-2026-001" in text
    assert "Réseau de chaleur intercommunal" in text
    assert agreement.purpose in text
    assert "Licence Ouverte" in text
    assert "90 jours" in text  # notice period of the tacit renewal
    assert personas.vincennes.name in text and personas.montreuil.name in text
    assert rows[0][1:] == ["2026", "2027", rows[0][-1]]
    funder_row = next(row for row in rows if row[0].startswith(personas.vincennes.name))
    assert funder_row[1:] == ["12\u00a0500,00\u00a0€", "10\u00a0000,50\u00a0€", "22\u00a0500,50\u00a0€"]
    montreuil_row = next(row for row in rows if row[0].startswith(personas.montreuil.name))
    assert montreuil_row[1:] == ["5\u00a0000,00\u00a0€", "–", "5\u00a0000,00\u00a0€"]  # nothing in 2027
    assert rows[-1][1:] == ["17\u00a0500,00\u00a0€", "10\u00a0000,50\u00a0€", "27\u00a0500,50\u00a0€"]
    assert "27\u00a0500,50\u00a0€" in text  # the total, in the text too


def test_generate_pdf(personas, media):
    agreement = agreement_with_commitments(personas)
    party = agreement.parties.get(organization=personas.vincennes)
    for year in range(2028, 2033):  # a wide table: seven columns of figures
        Commitment.objects.create(agreement=agreement, party=party, year=year, amount=Decimal("1250000"))
    response = login(personas.alice).get(
        reverse("agreement_documents:generate", kwargs={"pk": agreement.pk, "fmt": "pdf"})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    assert b"/Type /Page" in response.content


def test_generate_unknown_format_is_404_and_correspondents_cannot_generate(personas, media):
    agreement = make_agreement(personas)
    url = reverse("agreement_documents:generate", kwargs={"pk": agreement.pk, "fmt": "odt"})
    assert login(personas.arthur).get(url).status_code == 404
    url = reverse("agreement_documents:generate", kwargs={"pk": agreement.pk, "fmt": "pdf"})
    assert login(personas.camille).get(url).status_code == 403


def test_generate_and_save_as_a_new_version_records_the_fingerprint(personas, media):
    agreement = agreement_with_commitments(personas)
    client = login(personas.arthur)
    url = reverse("agreement_documents:generate_save", kwargs={"pk": agreement.pk, "fmt": "docx"})
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    document = AgreementDocument.objects.get(agreement=agreement)
    assert document.title == documents.GENERATED_TITLES["docx"]
    versions = list(document.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    for version in versions:
        with version.file.open("rb") as handle:
            content = handle.read()
        assert version.sha256 == hashlib.sha256(content).hexdigest()
        assert version.size == len(content)
        assert "CONV-2026-001" in docx_text(content)[0]


def test_an_edited_template_is_used_and_a_broken_one_refused(personas, media):
    agreement = make_agreement(personas)
    AgreementTemplate.objects.update(is_default=False)
    AgreementTemplate.objects.create(
        name="Modèle court",
        is_default=True,
        body=(
            "# Accord {{ agreement.reference }}\n\nObjet : {{ agreement.purpose }}\n\n"
            "{% for party in parties %}- {{ party.name }}\n{% endfor %}\n{{ commitments_table }}\n"
            "Montant : {{ total }}\n{{ agreement.owner.delete }}"
        ),
    )
    generated = documents.document_generate(agreement=agreement, fmt="docx")
    text, rows = docx_text(generated.content)
    assert "Accord CONV-2026-001" in text
    assert f"Objet : {agreement.purpose}" in text
    assert personas.montreuil.name in text
    assert rows == []  # no commitment: no table
    assert "Montant : 0,00\u00a0€" in text
    assert Agreement.objects.filter(pk=agreement.pk).exists()  # plain data in the context, no model

    broken = AgreementTemplate(name="Cassé", body="{% for party in parties %}")
    with pytest.raises(ValidationError) as error:
        broken.full_clean()
    assert "body" in error.value.message_dict
    # No file of the server can be pulled in: the engine has no loader.
    with pytest.raises(ValidationError):
        AgreementTemplate(name="Inclusion", body='{% include "base.html" %}').full_clean()
    with pytest.raises(ValidationError):
        AgreementTemplate(name="Bibliothèque", body="{% load i18n %}").full_clean()
    with pytest.raises(ValidationError):
        AgreementTemplate(name="Débogage", body="{% if 1 %}{% debug %}{% endif %}").full_clean()
    with pytest.raises(ValidationError):
        documents.document_generate(agreement=agreement, fmt="pdf", template_id=999_999)


def test_templates_are_edited_in_the_admin_with_one_default(personas):
    client = login(personas.alice)
    assert client.get(reverse("admin:agreement_templates_agreementtemplate_changelist")).status_code == 200
    seeded = AgreementTemplate.objects.get(is_default=True)
    response = client.post(
        reverse("admin:agreement_templates_agreementtemplate_add"),
        {"name": "Convention financière", "body": "# {{ agreement.reference }}", "is_default": "on"},
    )
    assert response.status_code == 302
    assert list(AgreementTemplate.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "Convention financière"
    ]
    seeded.refresh_from_db()
    assert not seeded.is_default
    response = client.post(
        reverse("admin:agreement_templates_agreementtemplate_add"),
        {"name": "Cassé", "body": "{% if %}"},
    )
    assert response.status_code == 200 and not AgreementTemplate.objects.filter(name="Cassé").exists()


def test_a_large_upload_goes_through_a_temporary_file(personas, media, settings):
    settings.AGREEMENT_DOCUMENT_MAX_MB = 20
    agreement = make_agreement(personas)
    content = b"%PDF-1.7\n" + bytes(range(256)) * (12 * 1024)  # 3 MB: above the in-memory threshold
    assert upload(login(personas.arthur), agreement, content=content).status_code == 302
    version = DocumentVersion.objects.get()
    assert version.size == len(content)
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    with version.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == version.sha256


def test_the_default_template_is_seeded_in_french():
    template = AgreementTemplate.objects.get(is_default=True)
    assert "{{ agreement.reference }}" in template.body
    assert "{{ commitments_table }}" in template.body
    with translation.override("fr"):
        assert "Article 1 – Objet" in template.body
