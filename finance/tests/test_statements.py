"""Customer statements (对账单, ISSUE 6 item 5): balances computed by hand, the frozen snapshot,
the customer's response, the pages, the xlsx and the API."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from finance.enums import StatementStatus
from finance.models import Statement
from finance.services import allocation_create, credit_note_issue, invoice_issue, receipt_record
from finance.services.statements import statement_issue, statement_respond
from finance.statements import balance_in_words, statement_contents
from orders.services import order_cancel
from orders.tests.helpers import draft_order
from tests.factories import CustomerFactory

from .test_export_settlement import days_ago, make_order, product, ship

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def ledger(rep, other_rep, finance, warehouse):
    """Customer 恒力 (rep). Before the period [d-30, d-1]: O1 ships 3 of 4 pumps (d-55),
    invoice 3 × 1130 (d-50), credit note −1 × 1130 (d-45), receipt 1500 (d-42).
    In the period: the last pump ships (d-20) and is invoiced 1130 (d-15), a receipt of 2000
    (d-10), order O2 (d-25) of 10 seals for 2260. Another customer's documents stay out."""
    pump = product("P-100", "1130.00")
    seal = product("S-200", "226.00", unit="件")
    customer = CustomerFactory(
        name="杭州恒力水务有限公司", account_manager=rep, settlement_method="monthly"
    )
    o1 = make_order(rep, customer, [(pump, "4")], warehouse=warehouse, order_date=days_ago(60))
    ship(o1, warehouse, {1: 3}, shipped_on=days_ago(55))
    first = invoice_issue(
        order=o1, actor=finance, fapiao_number="20000001", issue_date=days_ago(50)
    )
    credit = credit_note_issue(
        invoice=first,
        actor=finance,
        fapiao_number="20000002",
        reason="退回一台",
        issue_date=days_ago(45),
        quantities={first.lines.get().pk: "1"},
    )
    early = receipt_record(
        customer=customer, actor=finance, amount=D("1500.00"), received_on=days_ago(42)
    )
    allocation_create(receipt=early, actor=finance, order=o1, invoice=first, amount=D("1500.00"))
    shipment = ship(o1, warehouse, {1: 1}, shipped_on=days_ago(20))
    line = o1.lines.get()
    second = invoice_issue(
        order=o1,
        actor=finance,
        fapiao_number="20000003",
        issue_date=days_ago(15),
        quantities={line.pk: "1"},
    )
    late = receipt_record(
        customer=customer,
        actor=finance,
        amount=D("2000.00"),
        received_on=days_ago(10),
        bank_reference="HZ-88",
    )
    o2 = make_order(rep, customer, [(seal, "10")], warehouse=warehouse, order_date=days_ago(25))
    cancelled = draft_order(rep, customer=customer, order_date=days_ago(24))
    order_cancel(order=cancelled, actor=rep, comment="客户取消")
    other = CustomerFactory(account_manager=other_rep, settlement_method="monthly")
    receipt_record(customer=other, actor=finance, amount=D("999.00"), received_on=days_ago(9))
    return {
        "customer": customer,
        "o1": o1,
        "o2": o2,
        "first": first,
        "credit": credit,
        "second": second,
        "early": early,
        "late": late,
        "shipment": shipment,
        "date_from": days_ago(30),
        "date_to": days_ago(1),
    }


def test_balances_by_hand(ledger):
    contents = statement_contents(
        customer=ledger["customer"], date_from=ledger["date_from"], date_to=ledger["date_to"]
    )
    # 3 × 1130 invoiced, 1 × 1130 credited, 1500 received before the period.
    assert contents["opening_balance"] == D("3390.00") - D("1130.00") - D("1500.00") == D("760.00")
    assert contents["invoiced"] == D("1130.00")
    assert contents["received"] == D("2000.00")
    assert contents["closing_balance"] == D("760.00") + D("1130.00") - D("2000.00") == D("-110.00")
    # A credit balance: the customer has paid 110 in advance.
    assert contents["closing_in_words"] == "预收壹佰壹拾元整"
    assert [row["number"] for row in contents["orders"]] == [ledger["o2"].number]
    assert contents["orders_total"] == D("2260.00")
    assert [
        (row["shipment_number"], row["shipped_on"], row["quantity"], row["amount"])
        for row in contents["shipments"]
    ] == [(ledger["shipment"].number, days_ago(20), D("1"), D("1130.00"))]
    assert [(row["fapiao_number"], row["total"]) for row in contents["invoices"]] == [
        ("20000003", D("1130.00"))
    ]
    assert [(row["number"], row["amount"]) for row in contents["receipts"]] == [
        (ledger["late"].number, D("2000.00"))
    ]
    assert [(e["kind"], e["balance"]) for e in contents["ledger"]] == [
        ("normal", D("1890.00")),
        ("receipt", D("-110.00")),
    ]


