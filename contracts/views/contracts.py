"""Contract pages: list (the contract ledger, 合同台账), detail with terms, attachments,
supplementary agreements and delivery batches, create and edit, and permission-checked
downloads of the documents."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import PermissionDenied, ValidationFailed
from core.files import allowed_extensions
from core.web import (
    apply_service_errors,
    field_labels,
    forbid_unless,
    found_or_404,
    ordering,
    paginate,
)
from orders.selectors import order_list

from .. import permissions as perms
from ..forms import (
    CONTRACT_FORM_FIELDS,
    AttachmentForm,
    ContractFilterForm,
    ContractForm,
    SupplementaryAgreementForm,
)
from ..models import Contract, ContractAttachment, SupplementaryAgreement
from ..selectors import (
    LEDGER_EXCLUDED_STATUSES,
    contract_get,
    contract_ledger,
    contracts_with_ledger,
    customer_list,
)
from ..services import (
    contract_attachment_add,
    contract_create,
    contract_update,
    supplementary_agreement_add,
)

SORTS = {
    "number": "number",
    "customer": "customer__name",
    "signed_date": "signed_date",
    "amount": "amount",
    "effective": "effective_amount",
    "ordered": "ordered_amount",
    "remaining": "remaining_amount",
    "status": "status",
}
LABELS = field_labels(Contract)
# Table columns: (sort key or "", heading, css class)
COLUMNS = (
    ("number", LABELS["number"], ""),
    ("", LABELS["title"], ""),
    ("customer", LABELS["customer"], ""),
    ("signed_date", LABELS["signed_date"], ""),
    ("amount", LABELS["amount"], "num"),
    ("effective", gettext_lazy("Effective amount"), "num"),
    ("ordered", gettext_lazy("Ordered"), "num"),
    ("remaining", gettext_lazy("Remaining"), "num"),
    ("status", LABELS["status"], ""),
)


def _filtered(queryset, form: ContractFilterForm):
    if not form.is_valid():
        return queryset.none()
    data = form.cleaned_data
    if term := data["q"].strip():
        queryset = queryset.filter(
            Q(number__icontains=term) | Q(title__icontains=term) | Q(customer__name__icontains=term)
        )
    if data["status"]:
        queryset = queryset.filter(status=data["status"])
    if data["customer"]:
        queryset = queryset.filter(customer=data["customer"])
    return queryset


@login_required
def contract_list_view(request):
    # Only customers that have contracts: the choice stays short however many customers exist.
    customers = (
        customer_list(user=request.user)
        .filter(contracts__isnull=False)
        .distinct()
        .select_related(None)
        .only("id", "name")
    )
    form = ContractFilterForm(request.GET, customers=customers)
    sort = request.GET.get("sort", "-signed_date")
    queryset = _filtered(contracts_with_ledger(request.user), form).order_by(
        *ordering(sort, SORTS, ["-signed_date", "-id"])
    )
    page = paginate(request, queryset)
    template = (
        "contracts/includes/contract_results.html"
        if request.htmx and not request.htmx.boosted
        else "contracts/contract_list.html"
    )
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "contracts": page.object_list,
            "sort": sort,
            "columns": COLUMNS,
            "can_create": perms.may_create_contract(request.user),
        },
    )


def _render_detail(request, contract, *, attachment_form=None, agreement_form=None):
    can_edit = perms.may_edit_contract(request.user, contract)
    ledger = contract_ledger(contract=contract)
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "ledger": ledger,
            "ordered_percent": (
                min(round(100 * ledger["ordered_amount"] / ledger["effective_amount"]), 100)
                if ledger["effective_amount"] > 0
                else 0
            ),
            "allowed_types": ", ".join(allowed_extensions()),
            "max_bytes": settings.ATTACHMENT_MAX_BYTES,
            "attachments": contract.attachments.select_related("uploaded_by"),
            "agreements": contract.supplementary_agreements.all(),
            "orders": order_list(user=request.user)
            .filter(contract=contract)
            .order_by("order_date", "id"),
            "counted_statuses_excluded": LEDGER_EXCLUDED_STATUSES,
            "can_edit": can_edit,
            "L": LABELS,
            "attachment_labels": field_labels(ContractAttachment),
            "agreement_labels": field_labels(SupplementaryAgreement),
            "attachment_form": attachment_form or (AttachmentForm() if can_edit else None),
            "agreement_form": agreement_form
            or (SupplementaryAgreementForm() if can_edit else None),
        },
    )


@login_required
def contract_detail_view(request, pk):
    contract = found_or_404(contract_get, user=request.user, contract_id=pk)
    return _render_detail(request, contract)


def _contract_form_page(request, contract=None):
    user = request.user
    # Active customers, and the contract's own even if it has since been made inactive.
    keep = Q(is_active=True) | (Q(pk=contract.customer_id) if contract else Q())
    customers = customer_list(user=user).filter(keep)
    if contract is None:
        customer_id = request.GET.get("customer", "")
        initial = {
            "signed_date": timezone.localdate(),
            "customer": int(customer_id) if customer_id.isdigit() else None,
        }
    else:
        initial = {name: getattr(contract, name) for name in CONTRACT_FORM_FIELDS}
        initial["customer"] = contract.customer_id
    form = ContractForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        customers=customers,
        creating=contract is None,
    )
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            if contract is None:
                saved = contract_create(actor=user, **values)
            else:
                saved = contract_update(contract=contract, actor=user, **values)
        except (ValidationFailed, PermissionDenied) as exc:
            apply_service_errors(exc, form)
        else:
            message = (
                _("Contract %(number)s registered.")
                if contract is None
                else _("Contract %(number)s saved.")
            )
            messages.success(request, message % {"number": saved.number})
            return redirect("contracts:contract_detail", pk=saved.pk)
    return render(request, "contracts/contract_form.html", {"form": form, "contract": contract})


@login_required
def contract_create_view(request):
    forbid_unless(perms.may_create_contract(request.user))
    return _contract_form_page(request)


@login_required
def contract_edit_view(request, pk):
    contract = found_or_404(contract_get, user=request.user, contract_id=pk)
    forbid_unless(perms.may_edit_contract(request.user, contract))
    return _contract_form_page(request, contract)


def _editable_contract(request, pk):
    contract = found_or_404(contract_get, user=request.user, contract_id=pk)
    forbid_unless(perms.may_edit_contract(request.user, contract))
    return contract


@login_required
@require_POST
def attachment_add_view(request, pk):
    contract = _editable_contract(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = contract_attachment_add(
                contract=contract,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                file=form.cleaned_data["file"],
            )
        except (ValidationFailed, PermissionDenied) as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("“%(name)s” attached.") % {"name": attachment.name})
            return redirect(reverse("contracts:contract_detail", args=[pk]) + "#attachments")
    return _render_detail(request, contract, attachment_form=form)


@login_required
@require_POST
def agreement_add_view(request, pk):
    contract = _editable_contract(request, pk)
    form = SupplementaryAgreementForm(request.POST, request.FILES)
    if form.is_valid():
        values = dict(form.cleaned_data)
        if not values.get("file"):
            values.pop("file", None)
        try:
            agreement = supplementary_agreement_add(contract=contract, actor=request.user, **values)
        except (ValidationFailed, PermissionDenied) as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(
                request,
                _("Supplementary agreement %(number)s recorded.") % {"number": agreement.number},
            )
            return redirect(reverse("contracts:contract_detail", args=[pk]) + "#agreements")
    return _render_detail(request, contract, agreement_form=form)


def _download(file_field, name: str):
    try:
        handle = file_field.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("The file is missing.")) from exc
    return FileResponse(handle, as_attachment=True, filename=name)


@login_required
def attachment_download_view(request, pk, attachment_id):
    """Documents are served only to those who may see the contract (never from /media/)."""
    contract = found_or_404(contract_get, user=request.user, contract_id=pk)
    attachment = get_object_or_404(contract.attachments, pk=attachment_id)
    return _download(attachment.file, attachment.name)


@login_required
def agreement_download_view(request, pk, agreement_id):
    contract = found_or_404(contract_get, user=request.user, contract_id=pk)
    agreement = get_object_or_404(contract.supplementary_agreements, pk=agreement_id)
    if not agreement.file:
        raise Http404
    return _download(agreement.file, agreement.file.name.rsplit("/", 1)[-1])
