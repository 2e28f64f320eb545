"""Watch pages: the DIT team's work tool (STAFF), plus the public list of diffused items."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from maillage.core.access import PUBLIC, STAFF, access
from maillage.core.exports import EXPORT_FORMATS, Column, export_response
from maillage.core.forms import add_service_errors
from maillage.core.paging import paginate, querystring_without_page
from maillage.watch import selectors, services
from maillage.watch.forms import DigestForm, ItemFilterForm, ItemForm, SourceForm, selected_ids
from maillage.watch.models import (
    ITEM_TRANSITIONS,
    Digest,
    DigestStatus,
    FetchStatus,
    Item,
    ItemStatus,
    Source,
)

ITEM_COLUMNS = [
    Column(gettext_lazy("Title"), lambda i: i.title),
    Column(gettext_lazy("Status"), lambda i: i.get_status_display()),
    Column(gettext_lazy("Source"), lambda i: i.source.title),
    Column(gettext_lazy("Published at"), lambda i: timezone.localtime(i.published_at)),
    Column(gettext_lazy("Link"), lambda i: i.url),
    Column(gettext_lazy("Themes"), lambda i: "; ".join(str(t) for t in i.themes.all())),
    Column(gettext_lazy("Communes"), lambda i: "; ".join(c.name for c in i.communes.all())),
    Column(
        gettext_lazy("Assigned to"),
        lambda i: (i.assignee.get_full_name() or i.assignee.username) if i.assignee else "",
    ),
    Column(gettext_lazy("Notes"), lambda i: i.notes),
]
BULK_ACTIONS = [
    (ItemStatus.RETAINED, gettext_lazy("Retain")),
    (ItemStatus.DISCARDED, gettext_lazy("Discard")),
    (ItemStatus.NEW, gettext_lazy("Reopen (back to new)")),
]
TRANSITION_LABELS = {
    ItemStatus.RETAINED: gettext_lazy("Retain"),
    ItemStatus.DISCARDED: gettext_lazy("Discard"),
    ItemStatus.NEW: gettext_lazy("Back to new"),
    ItemStatus.DIFFUSED: gettext_lazy("Mark as diffused"),
}


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


# --- Items ---------------------------------------------------------------------------------------


@access(STAFF)
def item_list_view(request: HttpRequest) -> HttpResponse:
    form = ItemFilterForm(request.GET or None)
    items = selectors.item_list(user=request.user, **form.filters())
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_response(items, ITEM_COLUMNS, filename="veille", fmt=fmt)
    return render(
        request,
        "watch/item_list.html",
        {
            "form": form,
            "page": paginate(request, items),
            "querystring": querystring_without_page(request),
            "bulk_actions": BULK_ACTIONS,
            "counts": selectors.status_counts(),
        },
    )


@access(STAFF)
@require_POST
def item_bulk_view(request: HttpRequest) -> HttpResponse:
    try:
        report = services.items_bulk_transition(
            item_ids=selected_ids(request.POST.getlist("items")),
            to_status=request.POST.get("to_status", ""),
            user=request.user,
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        if report.moved:
            messages.success(
                request,
                ngettext("%(count)s item updated.", "%(count)s items updated.", report.moved)
                % {"count": report.moved},
            )
        for message in report.refused[:20]:
            messages.error(request, message)
    return _back(request, reverse("watch:item_list"))


def _get_item(request: HttpRequest, pk: int) -> Item:
    try:
        return selectors.item_detail(user=request.user, pk=pk)
    except Item.DoesNotExist:
        raise Http404(_("This item does not exist.")) from None


def _item_context(item: Item, form: ItemForm | None = None) -> dict[str, Any]:
    return {
        "item": item,
        "form": form or ItemForm(instance=item),
        "transitions": [
            (status, TRANSITION_LABELS[status])
            for status in ItemStatus.values
            if status in ITEM_TRANSITIONS.get(item.status, set())
        ],
        "entries": selectors.item_digests(item),
    }


@access(STAFF)
def item_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = _get_item(request, pk)
    form = ItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_update(
                item=item,
                data=form.item_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                themes=form.cleaned_data["themes"],
                communes=form.cleaned_data["communes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("watch:item_detail", pk=item.pk)
    return render(request, "watch/item_detail.html", _item_context(item, form))


@access(STAFF)
@require_POST
def item_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = _get_item(request, pk)
    try:
        item = services.item_transition(
            item=item, to_status=request.POST.get("to_status", ""), user=request.user
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request, _("The item is now « %(status)s ».") % {"status": item.get_status_display()}
        )
    return _back(request, reverse("watch:item_detail", kwargs={"pk": item.pk}))


# --- Sources -------------------------------------------------------------------------------------


@access(STAFF)
def source_list_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    state = request.GET.get("state", "")
    sources = selectors.source_list(user=request.user, query=query, state=state)
    return render(
        request,
        "watch/source_list.html",
        {
            "page": paginate(request, sources),
            "querystring": querystring_without_page(request),
            "q": query,
            "state": state,
            "states": [
                ("", _("All sources")),
                ("active", _("Active")),
                ("inactive", _("Inactive")),
                ("error", _("In error")),
            ],
        },
    )


def _get_source(request: HttpRequest, pk: int) -> Source:
    try:
        return selectors.source_detail(user=request.user, pk=pk)
    except Source.DoesNotExist:
        raise Http404(_("This source does not exist.")) from None


@access(STAFF)
def source_create_view(request: HttpRequest) -> HttpResponse:
    form = SourceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.source_create(data=form.source_data(), themes=form.cleaned_data["themes"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The source « %(title)s » was added. Use « Test now » to fetch it at once.")
                % {"title": source.title},
            )
            return redirect("watch:source_detail", pk=source.pk)
    return render(request, "watch/source_form.html", {"form": form, "creating": True})


@access(STAFF)
def source_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    source = _get_source(request, pk)
    form = SourceForm(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid():
        try:
            services.source_update(
                source=source,
                data=form.source_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                themes=form.cleaned_data["themes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("watch:source_detail", pk=source.pk)
    return render(request, "watch/source_form.html", {"form": form, "source": source})


@access(STAFF)
def source_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    source = _get_source(request, pk)
    return render(
        request,
        "watch/source_detail.html",
        {"source": source, "items": selectors.source_recent_items(source), "FetchStatus": FetchStatus},
    )


@access(STAFF)
@require_POST
def source_test_view(request: HttpRequest, pk: int) -> HttpResponse:
    """« Tester » : fetch the feed now, without the conditional headers, and say what happened."""
    source = _get_source(request, pk)
    report = services.source_fetch(source=source, force=True)
    if report.status == FetchStatus.ERROR:
        messages.error(request, _("The feed could not be read: %(error)s") % {"error": report.message})
    else:
        messages.success(
            request,
            _("Feed read: %(created)s new item(s), %(duplicates)s already known.")
            % {"created": report.created, "duplicates": report.duplicates},
        )
        if report.message:
            messages.warning(request, report.message)
    return redirect("watch:source_detail", pk=source.pk)


# --- Digests -------------------------------------------------------------------------------------


@access(STAFF)
def digest_list_view(request: HttpRequest) -> HttpResponse:
    digests = selectors.digest_list(user=request.user)
    return render(
        request,
        "watch/digest_list.html",
        {"page": paginate(request, digests), "querystring": querystring_without_page(request)},
    )


@access(STAFF)
def digest_create_view(request: HttpRequest) -> HttpResponse:
    form = DigestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            digest = services.digest_create(data=form.digest_data(), user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The digest was created: add retained items to it."))
            return redirect("watch:digest_detail", pk=digest.pk)
    return render(request, "watch/digest_form.html", {"form": form, "creating": True})


def _get_digest(request: HttpRequest, pk: int) -> Digest:
    try:
        return selectors.digest_detail(user=request.user, pk=pk)
    except Digest.DoesNotExist:
        raise Http404(_("This digest does not exist.")) from None


@access(STAFF)
def digest_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    digest = _get_digest(request, pk)
    form = DigestForm(request.POST or None, instance=digest)
    if request.method == "POST" and form.is_valid():
        try:
            services.digest_update(
                digest=digest, data=form.digest_data(), expected_version=form.cleaned_data.get("version") or 0
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("watch:digest_detail", pk=digest.pk)
    return render(request, "watch/digest_form.html", {"form": form, "digest": digest})


@access(STAFF)
def digest_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    digest = _get_digest(request, pk)
    newsletter = digest.newsletter
    if digest.status == DigestStatus.DRAFT and newsletter is not None and newsletter.status == "sent":
        digest = services.digest_publish(digest=digest)
    is_draft = digest.status == DigestStatus.DRAFT
    return render(
        request,
        "watch/digest_detail.html",
        {
            "digest": digest,
            "entries": selectors.digest_entries(digest),
            "candidates": selectors.digest_candidates(digest) if is_draft else [],
            "is_draft": is_draft,
        },
    )


@access(STAFF)
@require_POST
def digest_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    digest = _get_digest(request, pk)
    try:
        added = services.digest_items_add(digest=digest, item_ids=selected_ids(request.POST.getlist("items")))
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request,
            ngettext("%(count)s item added to the digest.", "%(count)s items added to the digest.", added)
            % {"count": added},
        )
    return redirect("watch:digest_detail", pk=digest.pk)


@access(STAFF)
@require_POST
def digest_entries_view(request: HttpRequest, pk: int) -> HttpResponse:
    digest = _get_digest(request, pk)
    rows = []
    removed = set(selected_ids(request.POST.getlist("remove")))
    for raw in request.POST.getlist("entry"):
        if not raw.isdigit():
            messages.error(request, _("The form was altered: reload the page."))
            return redirect("watch:digest_detail", pk=digest.pk)
        entry_id = int(raw)
        order = request.POST.get(f"order-{entry_id}", "")
        rows.append(
            {
                "id": entry_id,
                "order": int(order) if order.isdigit() and int(order) < 10_000 else 0,
                "comment": request.POST.get(f"comment-{entry_id}", "")[:5000],
                "remove": entry_id in removed,
            }
        )
    try:
        services.digest_entries_save(digest=digest, entries=rows)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The digest was saved."))
    return redirect("watch:digest_detail", pk=digest.pk)


@access(STAFF)
@require_POST
def digest_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    digest = _get_digest(request, pk)
    try:
        services.digest_publish(digest=digest, user=request.user)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The digest is published: its items are now « diffused »."))
    return redirect("watch:digest_detail", pk=digest.pk)


@access(STAFF)
@require_POST
def digest_newsletter_view(request: HttpRequest, pk: int) -> HttpResponse:
    digest = _get_digest(request, pk)
    try:
        newsletter = services.digest_newsletter_create(digest=digest, user=request.user)
    except ValidationError as error:
        _errors(request, error)
        return redirect("watch:digest_detail", pk=digest.pk)
    messages.success(
        request,
        _("The draft newsletter « %(title)s » was created: choose its audience, then send it.")
        % {"title": newsletter.title},
    )
    return redirect("diffusion:newsletter_update", pk=newsletter.pk)


# --- Public --------------------------------------------------------------------------------------


@access(PUBLIC)
def public_list_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    items = selectors.public_items(query=query)
    return render(
        request,
        "watch/public_list.html",
        {"page": paginate(request, items), "querystring": querystring_without_page(request), "q": query},
    )
