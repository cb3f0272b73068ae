"""Product master data (REQUIREMENTS §2): only the administrator maintains it (DESIGN §4)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import PermissionDenied, ValidationFailed
from core.roles import Role, has_role

from ..enums import VAT_RATES
from ..models import Product

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PRODUCT_FIELDS = (
    "code",
    "name",
    "spec",
    "unit",
    "category",
    "list_price",
    "floor_price",
    "vat_rate",
    "supply_mode",
    "production_cycle_days",
    "procurement_cycle_days",
    "is_active",
)


def may_manage_products(user) -> bool:
    return user is not None and user.is_authenticated and has_role(user, Role.ADMIN)


def _check_known(fields: dict) -> None:
    unknown = sorted(set(fields) - set(PRODUCT_FIELDS))
    if unknown:
        raise TypeError(f"unknown product fields: {', '.join(unknown)}")


def _validate(product: Product) -> None:
    """Every problem at once, keyed by field: VAT rate, floor vs. list price, code clash."""
    errors: dict[str, list[str]] = {}
    if product.vat_rate is not None and Decimal(product.vat_rate) not in VAT_RATES:
        errors["vat_rate"] = [_("Use a VAT rate of 13%, 9%, 6% or 0%.")]
    try:
        product.full_clean(exclude=list(errors), validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        for name, items in exc.error_dict.items():
            key = "non_field_errors" if name == "__all__" else name
            errors.setdefault(key, []).extend(m for e in items for m in e.messages)
    if (
        "code" not in errors
        and Product.objects.filter(code=product.code).exclude(pk=product.pk).exists()
    ):
        errors["code"] = [_("Another product already has this material code.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _save(product: Product) -> None:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:  # a concurrent insert with the same code
        if Product.objects.filter(code=product.code).exclude(pk=product.pk).exists():
            raise ValidationFailed(
                fields={"code": [_("Another product already has this material code.")]}
            ) from exc
        raise


def product_create(
    *,
    actor: User,
    code: str,
    name: str,
    list_price: Decimal | None,
    floor_price: Decimal | None,
    **fields: Any,
) -> Product:
    """Add a product. The floor price (系统限价) is at most the list price, the VAT rate is one
    of 13 %, 9 %, 6 %, 0 % (DESIGN §3), the material code is unique. Administrator only."""
    _check_known(fields)
    if not may_manage_products(actor):
        raise PermissionDenied(_("Only the administrator maintains products."))
    product = Product(
        code=(code or "").strip(),
        name=(name or "").strip(),
        list_price=list_price,
        floor_price=floor_price,
        **fields,
    )
    with transaction.atomic():
        _validate(product)
        _save(product)
    return product


def product_update(*, product: Product, actor: User, **changes: Any) -> Product:
    """Edit a product under the same rules as product_create. Orders keep the prices and rates
    copied onto their lines, so a change here only affects orders entered afterwards."""
    _check_known(changes)
    if not may_manage_products(actor):
        raise PermissionDenied(_("Only the administrator maintains products."))
    for key in ("code", "name"):
        if key in changes:
            changes[key] = (changes[key] or "").strip()
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        for key, value in changes.items():
            setattr(locked, key, value)
        _validate(locked)
        _save(locked)
    return locked
