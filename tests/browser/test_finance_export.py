"""Finance downloads the settlement sheet in a real browser (ISSUE 6 item 8): signs in, opens
/finance/exports/, chooses the filters, submits, and the xlsx arrives as a download that opens
with openpyxl and holds the order. Once in English and once in Chinese."""

from decimal import Decimal

import pytest
from openpyxl import load_workbook

from finance.services import invoice_issue
from orders.tests.helpers import draft_order, force_status
from tests.factories import CustomerFactory, ProductFactory

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = {"en-US": "Customer", "zh-CN": "客户"}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_finance_downloads_the_settlement_sheet(new_page, shot, rep, finance, tmp_path, locale):
    customer = CustomerFactory(
        account_manager=rep,
        name="杭州恒力水务设备有限公司",
        region="华东",
        settlement_method="monthly",
    )
    product = ProductFactory(code="BP-100", name="离心泵", list_price=Decimal("1130"))
    order = draft_order(
        rep,
        customer=customer,
        lines=[{"product": product, "quantity": Decimal("3"), "unit_price": Decimal("1130")}],
    )
    order = force_status(order, "shipped")
    invoice_issue(order=order, actor=finance, fapiao_number="12345678")

    page = new_page(locale)
    sign_in(page, "finance")
    page.goto(page.base_url + "/finance/exports/")
    form = page.locator("[data-testid=export-form]")
    form.locator("#id_region").select_option("华东")
    form.locator("input[name=status][value=shipped]").check()
    form.locator("input[name=status][value=delivered]").check()
    shot(page, "form")
    with page.expect_download() as info:
        page.click("[data-testid=export-submit]")
    download = info.value
    assert download.suggested_filename.startswith("settlement-")
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    book = load_workbook(path)
    summary, detail = book.worksheets[0], book.worksheets[1]
    assert summary["A1"].value == HEADER[locale]
    assert summary["A2"].value == "杭州恒力水务设备有限公司"
    assert summary["F2"].value == 3390  # invoiced
    assert detail["D2"].value == order.number
    assert detail["L2"].number_format == "¥#,##0.00"
    assert detail.freeze_panes == "A2"
