"""Finance finds an archived order and downloads its bundle in a real browser (ISSUE 8 item 5):
signs in, searches /archive/ by order number, opens the record and the zip arrives as a
download that opens with the snapshot, the confirmation letter and the attachment. Once in
English and once in Chinese."""

import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from archive.services.archiving import archive_order
from orders.services.attachments import order_attachment_add
from orders.tests.helpers import draft_order, force_status
from tests.factories import CustomerFactory, ProductFactory

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPEC = b"%PDF-1.4 spec sheet"
HEADING = {"en-US": "Archive", "zh-CN": "归档"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def archived(rep, finance, name: str, code: str):
    customer = CustomerFactory(account_manager=rep, name=name)
    product = ProductFactory(code=code, name="离心泵", list_price=Decimal("1130"))
    order = draft_order(
        rep,
        customer=customer,
        lines=[{"product": product, "quantity": Decimal("3"), "unit_price": Decimal("1130")}],
    )
    order_attachment_add(order=order, actor=rep, file=SimpleUploadedFile("技术协议.pdf", SPEC))
    return archive_order(order=force_status(order, "settled"), actor=finance)


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_finance_searches_the_archive_and_downloads_a_bundle(
    new_page, shot, rep, finance, tmp_path, locale
):
    record = archived(rep, finance, "杭州恒力水务设备有限公司", "BP-100")
    other = archived(rep, finance, "宁波港城机电有限公司", "BP-200")

    page = new_page(locale)
    sign_in(page, "finance")
    page.goto(page.base_url + "/archive/")
    assert page.locator("h1").inner_text() in (HEADING[locale], "Archive")
    filters = page.locator("[data-testid=archive-filters]")
    filters.locator("#id_number").fill(record.order_number)
    filters.locator("button[type=submit]").click()
    page.wait_for_url(f"**number={record.order_number}**")
    results = page.locator("[data-testid=archive-results]")
    assert results.locator("[data-testid=record-link]").count() == 1
    assert other.order_number not in results.inner_text()
    shot(page, "search")
    page.set_viewport_size({"width": 1024, "height": 768})
    shot(page, "search-tablet")
    page.set_viewport_size({"width": 1366, "height": 900})

    results.locator("[data-testid=record-link]").click()
    page.wait_for_url(f"**/archive/{record.pk}/")
    assert page.locator("[data-testid=record-number]").inner_text() == record.order_number
    assert page.locator("[data-testid=record-hash]").inner_text() == record.record_hash
    assert "杭州恒力水务设备有限公司" in page.locator("[data-testid=record-customer]").inner_text()
    shot(page, "record")
    page.set_viewport_size({"width": 1024, "height": 768})
    shot(page, "record-tablet")

    with page.expect_download() as info:
        page.click("[data-testid=bundle-download]")
    download = info.value
    assert download.suggested_filename == f"archive-{record.order_number}.zip"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    bundle = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    attachment = record.snapshot["attachments"][0]
    assert set(bundle.namelist()) == {
        "snapshot.json",
        "confirmation.html",
        "MANIFEST.txt",
        f"attachments/{attachment['id']}-技术协议.pdf",
    }
    assert json.loads(bundle.read("snapshot.json")) == record.snapshot
    assert bundle.read(f"attachments/{attachment['id']}-技术协议.pdf") == SPEC
    assert record.order_number in bundle.read("confirmation.html").decode()
