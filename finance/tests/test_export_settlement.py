"""The settlement export (ISSUE 6 item 6): the workbook opened with openpyxl and its cells
checked against the database, headers in English and Chinese, formats, filters, rep scoping,
query count independent of the row count, bad filters."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from core.errors import PermissionDenied
from finance.exports.jobs import settlement_export
from finance.exports.rows import settlement_row_count, settlement_rows, settlement_summary
from finance.exports.settlement import write_settlement_workbook
from finance.services import allocation_create, credit_note_issue, invoice_issue, receipt_record
from fulfillment.services import stock_receive
from fulfillment.services.shipping import shipment_create
from fulfillment.tests.conftest import approve_fully
from orders.enums import SupplyMode
from orders.tests.helpers import draft_order
from tests.factories import CustomerFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def make_order(owner, customer, lines, *, warehouse, order_date=None, **header):
    """An approved order (ready to ship) with stock for its lines: lines = [(product, qty)]."""
    for product, qty in lines:
        stock_receive(product=product, quantity=D(qty), actor=warehouse)
    order = draft_order(
        owner,
        customer=customer,
        lines=[{"product": p, "quantity": D(q), "unit_price": p.list_price} for p, q in lines],
        order_date=order_date or days_ago(40),
        **header,
    )
    return approve_fully(order)


def ship(order, warehouse, quantities, shipped_on=None):
    """quantities: {sequence: qty}."""
    lines = {line.sequence: line for line in order.lines.all()}
    order.refresh_from_db()
    return shipment_create(
        order=order,
        actor=warehouse,
        quantities={lines[seq].pk: str(qty) for seq, qty in quantities.items()},
        shipped_on=shipped_on or days_ago(30),
        carrier="德邦物流",
        customer_consent="客户王经理电话同意分批",
    )


def product(code, price, unit="台"):
    return ProductFactory(
        code=code,
        name=f"产品{code}",
        list_price=D(price),
        floor_price=D(price),
        unit=unit,
        supply_mode=SupplyMode.MAKE_TO_STOCK,
    )


@pytest.fixture
def scenario(rep, other_rep, finance, warehouse):
    return build_scenario(rep, other_rep, finance, warehouse)


def build_scenario(rep, other_rep, finance, warehouse):
    """Customer A (rep): order A1 partly shipped, invoiced, part credited, part paid, with
    freight 50; order A2 approved, nothing shipped. Customer B (other rep): order B1 shipped,
    invoiced and paid in full. A draft of the rep stays out of the export."""
    pump = product("P-100", "1130.00")
    seal = product("S-200", "226.00", unit="件")
    a = CustomerFactory(
        name="杭州恒力水务有限公司", region="华东", account_manager=rep, settlement_method="monthly"
    )
    b = CustomerFactory(
        name="广州南方泵业有限公司",
        region="华南",
        account_manager=other_rep,
        settlement_method="monthly",
    )
    a1 = make_order(rep, a, [(pump, "3"), (seal, "10")], warehouse=warehouse, freight=D("50.00"))
    ship(a1, warehouse, {1: 2, 2: 10})
    invoice = invoice_issue(
        order=a1, actor=finance, fapiao_number="10000001", issue_date=days_ago(25)
    )
    seal_line = invoice.lines.get(order_line__sequence=2)
    credit_note_issue(
        invoice=invoice,
        actor=finance,
        fapiao_number="10000002",
        reason="一件破损",
        issue_date=days_ago(20),
        quantities={seal_line.pk: "1"},
    )
    invoice.refresh_from_db()
    receipt = receipt_record(
        customer=a, actor=finance, amount=D("3500.00"), received_on=days_ago(10), payer="恒力"
    )
    allocation_create(
        receipt=receipt, actor=finance, order=a1, invoice=invoice, amount=D("3000.00")
    )
    a2 = make_order(rep, a, [(pump, "1")], warehouse=warehouse, order_date=days_ago(5))
    b1 = make_order(other_rep, b, [(seal, "5")], warehouse=warehouse, order_date=days_ago(35))
    ship(b1, warehouse, {1: 5}, shipped_on=days_ago(30))
    b_invoice = invoice_issue(
        order=b1, actor=finance, fapiao_number="10000003", issue_date=days_ago(28)
    )
    b_receipt = receipt_record(
        customer=b, actor=finance, amount=D("1130.00"), received_on=days_ago(3)
    )
    allocation_create(
        receipt=b_receipt, actor=finance, order=b1, invoice=b_invoice, amount=D("1130.00")
    )
    draft_order(rep, customer=a)
    return {
        "a": a,
        "b": b,
        "a1": a1,
        "a2": a2,
        "b1": b1,
        "invoice": invoice,
        "pump": pump,
        "seal": seal,
    }


def test_rows_follow_the_documented_rules(scenario, finance):
    rows = list(settlement_rows(user=finance, filters={}))
    a1 = scenario["a1"]
    a1_rows = [r for r in rows if r["order_number"] == a1.number]
    assert [
        (r["line_no"], r["ordered_amount"], r["shipped_amount"], r["invoiced_amount"])
        for r in a1_rows
    ] == [
        (1, D("3390.00"), D("2260.00"), D("2260.00")),
        (2, D("2260.00"), D("2260.00"), D("2034.00")),
        (None, D("50.00"), D("50.00"), D("50.00")),
    ]
    assert [r["invoiced_qty"] for r in a1_rows[:2]] == [D("2"), D("9")]
    # 3000 received: line 1 takes its 2260, line 2 the remaining 740, freight nothing.
    assert [r["received"] for r in a1_rows] == [D("2260.00"), D("740.00"), D("0.00")]
    assert [r["outstanding"] for r in a1_rows] == [D("0.00"), D("1520.00"), D("50.00")]
    summary = {row["customer"]: row for row in settlement_summary(user=finance, filters={})}
    a = summary["杭州恒力水务有限公司"]
    assert (
        a["orders"],
        a["ordered"],
        a["shipped"],
        a["invoiced"],
        a["received"],
        a["outstanding"],
    ) == (
        2,
        D("6830.00"),
        D("4570.00"),
        D("4344.00"),
        D("3000.00"),
        D("1570.00"),
    )
    assert settlement_row_count(user=finance, filters={}) == len(rows) == 5


# --- the workbook --------------------------------------------------------------------------------
def open_book(response):
    content = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(content))


def export_via_api(api, user, **params):
    api.force_authenticate(user)
    return api.get(reverse("api:export-settlement"), params)


def sheet_rows(ws, first=2):
    return [[c.value for c in row] for row in ws.iter_rows(min_row=first)]


def test_workbook_cells_match_the_database(api, scenario, finance):
    response = export_via_api(api, finance)
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith('attachment; filename="settlement-')
    book = open_book(response)
    assert book.sheetnames == ["Summary", "Detail", "Receipts"]

    summary = book["Summary"]
    assert [c.value for c in summary[1]] == [
        "Customer",
        "Region",
        "Orders",
        "Ordered amount",
        "Shipped amount",
        "Invoiced amount",
        "Received",
        "Outstanding",
    ]
    assert summary.freeze_panes == "A2"
    assert summary.auto_filter.ref == "A1:H3"
    rows = sheet_rows(summary)
    assert rows[0] == ["广州南方泵业有限公司", "华南", 1, 1130, 1130, 1130, 1130, 0]
    assert rows[1] == ["杭州恒力水务有限公司", "华东", 2, 6830, 4570, 4344, 3000, 1570]
    assert rows[2] == ["Total", None, 3, 7960, 5700, 5474, 4130, 1570]
    assert rows[3] == ["Total outstanding in capitals", "壹仟伍佰柒拾元整"] + [None] * 6
    for column in "DEFGH":
        assert summary[f"{column}2"].number_format == "¥#,##0.00"
        assert summary[f"{column}4"].number_format == "¥#,##0.00"
        assert summary[f"{column}4"].font.b
    # The invoiced total is every invoice of these orders, credit notes included.
    from finance.models import Invoice

    assert D(str(rows[2][5])) == sum(Invoice.objects.values_list("total", flat=True))

    detail = book["Detail"]
    assert [c.value for c in detail[1]][:7] == [
        "Customer",
        "Region",
        "Salesperson",
        "Order number",
        "Order date",
        "Status",
        "No.",
    ]
    assert detail.freeze_panes == "A2"
    assert detail.auto_filter.ref == "A1:R6"
    lines = sheet_rows(detail)
    assert len(lines) == 6  # 5 rows and the totals
    from orders.models import OrderLine

    by_key = {(row[3], row[6]): row for row in lines[:-1]}
    for line in OrderLine.objects.select_related("order", "product").filter(
        order__in=[scenario["a1"], scenario["a2"], scenario["b1"]]
    ):
        row = by_key[(line.order.number, line.sequence)]
        assert row[7] == line.product.code and row[9] == line.unit
        assert D(str(row[10])) == line.quantity and D(str(row[11])) == line.amount
        assert D(str(row[12])) == line.shipped_quantity
        assert row[5] == line.order.get_status_display()
    freight = by_key[(scenario["a1"].number, None)]
    assert freight[8] == "Freight less discount" and freight[11] == 50
    assert detail["E2"].number_format == "yyyy-mm-dd"
    assert detail["K2"].number_format == "#,##0.###"
    assert detail["L2"].number_format == "¥#,##0.00"
    totals = lines[-1]
    assert totals[0] == "Total"
    assert totals[11] == 7960 and totals[13] == 5700 and totals[15] == 5474
    assert totals[16] == 4130 and totals[17] == 1570

    receipts = book["Receipts"]
    assert [c.value for c in receipts[1]] == [
        "Receipt number",
        "Customer",
        "Received on",
        "Method",
        "Bank reference",
        "Payer",
        "Amount",
        "Allocated",
        "Unallocated",
    ]
    assert receipts.auto_filter.ref == "A1:I3"
    got = sheet_rows(receipts)
    assert [(r[1], r[6], r[7], r[8]) for r in got[:2]] == [
        ("广州南方泵业有限公司", 1130, 1130, 0),
        ("杭州恒力水务有限公司", 3500, 3000, 500),
    ]
    assert got[2][0] == "Total" and got[2][6:] == [4630, 4130, 500]
    assert receipts["G2"].number_format == "¥#,##0.00"


def test_headers_in_chinese(scenario, finance, tmp_path):
    target = tmp_path / "zh.xlsx"
    write_settlement_workbook(target, user=finance, filters={}, language="zh-hans")
    book = load_workbook(target)
    with translation.override("zh-hans"):
        expected_sheets = [translation.gettext(s) for s in ("Summary", "Detail", "Receipts")]
        expected = [
            str(c.label)
            for c in __import__(
                "finance.exports.settlement", fromlist=["DETAIL_COLUMNS"]
            ).DETAIL_COLUMNS
        ]
        status = str(translation.gettext("Ready to ship"))
    assert book.sheetnames == expected_sheets
    detail = book.worksheets[1]
    assert [c.value for c in detail[1]] == expected
    # Known translations: the columns read as a Chinese user expects.
    assert [detail["A1"].value, detail["D1"].value, detail["E1"].value, detail["G1"].value] == [
        "客户",
        "订单编号",
        "下单日期",
        "行号",
    ]
    a2_row = next(r for r in sheet_rows(detail) if r[3] == scenario["a2"].number)
    assert a2_row[5] == status
    assert book.worksheets[0]["A1"].value == "客户"


def test_api_respects_the_accept_language(api, scenario, finance):
    api.force_authenticate(finance)
    response = api.get(reverse("api:export-settlement"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert open_book(response).worksheets[1]["A1"].value == "客户"


@pytest.mark.parametrize(
    "params, orders",
    [
        ({}, {"a1", "a2", "b1"}),
        ({"region": "华南"}, {"b1"}),
        ({"status": "ready_to_ship"}, {"a2"}),
        ({"status": "partially_shipped,shipped"}, {"a1", "b1"}),
        ({"date_from": "D-36", "date_to": "D-6"}, {"b1"}),
        ({"date_from": "D-5"}, {"a2"}),
    ],
)
def test_filters(api, scenario, finance, params, orders):
    params = {
        k: (days_ago(int(v[2:])).isoformat() if v.startswith("D-") else v)
        for k, v in params.items()
    }
    book = open_book(export_via_api(api, finance, **params))
    numbers = {row[3] for row in sheet_rows(book["Detail"])[:-1]}
    assert numbers == {scenario[key].number for key in orders}


def test_customer_and_salesperson_filters(api, scenario, finance, other_rep):
    by_customer = open_book(export_via_api(api, finance, customer=scenario["b"].pk))
    assert {r[3] for r in sheet_rows(by_customer["Detail"])[:-1]} == {scenario["b1"].number}
    assert [r[1] for r in sheet_rows(by_customer["Receipts"])[:-1]] == ["广州南方泵业有限公司"]
    by_rep = open_book(export_via_api(api, finance, salesperson=other_rep.pk))
    assert {r[3] for r in sheet_rows(by_rep["Detail"])[:-1]} == {scenario["b1"].number}


def test_a_rep_exports_only_their_own_orders(api, scenario, rep, other_rep):
    book = open_book(export_via_api(api, rep))
    detail = sheet_rows(book["Detail"])[:-1]
    assert {row[3] for row in detail} == {scenario["a1"].number, scenario["a2"].number}
    assert {row[0] for row in sheet_rows(book["Summary"])[:-2]} == {"杭州恒力水务有限公司"}
    assert {row[1] for row in sheet_rows(book["Receipts"])[:-1]} == {"杭州恒力水务有限公司"}
    # Asking for the other rep's customer or for the other rep is refused, not answered empty.
    assert export_via_api(api, rep, customer=scenario["b"].pk).status_code == 400
    assert export_via_api(api, rep, salesperson=other_rep.pk).status_code == 400
    other = open_book(export_via_api(api, other_rep))
    assert {row[3] for row in sheet_rows(other["Detail"])[:-1]} == {scenario["b1"].number}


def test_a_rep_never_sees_another_reps_order_of_their_own_customer(
    scenario, rep, other_rep, warehouse
):
    """Scoping is by the order's owner: another rep's order for the rep's customer stays out."""
    moved = CustomerFactory(account_manager=other_rep, settlement_method="monthly")
    foreign = make_order(other_rep, moved, [(scenario["seal"], "1")], warehouse=warehouse)
    moved.account_manager = rep  # the customer changes hands; the order stays the other rep's
    moved.save()
    rows = list(settlement_rows(user=rep, filters={}))
    assert foreign.number not in {row["order_number"] for row in rows}
    assert settlement_row_count(user=rep, filters={}) == len(rows) == 4


