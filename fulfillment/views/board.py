"""The warehouse and production board (DESIGN §6, ISSUE 5): what to pick today, what ships this
week, what is blocked and why, what is late, what production is making — counts first, then
the first rows of each, with the actions the user may take right there."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from core.roles import Role, has_role
from core.web import forbid_unless, paginate

from ..selectors_board import (
    SECTIONS,
    board_get,
    board_section_items,
    board_section_rows,
    may_view_board,
)
from ..services.production import may_run_production
from ..services.risk import may_request_risk_shipment


def url_or_none(name: str, *args) -> str | None:
    """The URL of a page another part of the app provides, or None while it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def may_ship(user) -> bool:
    return has_role(user, Role.WAREHOUSE)


def _with_links(rows, user) -> list:
    """The ship link on every row the user could ship (the gate may still refuse it)."""
    shipper = may_ship(user)
    for row in rows:
        order_row = getattr(row, "row", row)
        order_row.ship_url = (
            url_or_none("fulfillment:shipment_create", order_row.order.pk)
            if shipper and order_row.order.status in ("ready_to_ship", "partially_shipped")
            else None
        )
        order_row.risk_url = None
        if (
            order_row.blocked
            and order_row.risk_request is None
            and may_request_risk_shipment(user, order_row.order)
        ):
            order_row.risk_url = url_or_none("fulfillment:risk_create", order_row.order.pk)
    return rows


# Badge colour of each section's count (grey when it is 0) and the grid column it takes.
COLOURS = {
    "pick_today": "primary",
    "this_week": "info",
    "blocked": "danger",
    "overdue": "danger",
    "production": "warning",
    "deviations": "warning",
}
COLUMNS = {"production": "col-12 col-xl-8", "deviations": "col-12 col-md-6 col-xl-4"}


def board_context(request) -> dict:
    board = board_get(user=request.user)
    for section in board:
        _with_links(section.rows, request.user)
        section.colour = COLOURS[section.key] if section.count else "secondary"
        section.column = COLUMNS.get(section.key, "col-12 col-md-6 col-xxl-3")
    return {"board": board, "may_produce": may_run_production(request.user)}


@login_required
@require_safe
def board_view(request):
    forbid_unless(may_view_board(request.user))
    template = "fulfillment/board_content.html" if request.htmx else "fulfillment/board.html"
    return render(request, template, board_context(request))


@login_required
@require_safe
def board_section_view(request, key):
    """All the rows of one board section, page by page (the board's "more" link)."""
    forbid_unless(may_view_board(request.user))
    items = board_section_items(user=request.user, key=key)
    if items is None:
        raise Http404
    page = paginate(request, items)
    rows = _with_links(board_section_rows(page.object_list, key=key), request.user)
    return render(
        request,
        "fulfillment/board_section.html",
        {
            "key": key,
            "title": SECTIONS[key],
            "page": page,
            "rows": rows,
            "may_produce": may_run_production(request.user),
        },
    )
