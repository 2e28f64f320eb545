"""Documents of a convention: upload (new document or new version), download, generation."""

from __future__ import annotations

import base64
import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from maillage.agreements import documents
from maillage.agreements.deadlines import agreement_path
from maillage.agreements.models import Agreement, AgreementDocument, DocumentVersion
from maillage.core.access import PUBLIC, STAFF, access
from maillage.core.forms import add_service_errors

logger = logging.getLogger(__name__)


class _FileInput(forms.ClearableFileInput):
    def __init__(self) -> None:
        super().__init__(attrs={"accept": documents.ACCEPT_ATTRIBUTE})


class DocumentUploadForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=250)
    file = forms.FileField(label=gettext_lazy("File"), widget=_FileInput(), allow_empty_file=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = documents.accepted_types_text()


class DocumentVersionForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("New version"), widget=_FileInput(), allow_empty_file=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = documents.accepted_types_text()


def _next(request: HttpRequest) -> str:
    """Where to go back after the action (the page it was started from), if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _back(request: HttpRequest, agreement_id: int) -> str:
    return _next(request) or agreement_path(agreement_id)


def _bound(form_class: type[forms.Form], request: HttpRequest) -> forms.Form:
    return form_class(request.POST, request.FILES) if request.method == "POST" else form_class()


def _stored_message(request: HttpRequest, version: DocumentVersion) -> None:
    messages.success(
        request,
        _("« %(title)s » version %(number)s saved (SHA-256 %(sha)s…).")
        % {"title": version.document.title, "number": version.number, "sha": version.sha256[:12]},
    )


@access(STAFF)
def document_upload_view(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement, pk=pk)
    form = _bound(DocumentUploadForm, request)
    if request.method == "POST" and form.is_valid():
        try:
            version = documents.document_upload(
                agreement=agreement,
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _stored_message(request, version)
            return redirect(_back(request, agreement.pk))
    return render(
        request,
        "agreements/documents/upload_form.html",
        {
            "form": form,
            "agreement": agreement,
            "agreement_url": agreement_path(agreement.pk),
            "next": _next(request),
        },
    )


@access(STAFF)
def document_version_add_view(request: HttpRequest, doc: int) -> HttpResponse:
    document = get_object_or_404(AgreementDocument.objects.select_related("agreement"), pk=doc)
    form = _bound(DocumentVersionForm, request)
    if request.method == "POST" and form.is_valid():
        try:
            version = documents.document_version_add(
                document=document, file=form.cleaned_data["file"], user=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _stored_message(request, version)
            return redirect(_back(request, document.agreement_id))
    return render(
        request,
        "agreements/documents/version_form.html",
        {
            "form": form,
            "document": document,
            "agreement": document.agreement,
            "agreement_url": agreement_path(document.agreement_id),
            "versions": document.versions.select_related("uploaded_by"),
            "next": _next(request),
        },
    )


@access(PUBLIC)
def document_download_view(request: HttpRequest, version: int) -> HttpResponse:
    """Same visibility as the convention. Anonymous visitors are sent to the login page for anything
    they may not see (or that does not exist), and signed-in users get a 404: existence is not revealed."""
    try:
        found = documents.version_visible_to(request.user).get(pk=version)
    except DocumentVersion.DoesNotExist:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404 from None
    try:
        handle = found.file.storage.open(found.file.name, "rb")
    except OSError:
        logger.error("Document version %s: file %s missing from storage", found.pk, found.file.name)
        raise Http404(_("The file of this document is missing; the administrators have been told.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=found.filename,
        content_type=documents.content_type_for(found.filename),
    )
    response["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(found.sha256)).decode()}:"
    response["Cache-Control"] = "private, max-age=0"
    return response


def _generation_failed(request: HttpRequest, agreement: Agreement, error: ValidationError) -> HttpResponse:
    for message in error.messages:
        messages.error(request, message)
    return redirect(_back(request, agreement.pk))


@access(STAFF)
def document_generate_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in documents.FORMATS:
        raise Http404(_("Unknown document format."))
    agreement = get_object_or_404(Agreement, pk=pk)
    try:
        generated = documents.document_generate(
            agreement=agreement, fmt=fmt, template_id=request.GET.get("template")
        )
    except ValidationError as error:
        return _generation_failed(request, agreement, error)
    response = HttpResponse(generated.content, content_type=generated.content_type)
    response["Content-Disposition"] = content_disposition_header(True, generated.filename)
    response["Cache-Control"] = "private, no-store"
    return response


@access(STAFF)
@require_POST
def document_generate_save_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in documents.FORMATS:
        raise Http404(_("Unknown document format."))
    agreement = get_object_or_404(Agreement, pk=pk)
    try:
        version = documents.document_generate_save(
            agreement=agreement, fmt=fmt, user=request.user, template_id=request.POST.get("template")
        )
    except ValidationError as error:
        return _generation_failed(request, agreement, error)
    _stored_message(request, version)
    return redirect(_back(request, agreement.pk))