@pytest.mark.parametrize("user", ["production", "warehouse"])
def test_production_and_warehouse_are_refused(api, client, scenario, user, request):
    person = request.getfixturevalue(user)
    assert export_via_api(api, person).status_code == 403
    client.force_login(person)
    assert client.get(reverse("finance:export_settlement")).status_code == 403
    assert client.post(reverse("finance:export_settlement"), {}).status_code == 403
    with pytest.raises(PermissionDenied):
        settlement_export(user=person, filters={})


@pytest.mark.parametrize(
    "params, field",
    [
        ({"date_from": "2026-02-30"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "date_to"),
        ({"status": "teleported"}, "status"),
        ({"status": "draft"}, "status"),
        ({"customer": "abc"}, "customer"),
        ({"customer": "99999999999999999999"}, "customer"),
        ({"salesperson": "-1"}, "salesperson"),
        ({"region": "火星"}, "region"),
    ],
)
def test_bad_filters(api, client, scenario, finance, params, field):
    response = export_via_api(api, finance, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and field in body["extra"]["fields"]
    client.force_login(finance)
    page = client.post(reverse("finance:export_settlement"), params)
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")
    assert "is-invalid" in page.content.decode() or 'data-testid="error-' in page.content.decode()


def test_page_downloads_the_workbook(client, scenario, finance):
    client.force_login(finance)
    page = client.get(reverse("finance:export_settlement"))
    assert page.status_code == 200
    assert 'data-testid="export-form"' in page.content.decode()
    response = client.post(
        reverse("finance:export_settlement"), {"status": ["ready_to_ship", "partially_shipped"]}
    )
    assert response.status_code == 200
    book = open_book(response)
    assert {r[3] for r in sheet_rows(book["Detail"])[:-1]} == {
        scenario["a1"].number,
        scenario["a2"].number,
    }


# --- query count ---------------------------------------------------------------------------------
def _orders_with_lines(owner, counts, finance):
    """Shipped orders with `counts` lines each, invoiced and partly paid (statuses forced)."""
    from orders.tests.helpers import force_status

    customer = CustomerFactory(account_manager=owner, settlement_method="monthly")
    for count in counts:
        lines = [
            {"product": ProductFactory(), "quantity": D("2"), "unit_price": D("100")}
            for _ in range(count)
        ]
        order = force_status(
            draft_order(owner, customer=customer, lines=lines, freight=D("10")), "shipped"
        )
        invoice = invoice_issue(order=order, actor=finance, fapiao_number=f"3{order.pk:07d}")
        receipt = receipt_record(customer=customer, actor=finance, amount=D("150"))
        allocation_create(
            receipt=receipt, actor=finance, order=order, invoice=invoice, amount=D("150")
        )


def test_query_count_does_not_grow_with_the_rows(
    api, rep, finance, tmp_path, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _orders_with_lines(rep, [2, 3], finance)
    assert settlement_row_count(user=finance, filters={}) == 5 + 2
    user = UserFactory._meta.model.objects.get(pk=finance.pk)  # roles not cached yet
    with CaptureQueriesContext(connection) as small:
        write_settlement_workbook(tmp_path / "5.xlsx", user=user, filters={}, language="en")
    assert len(small) == 4  # roles, summary, detail, receipts
    api.force_authenticate(finance)
    with CaptureQueriesContext(connection) as small_api:
        assert api.get(reverse("api:export-settlement")).status_code == 200
    _orders_with_lines(rep, [20, 25], finance)
    assert settlement_row_count(user=finance, filters={}) == 50 + 4
    user = UserFactory._meta.model.objects.get(pk=finance.pk)
    with django_assert_num_queries(len(small)):
        write_settlement_workbook(tmp_path / "50.xlsx", user=user, filters={}, language="en")
    with django_assert_num_queries(len(small_api)):
        assert api.get(reverse("api:export-settlement")).status_code == 200
    detail = load_workbook(tmp_path / "50.xlsx")["Detail"]
    assert detail.max_row == 1 + 54 + 1


@pytest.mark.parametrize("role", ["finance", "admin_user", "gm", "sales_head"])
def test_managers_export_every_order(api, client, scenario, role, request):
    user = request.getfixturevalue(role)
    book = open_book(export_via_api(api, user))
    numbers = {row[3] for row in sheet_rows(book["Detail"])[:-1]}
    assert numbers == {scenario[key].number for key in ("a1", "a2", "b1")}
    client.force_login(user)
    assert client.get(reverse("finance:export_settlement")).status_code == 200


def test_a_reps_form_offers_only_their_customers(client, scenario, rep):
    client.force_login(rep)
    html = client.get(reverse("finance:export_settlement")).content.decode()
    assert "杭州恒力水务有限公司" in html and "广州南方泵业有限公司" not in html
    assert "华南" not in html