def test_the_credit_note_before_the_period_is_in_the_opening_balance(ledger):
    """Moving the period back over the credit note moves it into the period's invoices."""
    contents = statement_contents(
        customer=ledger["customer"], date_from=days_ago(46), date_to=days_ago(40)
    )
    assert contents["opening_balance"] == D("3390.00")
    assert [row["total"] for row in contents["invoices"]] == [D("-1130.00")]
    assert contents["invoiced"] == D("-1130.00")
    assert contents["received"] == D("1500.00")
    assert contents["closing_balance"] == D("760.00")
    assert contents["closing_in_words"] == "柒佰陆拾元整"


def test_capitals_of_balances():
    assert balance_in_words(D("1234.50")) == "壹仟贰佰叁拾肆元伍角"
    assert balance_in_words(D("0")) == "零元整"
    assert balance_in_words(D("-0.05")) == "预收伍分"


def test_issue_freezes_the_statement(ledger, finance):
    statement = statement_issue(
        customer=ledger["customer"],
        date_from=ledger["date_from"],
        date_to=ledger["date_to"],
        actor=finance,
    )
    assert statement.number == f"ST{timezone.localdate():%Y%m%d}001"
    assert (
        statement.opening_balance,
        statement.invoiced,
        statement.received,
        statement.closing_balance,
    ) == (D("760.00"), D("1130.00"), D("2000.00"), D("-110.00"))
    assert statement.status == StatementStatus.ISSUED
    assert statement.snapshot["closing_balance"] == "-110.00"
    assert statement.snapshot["receipts"][0]["received_on"] == days_ago(10).isoformat()
    # A later payment dated inside the period does not change what was sent.
    receipt_record(
        customer=ledger["customer"], actor=finance, amount=D("10.00"), received_on=days_ago(5)
    )
    statement.refresh_from_db()
    assert statement.snapshot["received"] == "2000.00"
    second = statement_issue(
        customer=ledger["customer"],
        date_from=ledger["date_from"],
        date_to=ledger["date_to"],
        actor=finance,
    )
    assert second.number.endswith("002") and second.received == D("2010.00")


@pytest.mark.parametrize(
    "date_from, date_to, field",
    [
        (1, 5, "date_to"),  # ends before it starts
        (5, -1, "date_to"),  # ends in the future
        ("x", 1, "date_from"),
    ],
)
def test_issue_refuses_a_bad_period(ledger, finance, date_from, date_to, field):
    start = days_ago(date_from) if isinstance(date_from, int) else date_from
    with pytest.raises(ValidationFailed) as exc:
        statement_issue(
            customer=ledger["customer"], date_from=start, date_to=days_ago(date_to), actor=finance
        )
    assert field in exc.value.fields
    assert Statement.objects.count() == 0


def test_only_finance_issues_and_records_responses(ledger, rep, gm, finance):
    for user in (rep, gm):
        with pytest.raises(PermissionDenied):
            statement_issue(
                customer=ledger["customer"], date_from=days_ago(3), date_to=days_ago(1), actor=user
            )
    statement = statement_issue(
        customer=ledger["customer"], date_from=days_ago(3), date_to=days_ago(1), actor=finance
    )
    with pytest.raises(PermissionDenied):
        statement_respond(statement=statement, actor=rep, status="confirmed")
    statement.refresh_from_db()
    assert statement.status == StatementStatus.ISSUED


