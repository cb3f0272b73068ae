"""Who may open which finance page (DESIGN §4): finance and admin write; the GM and the sales
head read everything; a rep reads their own customers' figures only (others' records are a
404, as if they did not exist); production and the warehouse get no finance page (403)."""

import pytest
from django.urls import reverse

from finance.services import allocation_create, invoice_issue, receipt_record

from .test_views_helpers import fapiao, finance_state, shipped_order

pytestmark = pytest.mark.django_db

ROLES = ("rep", "other_rep", "sales_head", "finance", "gm", "production", "warehouse", "admin_user")
READERS_ALL = {"sales_head", "finance", "gm", "admin_user"}
WRITERS = {"finance", "admin_user"}


@pytest.fixture
def world(rep, warehouse, finance, mts, settings, tmp_path):
    """Rep's customer with an invoiced order and a partly allocated receipt."""
    settings.MEDIA_ROOT = tmp_path / "media"
    order = shipped_order(rep, warehouse, mts, qty="2")
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    receipt = receipt_record(customer=order.customer, actor=finance, amount="200")
    allocation = allocation_create(
        receipt=receipt, actor=finance, order=order, invoice=invoice, amount="100"
    )
    return {"order": order, "invoice": invoice, "receipt": receipt, "allocation": allocation}


def _urls(world) -> dict[str, tuple[str, str]]:
    """name → (url, kind): "list" pages are scoped, "detail" pages 404 out of scope."""
    i, r, o = world["invoice"].pk, world["receipt"].pk, world["order"].pk
    return {
        "home": (reverse("finance:home"), "list"),
        "invoices": (reverse("finance:invoice_list"), "list"),
        "invoice": (reverse("finance:invoice_detail", args=[i]), "detail"),
        "receipts": (reverse("finance:receipt_list"), "list"),
        "receipt": (reverse("finance:receipt_detail", args=[r]), "detail"),
        "receivables": (reverse("finance:receivables"), "list"),
        "issue": (reverse("finance:invoice_create", args=[o]), "write"),
        "credit": (reverse("finance:credit_note_create", args=[i]), "write"),
        "record": (reverse("finance:receipt_create"), "write"),
        "options": (reverse("finance:allocation_options", args=[r]) + f"?order={o}", "write"),
    }


def expected_status(role: str, kind: str) -> int:
    if role in ("production", "warehouse"):
        return 403
    if kind == "write":
        return 200 if role in WRITERS else 403
    if kind == "detail" and role == "other_rep":
        return 404
    return 200


@pytest.mark.parametrize("role", ROLES)
def test_page_matrix(client, request, world, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    for name, (url, kind) in _urls(world).items():
        response = client.get(url)
        assert response.status_code == expected_status(role, kind), (role, name)


@pytest.mark.parametrize("role", ROLES)
def test_posts_by_non_writers_change_nothing(client, request, world, role):
    if role in WRITERS:
        return
    user = request.getfixturevalue(role)
    client.force_login(user)
    order, invoice, receipt = world["order"], world["invoice"], world["receipt"]
    line = order.lines.get()
    before = finance_state()
    posts = [
        (
            reverse("finance:invoice_create", args=[order.pk]),
            {f"qty_{line.pk}": "1", "fapiao_number": fapiao(), "invoice_type": "vat_special"},
        ),
        (
            reverse("finance:credit_note_create", args=[invoice.pk]),
            {"reverse_all": "on", "fapiao_number": fapiao(), "reason": "x"},
        ),
        (
            reverse("finance:receipt_create"),
            {"customer": order.customer_id, "amount": "5", "method": "cash"},
        ),
        (
            reverse("finance:allocation_create", args=[receipt.pk]),
            {"order": order.pk, "amount": "1"},
        ),
        (reverse("finance:allocation_reverse", args=[world["allocation"].pk]), {"reason": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, (role, url)
    assert finance_state() == before


def test_lists_are_scoped_for_reps(client, world, rep, other_rep):
    client.force_login(other_rep)
    assert list(client.get(reverse("finance:invoice_list")).context["invoices"]) == []
    assert list(client.get(reverse("finance:receipt_list")).context["receipts"]) == []
    assert client.get(reverse("finance:receivables")).context["rows"] == []
    home = client.get(reverse("finance:home")).context
    assert (home["summary"]["open_amount"], home["unallocated_count"]) == (0, 0)
    # The customer filter offers only their own customers.
    form = client.get(reverse("finance:invoice_list")).context["form"]
    assert list(form.fields["customer"].queryset) == []

    client.force_login(rep)
    assert [i.pk for i in client.get(reverse("finance:invoice_list")).context["invoices"]] == [
        world["invoice"].pk
    ]
    assert client.get(reverse("finance:home")).context["unallocated_count"] == 1


def test_anonymous_is_sent_to_sign_in(client, world):
    for url, _kind in _urls(world).values():
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_navigation_entry(client, rep, finance, production, gm):
    url = reverse("finance:home")
    for user, shown in ((rep, True), (finance, True), (gm, True), (production, False)):
        client.force_login(user)
        items = client.get(reverse("home")).context["nav_items"]
        assert any(item["url"] == url for item in items) is shown, user.username
