"""One gate for uploaded files (contract scans, order attachments, delivery receipts).

Size and type limits come from settings (ATTACHMENT_MAX_BYTES, ATTACHMENT_EXTENSIONS) so a
site can widen them without code. The checksum is stored with the file so an archived copy can
later be proved unchanged (REQUIREMENTS §8, §11).
"""

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

CHUNK_SIZE = 64 * 1024


def allowed_extensions() -> list[str]:
    return sorted({ext.strip().lower().lstrip(".") for ext in settings.ATTACHMENT_EXTENSIONS})


def _extension(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


def _chunks(file):
    """Django's UploadedFile streams by itself; a plain file object is read piece by piece."""
    if hasattr(file, "chunks"):
        yield from file.chunks(CHUNK_SIZE)
        return
    if hasattr(file, "seek"):
        file.seek(0)
    while chunk := file.read(CHUNK_SIZE):
        yield chunk


def check_upload(file, *, field: str = "file") -> str:
    """Refuse a file that is empty, too large or of a type not accepted; return its sha256.

    Errors are reported on `field` (e.g. "file" or "attachments.0.file") so forms and the API
    show them next to the input.
    """
    max_bytes = settings.ATTACHMENT_MAX_BYTES
    if file is None:
        raise ValidationFailed(fields={field: [_("Choose a file to upload.")]})
    name = PurePath(getattr(file, "name", "") or "").name
    extension = _extension(name)
    allowed = allowed_extensions()
    if extension not in allowed:
        message = (
            _("Files of type “.%(ext)s” are not accepted. Accepted types: %(allowed)s.")
            if extension
            else _("The file has no extension. Accepted types: %(allowed)s.")
        )
        raise ValidationFailed(
            fields={field: [message % {"ext": extension, "allowed": ", ".join(allowed)}]}
        )
    declared = getattr(file, "size", None)
    if declared is not None and declared > max_bytes:
        raise _too_big(field, declared, max_bytes)

    digest = hashlib.sha256()
    size = 0
    for chunk in _chunks(file):
        size += len(chunk)
        if size > max_bytes:  # the declared size may be missing or wrong
            raise _too_big(field, size, max_bytes)
        digest.update(chunk)
    if hasattr(file, "seek"):
        file.seek(0)  # whoever saves the file next reads it from the start
    if size == 0:
        raise ValidationFailed(fields={field: [_("The file is empty.")]})
    return digest.hexdigest()


def _too_big(field: str, size: int, max_bytes: int) -> ValidationFailed:
    return ValidationFailed(
        fields={
            field: [
                _("The file is too large (%(size)s); the limit is %(limit)s.")
                % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)}
            ]
        }
    )
