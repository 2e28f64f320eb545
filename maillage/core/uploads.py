"""Checks on uploaded files, shared by every upload of the product (convention documents, agenda
documents, community resources): an allowed extension, a size limit, a non-empty file, and content
that matches the extension (file signature, inside of the zip for office files). The file is read in
chunks, never whole, and its SHA-256 computed on the way.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str


# Extension → type.
FILE_TYPES: dict[str, FileType] = {
    "pdf": FileType("PDF", "application/pdf"),
    "docx": FileType("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "odt": FileType("ODT", "application/vnd.oasis.opendocument.text"),
    "xlsx": FileType("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "png": FileType("PNG", "image/png"),
    "jpg": FileType("JPG", "image/jpeg"),
    "jpeg": FileType("JPG", "image/jpeg"),
}
DOCUMENT_EXTENSIONS = ("pdf", "docx", "odt", "xlsx", "png", "jpg", "jpeg")


def extension_of(filename: str) -> str:
    return Path(filename).suffix.lower().lstrip(".")


def accept_attribute(extensions: Iterable[str] = DOCUMENT_EXTENSIONS) -> str:
    """The ``accept`` attribute of the file input."""
    return ",".join(f".{extension}" for extension in extensions)


def accepted_types_text(*, extensions: Iterable[str] = DOCUMENT_EXTENSIONS, max_bytes: int) -> str:
    labels = dict.fromkeys(FILE_TYPES[extension].label for extension in extensions)
    return _("Accepted types: %(types)s; %(size)s at most.") % {
        "types": ", ".join(labels),
        "size": filesizeformat(max_bytes),
    }


def content_type_for(filename: str) -> str:
    file_type = FILE_TYPES.get(extension_of(filename))
    return file_type.content_type if file_type else "application/octet-stream"


def upload_check(
    upload: File,
    *,
    filename: str,
    max_bytes: int,
    extensions: Iterable[str] = DOCUMENT_EXTENSIONS,
    field: str = "file",
) -> tuple[str, int]:
    """Check type, size and content; return (SHA-256, size). Raises ValidationError keyed by ``field``."""
    extensions = tuple(extensions)
    extension = extension_of(filename)
    file_type = FILE_TYPES.get(extension) if extension in extensions else None
    if file_type is None:
        raise ValidationError(
            {
                field: _("Files of type « %(extension)s » are not accepted. %(accepted)s")
                % {
                    "extension": f".{extension}" if extension else _("without extension"),
                    "accepted": accepted_types_text(extensions=extensions, max_bytes=max_bytes),
                }
            },
            code="file_type",
        )
    too_large = ValidationError(
        {
            field: _("The file « %(name)s » is too large (%(size)s): %(limit)s at most.")
            % {"name": filename, "size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)}
        },
        code="file_size",
    )
    if upload.size is not None and upload.size > max_bytes:
        raise too_large
    digest, size, head = hashlib.sha256(), 0, b""
    for chunk in upload.chunks(CHUNK_SIZE):
        if len(head) < 2048:
            head += chunk[: 2048 - len(head)]
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        digest.update(chunk)
    if size == 0:
        raise ValidationError(
            {field: _("The file « %(name)s » is empty.") % {"name": filename}}, code="empty"
        )
    if not _content_matches(extension, upload, head):
        raise ValidationError(
            {
                field: _(
                    "The content of « %(name)s » is not a %(type)s file: check the file and its extension."
                )
                % {"name": filename, "type": file_type.label}
            },
            code="file_content",
        )
    return digest.hexdigest(), size


_ZIP_MEMBERS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def _content_matches(extension: str, upload: File, head: bytes) -> bool:
    if extension == "pdf":
        return b"%PDF-" in head[:1024]
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            if extension == "odt":
                with archive.open("mimetype") as member:
                    return member.read(100).strip() == b"application/vnd.oasis.opendocument.text"
            return _ZIP_MEMBERS[extension] in archive.namelist()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
