"""Creating and editing customers with their contacts and ship-to addresses (REQUIREMENTS §2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from core.errors import NotFound, PermissionDenied
from core.roles import Role, has_role

from .. import permissions as perms
from ..models import Customer, CustomerAddress, CustomerContact
from ._common import clean_into, differs, raise_if_errors, save_unique

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Scalar fields a caller may pass; contacts and addresses are passed as lists.
CUSTOMER_FIELDS = tuple(sorted(perms.CUSTOMER_FIELDS - perms.NESTED_FIELDS))
CONTACT_FIELDS = ("name", "title", "phone", "email", "is_primary")
ADDRESS_FIELDS = (
    "label",
    "province",
    "city",
    "district",
    "detail",
    "postcode",
    "consignee",
    "phone",
    "is_default",
)


def normalize_credit_code(value: str | None) -> str:
    """Credit codes are compared and stored upper-case without spaces (GB 32100-2015)."""
    return "".join((value or "").split()).upper()


def _check_known(fields: dict) -> None:
    unknown = sorted(set(fields) - set(CUSTOMER_FIELDS))
    if unknown:
        raise TypeError(f"unknown customer fields: {', '.join(unknown)}")


def _refusal(names: set[str]) -> PermissionDenied:
    """403 naming each field the actor may not set, so a form can point at it."""
    reasons = {}
    for name in sorted(names):
        if name in perms.CREDIT_FIELDS:
            reasons[name] = [_("Only finance can set the credit limit and credit grade.")]
        elif name in perms.ASSIGNMENT_FIELDS:
            reasons[name] = [_("Only the sales head can assign the account manager.")]
        else:
            reasons[name] = [_("You may not change this field.")]
    nested_labels = {
        "contacts": CustomerContact._meta.verbose_name_plural,
        "addresses": CustomerAddress._meta.verbose_name_plural,
    }
    labels = ", ".join(
        str(nested_labels.get(n) or Customer._meta.get_field(n).verbose_name) for n in sorted(names)
    )
    return PermissionDenied(
        _("You may not change: %(fields)s.") % {"fields": labels}, extra={"fields": reasons}
    )


def _check_credit_code(customer: Customer, errors: dict) -> None:
    """A clear message for a code another customer already has, instead of an IntegrityError."""
    if "credit_code" in errors or not customer.credit_code:
        return
    # The other customer is not named: it may belong to another rep (confidentiality, §11).
    clash = Customer.objects.filter(credit_code=customer.credit_code).exclude(pk=customer.pk)
    if clash.exists():
        errors["credit_code"] = [_("Another customer already has this credit code.")]


def _check_account_manager(customer: Customer, errors: dict) -> None:
    manager = customer.account_manager
    if manager is None:
        return
    if not manager.is_active or not has_role(manager, Role.SALES_REP, Role.SALES_HEAD):
        errors["account_manager"] = [
            _("The account manager must be an active sales rep or sales head.")
        ]


def postcode_errors(postcode: str | None) -> list[str]:
    """Chinese postcodes are six digits (e.g. 310000); blank is allowed."""
    if postcode and not (len(postcode) == 6 and postcode.isascii() and postcode.isdigit()):
        return [_("A postcode has six digits.")]
    return []


class _ChildPlan:
    """The new list of contacts or addresses: rows to save and rows to delete."""

    def __init__(self) -> None:
        self.keep: list[models.Model] = []
        self.remove: list[models.Model] = []

    def apply(self, customer: Customer) -> None:
        for obj in self.remove:
            obj.delete()
        for obj in self.keep:
            obj.customer = customer
            obj.save()


def _plan_children(
    *,
    customer: Customer,
    model: type[models.Model],
    items: list[dict],
    fields: tuple[str, ...],
    prefix: str,
    flag: str,
    flag_message: str,
    errors: dict,
) -> _ChildPlan:
    """Replace-list semantics: `items` is the whole new list. An item with an `id` updates that
    row (keys it leaves out keep their value), one without adds a row, rows not listed go."""
    plan = _ChildPlan()
    existing = (
        {obj.pk: obj for obj in model.objects.filter(customer=customer)} if customer.pk else {}
    )
    seen: set[int] = set()
    for index, item in enumerate(items):
        item_id = item.get("id")
        if item_id is not None:
            obj = existing.get(item_id)
            if obj is None or item_id in seen:
                errors[f"{prefix}.{index}.id"] = [_("This entry does not belong to the customer.")]
                continue
            seen.add(item_id)
        else:
            obj = model(customer=customer)
        for name in fields:
            if name in item:
                value = item[name]
                setattr(
                    obj, name, model._meta.get_field(name).get_default() if value is None else value
                )
        clean_into(obj, errors, prefix=f"{prefix}.{index}.", exclude=["customer"])
        if isinstance(obj, CustomerAddress):
            bad_postcode = postcode_errors(obj.postcode)
            if bad_postcode and f"{prefix}.{index}.postcode" not in errors:
                errors[f"{prefix}.{index}.postcode"] = bad_postcode
        plan.keep.append(obj)
    if sum(1 for obj in plan.keep if getattr(obj, flag)) > 1:
        errors[prefix] = [flag_message]
    plan.remove = [obj for pk, obj in existing.items() if pk not in seen]
    return plan


def _plan_nested(
    customer: Customer, contacts: list[dict] | None, addresses: list[dict] | None, errors: dict
) -> list[_ChildPlan]:
    plans = []
    if contacts is not None:
        plans.append(
            _plan_children(
                customer=customer,
                model=CustomerContact,
                items=contacts,
                fields=CONTACT_FIELDS,
                prefix="contacts",
                flag="is_primary",
                flag_message=_("Mark at most one contact as the primary contact."),
                errors=errors,
            )
        )
    if addresses is not None:
        plans.append(
            _plan_children(
                customer=customer,
                model=CustomerAddress,
                items=addresses,
                fields=ADDRESS_FIELDS,
                prefix="addresses",
                flag="is_default",
                flag_message=_("Mark at most one ship-to address as the default."),
                errors=errors,
            )
        )
    return plans


def _validate_and_save(
    customer: Customer, *, contacts: list[dict] | None, addresses: list[dict] | None
) -> Customer:
    """Validate the customer and its new lists together (one 400 lists every problem), save."""
    errors: dict[str, list[str]] = {}
    customer.credit_code = normalize_credit_code(customer.credit_code)
    clean_into(customer, errors)
    _check_credit_code(customer, errors)
    _check_account_manager(customer, errors)
    plans = _plan_nested(customer, contacts, addresses, errors)
    raise_if_errors(errors)
    save_unique(
        customer,
        clash=lambda: (
            Customer.objects.filter(credit_code=customer.credit_code)
            .exclude(pk=customer.pk)
            .exists()
        ),
        field="credit_code",
        message=_("Another customer already has this credit code."),
    )
    for plan in plans:
        plan.apply(customer)
    return customer


def customer_create(
    *,
    actor: User,
    contacts: list[dict] | None = None,
    addresses: list[dict] | None = None,
    **fields: Any,
) -> Customer:
    """Add a customer with its contacts and ship-to addresses (REQUIREMENTS §2).

    Sales reps, the sales head, the general manager and the administrator may add customers.
    A rep becomes the account manager of the customer they add and leaves credit limit and
    grade at their defaults for finance to set (contracts.permissions). At most one contact is
    primary and at most one address is the default.
    """
    _check_known(fields)
    allowed = perms.customer_editable_fields(actor)
    if not allowed:
        raise PermissionDenied(_("You may not add customers."))
    customer = Customer()
    if "credit_code" in fields:
        fields["credit_code"] = normalize_credit_code(fields["credit_code"])
    refused = {
        n
        for n, v in fields.items()
        if n not in allowed
        and differs(customer, n, v)
        and not (n == "account_manager" and v == actor)  # what a rep gets anyway
    }
    if refused:
        raise _refusal(refused)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(customer, name, value)
        if "account_manager" not in allowed or (
            customer.account_manager_id is None and has_role(actor, Role.SALES_REP)
        ):
            customer.account_manager = actor
        return _validate_and_save(customer, contacts=contacts, addresses=addresses)


def customer_update(
    *,
    customer: Customer,
    actor: User,
    contacts: list[dict] | None = None,
    addresses: list[dict] | None = None,
    **changes: Any,
) -> Customer:
    """Edit a customer; `contacts` / `addresses`, when given, replace the whole list.

    A rep edits only the customers they manage, and not their credit limit, credit grade or
    account manager; finance edits credit limit, grade, settlement method and credit term;
    sales head and GM edit the rest of every customer; the administrator edits everything
    (contracts.permissions). Only fields whose value really changes count, so a form may send
    the unchanged credit values back.
    """
    _check_known(changes)
    if "credit_code" in changes:
        changes["credit_code"] = normalize_credit_code(changes["credit_code"])
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if not perms.may_view_customer(actor, locked):
            raise NotFound()
        allowed = perms.customer_editable_fields(actor, locked)
        if not allowed:
            raise PermissionDenied(_("You may not edit this customer."))
        changed = {n: v for n, v in changes.items() if differs(locked, n, v)}
        requested = set(changed)
        if contacts is not None:
            requested.add("contacts")
        if addresses is not None:
            requested.add("addresses")
        refused = requested - allowed
        if refused:
            raise _refusal(refused)
        for name, value in changed.items():
            setattr(locked, name, value)
        return _validate_and_save(locked, contacts=contacts, addresses=addresses)