def test_respond_rules(ledger, finance):
    statement = statement_issue(
        customer=ledger["customer"],
        date_from=ledger["date_from"],
        date_to=ledger["date_to"],
        actor=finance,
    )
    with pytest.raises(ValidationFailed) as exc:
        statement_respond(statement=statement, actor=finance, status="disputed", note="  ")
    assert list(exc.value.fields) == ["note"]
    with pytest.raises(ValidationFailed) as exc:
        statement_respond(statement=statement, actor=finance, status="issued")
    assert list(exc.value.fields) == ["status"]
    statement.refresh_from_db()
    assert (statement.status, statement.responded_at) == (StatementStatus.ISSUED, None)

    statement_respond(statement=statement, actor=finance, status="disputed", note="2000 元未到账")
    statement.refresh_from_db()
    assert statement.status == StatementStatus.DISPUTED
    assert statement.response_note == "2000 元未到账"
    assert statement.responded_at is not None
    with pytest.raises(InvalidTransition):
        statement_respond(statement=statement, actor=finance, status="confirmed")
    statement.refresh_from_db()
    assert statement.status == StatementStatus.DISPUTED


# --- pages ---------------------------------------------------------------------------------------
def test_preview_issue_and_respond_through_the_pages(client, ledger, finance):
    client.force_login(finance)
    url = reverse("finance:statement_create")
    params = {
        "customer": ledger["customer"].pk,
        "date_from": ledger["date_from"].isoformat(),
        "date_to": ledger["date_to"].isoformat(),
    }
    preview = client.get(url, params)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "预收壹佰壹拾元整" in html and ledger["shipment"].number in html
    assert Statement.objects.count() == 0  # a preview stores nothing

    issued = client.post(url, params)
    statement = Statement.objects.get()
    assert issued.status_code == 302
    assert issued["Location"] == reverse("finance:statement_detail", args=[statement.pk])
    page = client.get(issued["Location"])
    assert page.status_code == 200
    for text in (statement.number, "¥760.00", "¥1,130.00", "¥2,000.00", "-¥110.00", "预收"):
        assert text in page.content.decode()
    assert 'data-testid="statement-respond"' in page.content.decode()

    bad = client.post(
        reverse("finance:statement_respond", args=[statement.pk]), {"status": "disputed"}
    )
    assert bad.status_code == 400
    assert "Say what the customer disputes." in bad.content.decode()
    ok = client.post(
        reverse("finance:statement_respond", args=[statement.pk]),
        {"status": "confirmed", "note": "王会计 电话确认"},
    )
    assert ok.status_code == 302
    statement.refresh_from_db()
    assert statement.status == StatementStatus.CONFIRMED


def test_bad_period_on_the_page_is_a_form_error(client, ledger, finance):
    client.force_login(finance)
    response = client.post(
        reverse("finance:statement_create"),
        {"customer": ledger["customer"].pk, "date_from": "2026-02-30", "date_to": "2026-01-01"},
    )
    assert response.status_code == 400
    assert "Enter the date as YYYY-MM-DD." in response.content.decode()
    assert Statement.objects.count() == 0


def test_list_is_scoped_and_closed_to_production(
    client, ledger, finance, rep, other_rep, production, warehouse, django_assert_max_num_queries
):
    mine = statement_issue(
        customer=ledger["customer"], date_from=days_ago(3), date_to=days_ago(1), actor=finance
    )
    theirs = statement_issue(
        customer=CustomerFactory(account_manager=other_rep),
        date_from=days_ago(3),
        date_to=days_ago(1),
        actor=finance,
    )
    client.force_login(rep)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("finance:statement_list")).content.decode()
    assert mine.number in html and theirs.number not in html
    assert client.get(reverse("finance:statement_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("finance:statement_create")).status_code == 403
    for user in (production, warehouse):
        client.force_login(user)
        assert client.get(reverse("finance:statement_list")).status_code == 403
        assert client.get(reverse("finance:statement_detail", args=[mine.pk])).status_code == 403


def _statement_sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def test_xlsx_of_a_statement(client, ledger, finance):
    statement = statement_issue(
        customer=ledger["customer"],
        date_from=ledger["date_from"],
        date_to=ledger["date_to"],
        actor=finance,
    )
    client.force_login(finance)
    response = client.get(reverse("finance:statement_xlsx", args=[statement.pk]))
    assert response.status_code == 200
    assert f'filename="{statement.number}.xlsx"' in response["Content-Disposition"]
    ws = _statement_sheet(b"".join(response.streaming_content))
    assert ws.freeze_panes == "A6"
    assert [c.value for c in ws[5]][:3] == ["Date", "Document", "Number"]
    assert ws["B6"].value == "Opening balance" and ws["K6"].value == 760
    assert ws["K6"].number_format == "¥#,##0.00"
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=7)]
    kinds = [row[1] for row in values]
    assert kinds[:4] == ["Order", "Shipment", "Invoice", "Payment received"]
    shipment_row = values[1]
    assert shipment_row[2] == ledger["shipment"].number and shipment_row[5] == 1
    assert ws.cell(row=8, column=6).number_format == "#,##0.###"
    assert values[2][8] == 1130 and values[2][10] == 1890
    assert values[3][9] == 2000 and values[3][10] == -110
    totals = values[4]
    assert totals[0] == "Total"
    assert totals[6:11] == [2260, 1130, 1130, 2000, -110]
    assert values[5][0] == "Closing balance" and values[5][10] == -110
    assert values[6][0] == "Credit balance in capitals" and values[6][4] == "预收壹佰壹拾元整"


