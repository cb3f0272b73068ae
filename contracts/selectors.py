"""Reads of customers and contracts, scoped by role: a sales rep sees their own customers."""

from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.errors import NotFound
from core.roles import sees_all_records

from .models import Contract, Customer, SupplementaryAgreement


def customer_list(*, user) -> QuerySet[Customer]:
    qs = Customer.objects.select_related("account_manager")
    if not sees_all_records(user):
        qs = qs.filter(account_manager=user)
    return qs


def customer_get(*, user, customer_id) -> Customer:
    customer = customer_list(user=user).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound()
    return customer


def contract_list(*, user) -> QuerySet[Contract]:
    qs = Contract.objects.select_related("customer", "owner")
    if not sees_all_records(user):
        qs = qs.filter(Q(customer__account_manager=user) | Q(owner=user))
    return qs


def contract_get(*, user, contract_id) -> Contract:
    contract = contract_list(user=user).filter(pk=contract_id).first()
    if contract is None:
        raise NotFound()
    return contract


# Orders that count against a contract's amount: everything but drafts, rejections, cancellations.
LEDGER_EXCLUDED_STATUSES = ("draft", "rejected", "cancelled")


def contract_ledger(*, contract: Contract) -> dict:
    """The contract ledger (合同台账): amount ordered in its batches vs. the contract amount."""
    agreements = contract.supplementary_agreements.aggregate(
        change=Coalesce(Sum("amount_change"), Value(0), output_field=DecimalField())
    )["change"]
    effective_amount = contract.amount + agreements
    totals = contract.orders.exclude(status__in=LEDGER_EXCLUDED_STATUSES).aggregate(
        ordered=Coalesce(Sum("total"), Value(0), output_field=DecimalField()),
        batches=Count("id"),
    )
    return {
        "contract_amount": contract.amount,
        "supplementary_change": agreements,
        "effective_amount": effective_amount,
        "ordered_amount": totals["ordered"],
        "batches": totals["batches"],
        "remaining_amount": effective_amount - totals["ordered"],
    }


MONEY = DecimalField(max_digits=18, decimal_places=2)


def contracts_with_ledger(user):
    """The user's contracts with the ledger figures of contracts.selectors.contract_ledger as
    columns, so a list of any length is one query and can be sorted by them."""
    changes = (
        SupplementaryAgreement.objects.filter(contract=OuterRef("pk"))
        .order_by()
        .values("contract")
        .annotate(s=Sum("amount_change"))
        .values("s")
    )
    return contract_list(user=user).annotate(
        supplementary_change=Coalesce(
            Subquery(changes, output_field=MONEY), Value(0), output_field=MONEY
        ),
        ordered_amount=Coalesce(
            Sum("orders__total", filter=~Q(orders__status__in=LEDGER_EXCLUDED_STATUSES)),
            Value(0),
            output_field=MONEY,
        ),
        effective_amount=F("amount") + F("supplementary_change"),
        remaining_amount=F("effective_amount") - F("ordered_amount"),
    )
