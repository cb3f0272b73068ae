"""One exception handler for the whole API: every error is {"code", "message", "extra"}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import (
    ApplicationError,
    ConcurrentModification,
    ErrorCode,
    InvalidTransition,
    validation_error_from_django,
)


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"lines.0.quantity": ["..."]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def _body(code, message, extra=None, status_code=400) -> Response:
    return Response(
        {"code": str(code), "message": str(message), "extra": extra or {}}, status=status_code
    )


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = validation_error_from_django(exc)
    if isinstance(exc, TransitionNotAllowed):
        exc = InvalidTransition(str(exc))
    if isinstance(exc, ConcurrentTransition):
        exc = ConcurrentModification()
    if isinstance(exc, ApplicationError):
        return _body(exc.code, exc.message, exc.extra, exc.status_code)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        return _body(ErrorCode.VALIDATION_ERROR, _("The data is not valid."), {"fields": fields})
    if isinstance(exc, (Http404, exceptions.NotFound)):
        return _body(ErrorCode.NOT_FOUND, _("Not found."), status_code=404)
    if isinstance(exc, (DjangoPermissionDenied, exceptions.PermissionDenied)):
        return _body(
            ErrorCode.PERMISSION_DENIED,
            _("You do not have permission to do this."),
            status_code=403,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        response.status_code = status.HTTP_401_UNAUTHORIZED
        code = ErrorCode.NOT_AUTHENTICATED
    elif isinstance(exc, exceptions.MethodNotAllowed):
        code = ErrorCode.METHOD_NOT_ALLOWED
    elif isinstance(exc, exceptions.Throttled):
        code = ErrorCode.THROTTLED
    elif isinstance(exc, exceptions.ParseError):
        code = ErrorCode.VALIDATION_ERROR
    else:
        code = getattr(exc, "default_code", ErrorCode.ERROR)
    detail = getattr(exc, "detail", "")
    response.data = {"code": str(code), "message": str(detail), "extra": {}}
    return response
