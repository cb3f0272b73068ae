"""Registering contracts, their attachments and supplementary agreements (REQUIREMENTS §2)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.files import check_upload

from .. import permissions as perms
from ..enums import AttachmentKind
from ..models import Contract, ContractAttachment, Customer, SupplementaryAgreement
from ..selectors import contract_list, customer_list
from ._common import clean_into, differs, raise_if_errors, save_unique

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files import File

CONTRACT_FIELDS = (
    "number",
    "customer",
    "title",
    "signed_date",
    "start_date",
    "end_date",
    "amount",
    "payment_terms",
    "penalty_clause",
    "installation_service",
    "status",
    "notes",
)


def _check_known(fields: dict) -> None:
    unknown = sorted(set(fields) - set(CONTRACT_FIELDS))
    if unknown:
        raise TypeError(f"unknown contract fields: {', '.join(unknown)}")


def _check_customer(actor: User, customer: Customer | None, errors: dict) -> None:
    if customer is None:
        errors["customer"] = [_("Choose a customer.")]
    elif not customer_list(user=actor).filter(pk=customer.pk).exists():
        # Same answer whether the customer exists or not: a rep learns nothing about others.
        errors["customer"] = [_("You may only register contracts for your own customers.")]
    elif not perms.may_contract_for(actor, customer):
        errors["customer"] = [_("You may not register contracts for this customer.")]
    elif not customer.is_active:
        errors["customer"] = [_("This customer is inactive.")]


def _check_number(contract: Contract, errors: dict) -> None:
    if "number" in errors or not contract.number:
        return
    if Contract.objects.filter(number=contract.number).exclude(pk=contract.pk).exists():
        errors["number"] = [_("Another contract already has this number.")]


def _save(contract: Contract) -> None:
    save_unique(
        contract,
        clash=lambda: (
            Contract.objects.filter(number=contract.number).exclude(pk=contract.pk).exists()
        ),
        field="number",
        message=_("Another contract already has this number."),
    )


def contract_create(
    *,
    actor: User,
    customer: Customer | None,
    number: str,
    signed_date: datetime.date | None,
    amount: Decimal | None,
    **fields: Any,
) -> Contract:
    """Register a signed sales contract (REQUIREMENTS §2); the actor becomes its owner.

    A sales rep registers contracts for the customers they manage; the sales head and the
    administrator for any customer. Contract numbers are unique.
    """
    _check_known(fields)
    if not perms.may_create_contract(actor):
        raise PermissionDenied(_("Only sales staff can register contracts."))
    errors: dict[str, list[str]] = {}
    _check_customer(actor, customer, errors)
    with transaction.atomic():
        contract = Contract(
            customer=customer,
            owner=actor,
            number=(number or "").strip(),
            signed_date=signed_date,
            amount=amount,
            **fields,
        )
        clean_into(contract, errors, exclude=["customer", "owner"])
        _check_number(contract, errors)
        raise_if_errors(errors)
        _save(contract)
    return contract


def contract_update(*, contract: Contract, actor: User, **changes: Any) -> Contract:
    """Edit a contract's header: sales head and administrator any, a rep those of their
    customers or that they own. The customer changes only while no order refers to the
    contract, since each order's customer must match its contract's."""
    _check_known(changes)
    if "number" in changes:
        changes["number"] = (changes["number"] or "").strip()
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if not contract_list(user=actor).filter(pk=locked.pk).exists():
            raise NotFound()
        if not perms.may_edit_contract(actor, locked):
            raise PermissionDenied(_("You may not edit this contract."))
        changed = {n: v for n, v in changes.items() if differs(locked, n, v)}
        errors: dict[str, list[str]] = {}
        if "customer" in changed:
            _check_customer(actor, changed["customer"], errors)
            if locked.orders.exists():
                errors.setdefault("customer", []).append(
                    _("The contract already has orders; its customer cannot change.")
                )
        for name, value in changed.items():
            setattr(locked, name, value)
        clean_into(locked, errors, exclude=["customer", "owner"])
        _check_number(locked, errors)
        raise_if_errors(errors)
        _save(locked)
    return locked


def _check_may_edit(actor: User, contract: Contract) -> None:
    if not contract_list(user=actor).filter(pk=contract.pk).exists():
        raise NotFound()
    if not perms.may_edit_contract(actor, contract):
        raise PermissionDenied(_("You may not change this contract's documents."))


def contract_attachment_add(
    *, contract: Contract, file: File, kind: str, actor: User
) -> ContractAttachment:
    """Attach a document to a contract: signed scan, technical agreement, purchase confirmation
    letter (REQUIREMENTS §2). Size and type are checked and the sha256 kept for the archive."""
    _check_may_edit(actor, contract)
    if kind not in AttachmentKind.values:
        raise ValidationFailed(fields={"kind": [_("Choose a kind of document.")]})
    sha256 = check_upload(file)
    name = PurePath(file.name).name
    attachment = ContractAttachment(
        contract=contract,
        kind=kind,
        file=file,
        name=name[-200:],
        size=file.size,
        sha256=sha256,
        uploaded_by=actor,
    )
    errors: dict[str, list[str]] = {}
    clean_into(attachment, errors, exclude=["contract", "uploaded_by"])
    raise_if_errors(errors)
    with transaction.atomic():
        attachment.save()
    return attachment


def supplementary_agreement_add(
    *,
    contract: Contract,
    actor: User,
    number: str,
    signed_date: datetime.date | None,
    amount_change: Decimal = Decimal("0.00"),
    description: str = "",
    file: File | None = None,
) -> SupplementaryAgreement:
    """Record a supplementary agreement (补充协议) that changes the contract amount or terms
    (REQUIREMENTS §2, §5). It is signed on or after the contract, its number is unique within
    the contract, and the contract amount it leaves is not negative."""
    _check_may_edit(actor, contract)
    errors: dict[str, list[str]] = {}
    if file is not None:
        check_upload(file)
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        agreement = SupplementaryAgreement(
            contract=locked,
            number=(number or "").strip(),
            signed_date=signed_date,
            amount_change=amount_change,
            description=description or "",
        )
        if file is not None:
            agreement.file = file
        clean_into(agreement, errors, exclude=["contract"])
        if signed_date and signed_date < locked.signed_date:
            errors.setdefault("signed_date", []).append(
                _("A supplementary agreement cannot be signed before its contract (%(date)s).")
                % {"date": locked.signed_date.isoformat()}
            )
        if (
            agreement.number
            and locked.supplementary_agreements.filter(number=agreement.number).exists()
        ):
            errors.setdefault("number", []).append(
                _("This contract already has a supplementary agreement with this number.")
            )
        if "amount_change" not in errors and amount_change is not None:
            earlier = locked.supplementary_agreements.aggregate(s=Sum("amount_change"))["s"] or 0
            if locked.amount + earlier + amount_change < 0:
                errors.setdefault("amount_change", []).append(
                    _("The change would make the contract amount negative.")
                )
        raise_if_errors(errors)
        save_unique(
            agreement,
            clash=lambda: SupplementaryAgreement.objects.filter(
                contract=locked, number=agreement.number
            ).exists(),
            field="number",
            message=_("This contract already has a supplementary agreement with this number."),
        )
    return agreement
