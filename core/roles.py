"""Roles are Django groups created by a data migration (DESIGN §4). A user may hold several."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    SALES_REP = "sales_rep", _("Sales rep")
    SALES_HEAD = "sales_head", _("Sales head")
    FINANCE = "finance", _("Finance")
    GM = "gm", _("General manager")
    PRODUCTION = "production", _("Production")
    WAREHOUSE = "warehouse", _("Warehouse")
    ADMIN = "admin", _("Administrator")


# Roles that see every order and customer; a plain sales rep sees only their own.
ALL_RECORDS_ROLES = frozenset(
    {Role.SALES_HEAD, Role.FINANCE, Role.GM, Role.PRODUCTION, Role.WAREHOUSE, Role.ADMIN}
)


def user_roles(user) -> frozenset[str]:
    """The user's role names, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            names.add(Role.ADMIN)
        cached = frozenset(n for n in names if n in Role.values)
        user._role_cache = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def sees_all_records(user) -> bool:
    return bool(user_roles(user) & ALL_RECORDS_ROLES)


def role_labels(user) -> list[str]:
    return [str(Role(r).label) for r in Role.values if r in user_roles(user)]
