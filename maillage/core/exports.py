"""CSV and XLSX exports of any list: same queryset, same access rule as the page that shows it."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

EXPORT_FORMATS = {"csv", "xlsx"}


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _rows(queryset: QuerySet | Iterable[Any], columns: list[Column]) -> Iterator[list[Any]]:
    items = queryset.iterator(chunk_size=2000) if isinstance(queryset, QuerySet) else queryset
    for item in items:
        yield [_cell(column.value(item)) for column in columns]


def export_response(
    queryset: QuerySet | Iterable[Any], columns: list[Column], *, filename: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=filename[:31])
        sheet.append([str(column.header) for column in columns])
        for row in _rows(queryset, columns):
            sheet.append(row)
        response = HttpResponse(
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        workbook.save(response)
        response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
        return response

    writer = csv.writer(_Echo(), delimiter=";")

    def stream() -> Iterator[str]:
        # A BOM lets spreadsheet software open the UTF-8 file with accents intact.
        yield "\ufeff"
        yield writer.writerow([str(column.header) for column in columns])
        for row in _rows(queryset, columns):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response
