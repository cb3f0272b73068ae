"""Customer pages for sales: list, detail with orders and contracts, create and edit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.errors import PermissionDenied, ValidationFailed
from core.roles import Role, has_role
from core.web import (
    apply_service_errors,
    field_labels,
    forbid_unless,
    found_or_404,
    ordering,
    paginate,
)
from orders.enums import OrderStatus
from orders.selectors import order_list

from .. import permissions as perms
from ..forms import (
    CUSTOMER_FORM_FIELDS,
    AddressFormSet,
    ContactFormSet,
    CustomerFilterForm,
    CustomerForm,
    address_initial,
    contact_initial,
    credit_code_feedback,
)
from ..models import Customer, CustomerAddress, CustomerContact
from ..selectors import customer_get, customer_list
from ..services import customer_create, customer_update
from .contracts import COLUMNS as CONTRACT_COLUMNS
from .contracts import contracts_with_ledger

LABELS = field_labels(Customer)
SORTS = {
    "name": "name",
    "credit_code": "credit_code",
    "region": "region",
    "settlement_method": "settlement_method",
    "credit_limit": "credit_limit",
    "account_manager": "account_manager__last_name",
}
# Table columns: (sort key or "", heading, css class)
COLUMNS = (
    ("name", capfirst(Customer._meta.verbose_name), ""),
    *(
        (name, LABELS[name], css)
        for name, css in (
            ("credit_code", ""),
            ("region", ""),
            ("settlement_method", ""),
            ("credit_limit", "num"),
            ("account_manager", ""),
        )
    ),
    ("", "", ""),
)
LATEST_ORDERS = 20
SALES_ROLES = (Role.SALES_REP, Role.SALES_HEAD)


def _filtered(queryset, form: CustomerFilterForm):
    if not form.is_valid():
        return queryset.none()
    data = form.cleaned_data
    if term := data["q"].strip():
        queryset = queryset.filter(
            Q(name__icontains=term)
            | Q(short_name__icontains=term)
            | Q(credit_code__icontains=term.replace(" ", "").upper())
        )
    for name, lookup in (
        ("region", "region"),
        ("settlement_method", "settlement_method"),
        ("credit_grade", "credit_grade"),
        ("trade_type", "trade_type"),
    ):
        if data[name]:
            queryset = queryset.filter(**{lookup: data[name]})
    for name, lookup in (("key", "is_key_customer"), ("active", "is_active")):
        if data[name]:
            queryset = queryset.filter(**{lookup: data[name] == "yes"})
    return queryset


@login_required
def customer_list_view(request):
    visible = customer_list(user=request.user)
    regions = list(
        visible.exclude(region="").order_by("region").values_list("region", flat=True).distinct()
    )
    form = CustomerFilterForm(request.GET, regions=regions)
    sort = request.GET.get("sort", "name")
    queryset = _filtered(visible, form).order_by(*ordering(sort, SORTS, ["name", "id"]))
    page = paginate(request, queryset)
    template = (
        "contracts/includes/customer_results.html"
        if request.htmx and not request.htmx.boosted
        else "contracts/customer_list.html"
    )
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "customers": page.object_list,
            "sort": sort,
            "columns": COLUMNS,
            "can_create": perms.may_create_customer(request.user),
        },
    )


def _order_totals(orders) -> list[dict]:
    """The customer's orders counted and summed per status, in lifecycle order (one query)."""
    rows = {
        row["status"]: row
        for row in orders.order_by()
        .values("status")
        .annotate(count=Count("id"), total=Sum("total"))
    }
    return [
        {"status": status, "label": label, **rows[status]}
        for status, label in OrderStatus.choices
        if status in rows
    ]


@login_required
def customer_detail_view(request, pk):
    customer = found_or_404(customer_get, user=request.user, customer_id=pk)
    orders = order_list(user=request.user).filter(customer=customer)
    totals = _order_totals(orders)
    return render(
        request,
        "contracts/customer_detail.html",
        {
            "customer": customer,
            "contacts": customer.contacts.all(),
            "addresses": customer.addresses.all(),
            "contracts": contracts_with_ledger(request.user)
            .filter(customer=customer)
            .order_by("-signed_date", "-id"),
            "orders": orders.order_by("-order_date", "-id")[:LATEST_ORDERS],
            "order_totals": totals,
            "order_count": sum(row["count"] for row in totals),
            "order_sum": sum(row["total"] or 0 for row in totals),
            "latest_limit": LATEST_ORDERS,
            "contract_columns": [c for c in CONTRACT_COLUMNS if c[0] != "customer"],
            "L": LABELS,
            "contact_labels": field_labels(CustomerContact),
            "address_labels": field_labels(CustomerAddress),
            "can_edit": perms.may_edit_customer(request.user, customer),
            "can_contract": perms.may_contract_for(request.user, customer),
        },
    )


