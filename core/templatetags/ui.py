"""Template helpers shared by every page: money, capitals, status badges, query strings."""

from django import template
from django.utils.html import format_html

from core.money import amount_in_words, format_cny, format_quantity

register = template.Library()

# Bootstrap colour per order status: grey while being prepared, blue in review, green done.
STATUS_COLOURS = {
    "draft": "secondary",
    "sales_review": "info",
    "finance_review": "info",
    "gm_review": "info",
    "rejected": "danger",
    "approved": "primary",
    "in_production": "warning",
    "ready_to_ship": "warning",
    "partially_shipped": "warning",
    "shipped": "primary",
    "delivered": "success",
    "settled": "success",
    "archived": "dark",
    "cancelled": "light",
    "on_hold": "danger",
}


@register.filter
def cny(value) -> str:
    """¥1,234.50"""
    if value in (None, ""):
        return ""
    return format_cny(value)


@register.filter
def capitals(value) -> str:
    """Amount in Chinese capital numerals (大写金额)."""
    if value in (None, ""):
        return ""
    try:
        return amount_in_words(value)
    except ValueError:  # beyond 万亿 or not a number: show nothing rather than fail the page
        return ""


@register.simple_tag
def status_badge(status: str, label: str) -> str:
    colour = STATUS_COLOURS.get(status, "secondary")
    text = " text-dark" if colour in ("light", "warning", "info") else ""
    return format_html(
        '<span class="badge text-bg-{}{}" data-status="{}">{}</span>', colour, text, status, label
    )


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def qty(value) -> str:
    """A quantity without trailing zeros: 3.000 → 3, 2.500 → 2.5."""
    return format_quantity(value)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@register.filter
def person(user) -> str:
    """A person's display name: 张伟 (family name first, no space) or "Wei Zhang"."""
    if user is None:
        return ""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if not first and not last:
        return user.get_username()
    if _has_cjk(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()
