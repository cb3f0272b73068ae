"""Typed application errors; the API handler turns them into the JSON error body (DESIGN §7)."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class ErrorCode(TextChoices):
    VALIDATION_ERROR = "validation_error", _("Validation error")
    NOT_AUTHENTICATED = "not_authenticated", _("Not authenticated")
    PERMISSION_DENIED = "permission_denied", _("Permission denied")
    NOT_FOUND = "not_found", _("Not found")
    INVALID_TRANSITION = "invalid_transition", _("Invalid transition")
    CONCURRENT_MODIFICATION = "concurrent_modification", _("Concurrent modification")
    METHOD_NOT_ALLOWED = "method_not_allowed", _("Method not allowed")
    SHIPPING_BLOCKED = "shipping_blocked", _("Shipping blocked")
    THROTTLED = "throttled", _("Too many requests")
    ERROR = "error", _("Error")


class ApplicationError(Exception):
    status_code = 400
    default_code = ErrorCode.ERROR

    def __init__(self, message, code: str | None = None, extra: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code or self.default_code
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    """Bad input. `fields` maps a field name (or "lines.0.quantity") to its messages."""

    default_code = ErrorCode.VALIDATION_ERROR

    def __init__(self, message=None, fields: dict | None = None, extra: dict | None = None):
        extra = dict(extra or {})
        if fields:
            extra["fields"] = {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
        super().__init__(message or _("The data is not valid."), extra=extra)

    @property
    def fields(self) -> dict:
        return self.extra.get("fields", {})


class PermissionDenied(ApplicationError):
    status_code = 403
    default_code = ErrorCode.PERMISSION_DENIED

    def __init__(self, message=None, extra: dict | None = None):
        super().__init__(message or _("You do not have permission to do this."), extra=extra)


class NotFound(ApplicationError):
    status_code = 404
    default_code = ErrorCode.NOT_FOUND

    def __init__(self, message=None, extra: dict | None = None):
        super().__init__(message or _("Not found."), extra=extra)


class InvalidTransition(ApplicationError):
    status_code = 409
    default_code = ErrorCode.INVALID_TRANSITION


class ConcurrentModification(ApplicationError):
    status_code = 409
    default_code = ErrorCode.CONCURRENT_MODIFICATION

    def __init__(self, message=None, extra: dict | None = None):
        super().__init__(
            message or _("Someone else changed this record at the same time; reload and retry."),
            extra=extra,
        )


def validation_error_from_django(exc) -> ValidationFailed:
    """Wrap a django.core.exceptions.ValidationError raised by full_clean()."""
    if hasattr(exc, "error_dict"):
        fields = {
            ("non_field_errors" if k == "__all__" else k): [str(m) for e in v for m in e.messages]
            for k, v in exc.error_dict.items()
        }
        return ValidationFailed(fields=fields)
    return ValidationFailed(fields={"non_field_errors": [str(m) for m in exc.messages]})
