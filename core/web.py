"""What list and form pages share: 404/403 from the service errors, sorting, pagination,
and putting a service's field errors back next to the fields they are about."""

from django import forms
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.utils.text import capfirst

from core.errors import ApplicationError, NotFound

PAGE_SIZES = (25, 50, 100)


def found_or_404(selector, **kwargs):
    """Call a `*_get` selector; a record the user may not see is a 404, like one that is gone."""
    try:
        return selector(**kwargs)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise Forbidden


def ordering(sort: str, sorts: dict[str, str], default: list[str]) -> list[str]:
    """?sort=key or ?sort=-key to database ordering, with the id as the tie-breaker."""
    key = sort.lstrip("-")
    if key not in sorts:
        return default
    prefix = "-" if sort.startswith("-") else ""
    return [f"{prefix}{sorts[key]}", f"{prefix}id"]


def paginate(request, queryset) -> Page:
    try:
        page_size = int(request.GET.get("page_size", PAGE_SIZES[0]))
    except ValueError:
        page_size = PAGE_SIZES[0]
    if page_size not in PAGE_SIZES:
        page_size = PAGE_SIZES[0]
    return Paginator(queryset, page_size).get_page(request.GET.get("page"))


def apply_service_errors(
    exc: ApplicationError,
    form: forms.Form,
    nested: dict[str, tuple[forms.BaseFormSet, list[forms.Form]]] | None = None,
) -> None:
    """Put the service's field errors ("credit_code", "contacts.0.phone", "addresses") on the
    form, the row or the formset they name; anything else becomes a form-wide error.

    `nested` maps a list name to its formset and the forms whose items were sent, in order.
    """
    nested = nested or {}
    fields = exc.extra.get("fields") or {}
    if not fields:
        form.add_error(None, str(exc.message))
        return
    for key, messages in fields.items():
        messages = [str(m) for m in messages]
        head, _, rest = key.partition(".")
        if head in nested:
            formset, sources = nested[head]
            index, _, name = rest.partition(".")
            if not rest:
                formset.extra_errors = [*getattr(formset, "extra_errors", []), *messages]
                continue
            if index.isdigit() and int(index) < len(sources):
                row = sources[int(index)]
                row.add_error(name if name in row.fields and name != "id" else None, messages)
                continue
        if key in form.fields:
            form.add_error(key, messages)
        else:
            form.add_error(None, messages)
    if exc.status_code != 400:  # a refusal says what was refused besides naming the fields
        form.add_error(None, str(exc.message))


def field_labels(model) -> dict[str, str]:
    """A model's field labels as its forms show them (translated, capitalised), so a detail
    page and the form that edits it name each field the same way."""
    return {
        f.name: capfirst(f.verbose_name)
        for f in model._meta.get_fields()
        if getattr(f, "verbose_name", None)
    }