def test_xlsx_headers_in_chinese(client, ledger, finance):
    statement = statement_issue(
        customer=ledger["customer"], date_from=days_ago(3), date_to=days_ago(1), actor=finance
    )
    client.force_login(finance)
    response = client.get(
        reverse("finance:statement_xlsx", args=[statement.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    ws = _statement_sheet(b"".join(response.streaming_content))
    with translation.override("zh-hans"):
        expected = [str(translation.gettext(s)) for s in ("Date", "Quantity", "Order number")]
    assert (
        [ws["A5"].value, ws["F5"].value, ws["D5"].value] == expected == ["日期", "数量", "订单编号"]
    )


# --- API -----------------------------------------------------------------------------------------
def test_api_issue_read_respond_download(api, ledger, finance, production):
    api.force_authenticate(finance)
    created = api.post(
        "/api/v1/statements/",
        {
            "customer": ledger["customer"].pk,
            "date_from": ledger["date_from"].isoformat(),
            "date_to": ledger["date_to"].isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["closing_balance"] == "-110.00"
    assert body["closing_in_words"] == "预收壹佰壹拾元整"
    assert body["contents"]["opening_balance"] == "760.00"
    pk = body["id"]
    assert api.get("/api/v1/statements/").json()["results"][0]["id"] == pk
    assert api.get(f"/api/v1/statements/{pk}/").json()["number"] == body["number"]

    refused = api.post(f"/api/v1/statements/{pk}/response/", {"status": "disputed"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["extra"]["fields"] == {"note": ["Say what the customer disputes."]}
    answered = api.post(
        f"/api/v1/statements/{pk}/response/",
        {"status": "disputed", "note": "少记一笔收款"},
        format="json",
    )
    assert answered.status_code == 200 and answered.json()["status"] == "disputed"
    again = api.post(f"/api/v1/statements/{pk}/response/", {"status": "confirmed"}, format="json")
    assert again.status_code == 409

    xlsx = api.get(f"/api/v1/statements/{pk}/xlsx/")
    assert xlsx.status_code == 200
    assert _statement_sheet(b"".join(xlsx.streaming_content))["K6"].value == 760

    bad = api.post(
        "/api/v1/statements/",
        {"customer": ledger["customer"].pk, "date_from": "2026-01-05", "date_to": "2026-01-01"},
        format="json",
    )
    assert bad.status_code == 400 and "date_to" in bad.json()["extra"]["fields"]

    api.force_authenticate(production)
    assert api.get("/api/v1/statements/").status_code == 403
    assert api.get(f"/api/v1/statements/{pk}/").status_code == 403


def test_api_rep_reads_own_customers_only(api, ledger, finance, rep, other_rep):
    statement_issue(
        customer=ledger["customer"], date_from=days_ago(3), date_to=days_ago(1), actor=finance
    )
    hidden = statement_issue(
        customer=CustomerFactory(account_manager=other_rep),
        date_from=days_ago(3),
        date_to=days_ago(1),
        actor=finance,
    )
    api.force_authenticate(rep)
    assert [row["customer"] for row in api.get("/api/v1/statements/").json()["results"]] == [
        ledger["customer"].pk
    ]
    assert api.get(f"/api/v1/statements/{hidden.pk}/").status_code == 404
    refused = api.post(
        "/api/v1/statements/",
        {"customer": ledger["customer"].pk, "date_from": "2026-01-01", "date_to": "2026-01-02"},
        format="json",
    )
    assert refused.status_code == 403
