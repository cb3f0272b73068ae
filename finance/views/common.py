"""What the finance pages share: who may open them, the list pages, and the service's line
errors put back next to the quantity inputs they are about."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from core.errors import ApplicationError, ValidationFailed
from core.web import apply_service_errors, forbid_unless, paginate

from ..permissions import may_read_finance, may_write_finance


def _page_for(may) -> callable:
    """A view decorator: signed in, and `may(user)`; else 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            forbid_unless(may(request.user))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# A finance reader (finance, admin, GM, sales head, rep).
finance_page = _page_for(may_read_finance)
# Finance or admin.
finance_writer_page = _page_for(may_write_finance)


def list_page(request, template: str, *, form, rows, name: str, filtered: bool):
    """A list page: the filter form, a page of `rows` (in the context as `name`) and whether
    the user may add records."""
    page = paginate(request, rows)
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            name: page.object_list,
            "filtered": filtered,
            "may_write": may_write_finance(request.user),
        },
    )


def url_or_none(name: str, *args) -> str | None:
    """A link to a page another helper builds, only once it exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def apply_line_errors(exc: ApplicationError, form) -> None:
    """The service names a line's quantity "lines.<id>"; the form calls it qty_<id>."""
    fields = exc.extra.get("fields") or {}
    if fields:
        mapped: dict[str, list] = {}
        for key, messages in fields.items():
            mapped.setdefault(form.field_for_service_key(key) or "__all__", []).extend(messages)
        copy = ValidationFailed(exc.message, fields=mapped)
        copy.status_code = exc.status_code
        apply_service_errors(copy, form)
        # A refusal that explains itself beyond the fields (e.g. "… has been paid") says so.
        if exc.status_code == 400 and str(exc.message) != str(ValidationFailed().message):
            form.add_error(None, str(exc.message))
        return
    apply_service_errors(exc, form)
