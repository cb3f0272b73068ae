"""What every page's frame needs: the user's roles and the navigation they may see."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from core.roles import Role, role_labels, user_roles

# (url name, label, roles that see it; empty = everyone signed in)
NAVIGATION = (
    ("home", _("Home"), ()),
    ("orders:list", _("Orders"), ()),
    ("orders:create", _("New order"), (Role.SALES_REP, Role.SALES_HEAD)),
    ("approvals:inbox", _("Approvals"), (Role.SALES_HEAD, Role.PRODUCTION, Role.FINANCE, Role.GM)),
    (
        "fulfillment:board",
        _("Fulfillment"),
        (Role.WAREHOUSE, Role.PRODUCTION, Role.SALES_HEAD, Role.GM, Role.ADMIN),
    ),
    (
        "fulfillment:stock_list",
        _("Stock"),
        (Role.WAREHOUSE, Role.PRODUCTION, Role.SALES_HEAD, Role.GM, Role.ADMIN),
    ),
    (
        "fulfillment:risk_list",
        _("Risk shipments"),
        (Role.FINANCE, Role.GM, Role.SALES_HEAD),
    ),
    ("fulfillment:deviation_list", _("Deviations"), ()),
    (
        "finance:home",
        _("Finance"),
        (Role.FINANCE, Role.ADMIN, Role.GM, Role.SALES_HEAD, Role.SALES_REP),
    ),
    ("contracts:customer_list", _("Customers"), ()),
    ("contracts:contract_list", _("Contracts"), ()),
    (
        "reports:home",
        _("Reports"),
        (Role.SALES_HEAD, Role.GM, Role.FINANCE, Role.PRODUCTION, Role.WAREHOUSE, Role.ADMIN),
    ),
    ("archive:search", _("Archive"), (Role.FINANCE, Role.GM, Role.ADMIN)),
)


def frame(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"company_name": settings.COMPANY_NAME}
    roles = user_roles(user)
    items = []
    for name, label, allowed in NAVIGATION:
        if allowed and not roles & set(allowed):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # the page comes with a later capability
            continue
        items.append({"url": url, "label": label, "active": False})
    # The longest matching prefix is the current section (/orders/new/ beats /orders/).
    matches = [
        i
        for i in items
        if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return {
        "company_name": settings.COMPANY_NAME,
        "nav_items": items,
        "user_role_labels": role_labels(user),
        "is_admin": Role.ADMIN in roles or user.is_staff,
    }
