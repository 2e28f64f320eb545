"""SQL pagination for list pages: one bounded COUNT and one LIMIT/OFFSET query, whatever the volume.

Counting every row of a 100,000-row table costs more than rendering the page, and grows with it.
The count stops at COUNT_CAP: past that the page says "more than 10,000" and people refine the
filters, which is what they do anyway at that size.
"""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 50
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            # Without its ORDER BY: sorting every match only to count them doubles the cost of a search.
            return self.object_list.order_by()[: COUNT_CAP + 1].count()
        return len(self.object_list)

    @property
    def cap(self) -> int:
        return COUNT_CAP

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def paginate(
    request: HttpRequest, queryset: QuerySet, per_page: int = PAGE_SIZE, *, count: int | None = None
) -> Page:
    """One page of ``queryset``. A view that already counted the rows (in an aggregate it needs anyway)
    passes ``count`` and saves the COUNT query."""
    paginator = CappedPaginator(queryset, per_page)
    if count is not None:
        paginator.__dict__["count"] = count  # fills the cached_property
    try:
        return paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


def querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("format", None)
    return params.urlencode()