def _initial(customer, user) -> dict:
    if customer is None:  # sales staff look after the customers they add, unless reassigned
        return {"account_manager": user.pk if has_role(user, *SALES_ROLES) else None}
    initial = {name: getattr(customer, name) for name in CUSTOMER_FORM_FIELDS}
    initial["account_manager"] = customer.account_manager_id
    return initial


def _added_row(data, prefix: str):
    """The posted data with one more (blank) row in the `prefix` formset."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(data.get(key, 0))
    except ValueError:
        total = 0
    data[key] = str(max(total, 0) + 1)
    return data


def _customer_form_page(request, customer=None):
    """Create (customer=None) or edit. "Add a row" buttons post the form back with
    add_row=contacts|addresses: the page comes back with a blank row and nothing saved, so it
    works without JavaScript; with htmx only that list is swapped. Contacts and addresses are
    edited here only by those who may change them (not finance): others see them read-only."""
    user = request.user
    editable = perms.customer_editable_fields(user, customer)
    lists_editable = perms.NESTED_FIELDS.issubset(editable)
    initial = _initial(customer, user)
    contacts_initial = contact_initial(customer) if customer else []
    addresses_initial = address_initial(customer) if customer else []
    contacts = addresses = None

    if request.method != "POST":
        form = CustomerForm(initial=initial, editable=editable)
        if lists_editable:
            contacts = ContactFormSet(prefix="contacts", initial=contacts_initial)
            addresses = AddressFormSet(prefix="addresses", initial=addresses_initial)
            # An empty list starts with one blank row to fill in.
            contacts.extra = 0 if contacts_initial else 1
            addresses.extra = 0 if addresses_initial else 1
        return _render_form(request, customer, form, contacts, addresses)

    data = request.POST
    add_row = data.get("add_row") if lists_editable else None
    if add_row in ("contacts", "addresses"):
        data = _added_row(data, add_row)
    form = CustomerForm(data, initial=initial, editable=editable)
    if lists_editable:
        contacts = ContactFormSet(data, prefix="contacts", initial=contacts_initial)
        addresses = AddressFormSet(data, prefix="addresses", initial=addresses_initial)
    if add_row:
        for part in (form, contacts, addresses, *contacts.forms, *addresses.forms):
            part.show_errors = False
        return _render_form(request, customer, form, contacts, addresses)

    # Validate everything (no short-circuit) so every error shows at once.
    valid = [form.is_valid()] + ([contacts.is_valid(), addresses.is_valid()] if contacts else [])
    if all(valid):
        values = form.service_values()
        nested = {}
        if lists_editable:
            values["contacts"], contact_rows = contacts.service_items()
            values["addresses"], address_rows = addresses.service_items()
            nested = {"contacts": (contacts, contact_rows), "addresses": (addresses, address_rows)}
        try:
            if customer is None:
                saved = customer_create(actor=user, **values)
            else:
                saved = customer_update(customer=customer, actor=user, **values)
        except (ValidationFailed, PermissionDenied) as exc:
            apply_service_errors(exc, form, nested)
        else:
            message = (
                _("Customer “%(name)s” added.")
                if customer is None
                else _("Customer “%(name)s” saved.")
            )
            messages.success(request, message % {"name": saved.name})
            return redirect("contracts:customer_detail", pk=saved.pk)
    return _render_form(request, customer, form, contacts, addresses)


def _has_errors(form, *formsets) -> bool:
    if not form.is_bound or not form.show_errors:
        return False
    return bool(form.errors) or any(
        fs.total_error_count() or getattr(fs, "extra_errors", None) for fs in formsets if fs
    )


def _render_form(request, customer, form, contacts, addresses):
    return render(
        request,
        "contracts/customer_form.html",
        {
            "customer": customer,
            "form": form,
            "contacts": contacts,
            "addresses": addresses,
            "has_errors": _has_errors(form, contacts, addresses),
            "contact_labels": field_labels(CustomerContact),
            "current_contacts": customer.contacts.all() if customer else [],
            "current_addresses": customer.addresses.all() if customer else [],
        },
    )


@login_required
def customer_create_view(request):
    forbid_unless(perms.may_create_customer(request.user))
    return _customer_form_page(request)


@login_required
def customer_edit_view(request, pk):
    customer = found_or_404(customer_get, user=request.user, customer_id=pk)
    forbid_unless(perms.may_edit_customer(request.user, customer))
    return _customer_form_page(request, customer)


@login_required
@require_GET
def credit_code_check_view(request):
    """The live check beside the credit-code input (htmx): format and check character."""
    code, errors = credit_code_feedback(request.GET.get("credit_code", ""))
    return render(
        request,
        "contracts/includes/credit_code_feedback.html",
        {"code": code, "errors": errors},
    )
