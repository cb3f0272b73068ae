"""Archive pages: search, record, bundle download, archive-now and the order-page section."""

import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from archive.bundle import bundle_build
from archive.models import ArchiveRecord
from archive.services.archiving import archive_order
from core.roles import Role
from fulfillment.services.deviations import deviation_create
from fulfillment.services.shipping import delivery_receipt_add, shipment_create
from orders.enums import OrderStatus as S
from orders.services.attachments import order_attachment_add
from orders.tests.helpers import draft_order, force_status, shippable_customer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SPEC = b"%PDF-1.4 spec sheet"
SIGNED = b"%PDF-1.4 signed receipt"


def archived(rep, finance):
    return archive_order(order=force_status(draft_order(rep), S.SETTLED), actor=finance)


def archived_with_files(rep, finance, warehouse):
    order = draft_order(rep, customer=shippable_customer(rep))
    order_attachment_add(order=order, actor=rep, file=SimpleUploadedFile("spec.pdf", SPEC))
    order = force_status(order, S.READY_TO_SHIP)
    shipment_create(order=order, actor=warehouse, carrier="德邦")
    for shipment in order.shipments.all():
        delivery_receipt_add(
            shipment=shipment,
            actor=warehouse,
            file=SimpleUploadedFile("signed.pdf", SIGNED),
            signer="李四",
            signed_on=timezone.localdate(),
        )
    return archive_order(order=force_status(order, S.SETTLED), actor=finance)


def test_bundle_holds_snapshot_letter_files_and_manifest(rep, finance, warehouse):
    record = archived_with_files(rep, finance, warehouse)

    bundle = zipfile.ZipFile(io.BytesIO(bundle_build(record)))

    names = bundle.namelist()
    shipment = record.snapshot["shipments"][0]["number"]
    attachment_id = record.snapshot["attachments"][0]["id"]
    assert sorted(names) == sorted(
        [
            "snapshot.json",
            "confirmation.html",
            f"attachments/{attachment_id}-spec.pdf",
            f"receipts/{shipment}-signed.pdf",
            "MANIFEST.txt",
        ]
    )
    assert json.loads(bundle.read("snapshot.json")) == record.snapshot
    assert bundle.read(f"attachments/{attachment_id}-spec.pdf") == SPEC
    assert bundle.read(f"receipts/{shipment}-signed.pdf") == SIGNED
    letter = bundle.read("confirmation.html").decode()
    assert "订单确认函" in letter and record.order_number in letter
    assert record.snapshot["order"]["customer__name"] in letter
    manifest = bundle.read("MANIFEST.txt").decode()
    assert (
        f"{hashlib.sha256(SPEC).hexdigest()}  attachments/{attachment_id}-spec.pdf  included"
        in manifest
    )
    assert (
        f"{hashlib.sha256(SIGNED).hexdigest()}  receipts/{shipment}-signed.pdf  included"
        in manifest
    )
    assert f"snapshot_hash={record.snapshot_hash}" in manifest
    assert f"record_hash={record.record_hash}" in manifest


def test_bundle_lists_a_missing_file_without_failing(rep, finance, warehouse):
    record = archived_with_files(rep, finance, warehouse)
    attachment = record.order.attachments.get()
    attachment.file.storage.delete(attachment.file.name)

    bundle = zipfile.ZipFile(io.BytesIO(bundle_build(record)))

    assert not [n for n in bundle.namelist() if n.startswith("attachments/")]
    manifest = bundle.read("MANIFEST.txt").decode()
    assert f"{attachment.sha256}  attachments/{attachment.pk}-spec.pdf  missing" in manifest
    assert "receipts/" in manifest and "included" in manifest


# -- pages ----------------------------------------------------------------------------------

READERS = [Role.FINANCE, Role.GM, Role.ADMIN]
NOT_READERS = [Role.SALES_REP, Role.SALES_HEAD, Role.PRODUCTION, Role.WAREHOUSE]


@pytest.mark.parametrize(
    "role, status", [(r, 200) for r in READERS] + [(r, 403) for r in NOT_READERS]
)
def test_archive_pages_permission_matrix(client, rep, finance, role, status):
    record = archived(rep, finance)
    client.force_login(UserFactory(roles=[role]))

    assert client.get(reverse("archive:search")).status_code == status
    assert client.get(reverse("archive:record", args=[record.pk])).status_code == status
    bundle = client.get(reverse("archive:bundle", args=[record.pk]))
    assert bundle.status_code == status
    if status == 200:
        assert bundle["Content-Type"] == "application/zip"
        assert f"archive-{record.order_number}.zip" in bundle["Content-Disposition"]


def test_archive_pages_need_a_login(client, rep, finance):
    record = archived(rep, finance)

    for url in (reverse("archive:search"), reverse("archive:record", args=[record.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_search_finds_by_number_customer_product_and_ranges(client, rep, finance):
    wanted = archived(rep, finance)
    other = archived(rep, finance)
    client.force_login(finance)
    product = wanted.snapshot["lines"][0]["product__code"]
    today = timezone.localdate().isoformat()

    for query in (
        {"number": wanted.order_number},
        {"customer": wanted.customer_name},
        {"product": product},
        {"number": wanted.order_number, "archived_from": today, "archived_to": today},
        {"number": wanted.order_number, "amount_min": wanted.total, "amount_max": wanted.total},
        {"number": wanted.order_number, "category": wanted.category},
    ):
        page = client.get(reverse("archive:search"), query).content.decode()
        table = page.split('data-testid="archive-results"')[1].split("</table>")[0]
        assert wanted.order_number in table, query
        assert other.order_number not in table, query

    page = client.get(reverse("archive:search"), {"amount_min": wanted.total + 1}).content.decode()
    assert "No archived orders match these filters." in page


@pytest.mark.parametrize(
    "query, field",
    [
        ({"date_from": "not-a-date"}, "date_from"),
        ({"archived_to": "2026-13-40"}, "archived_to"),
        ({"amount_min": "abc"}, "amount_min"),
        ({"amount_max": "-5"}, "amount_max"),
        ({"amount_min": "10", "amount_max": "5"}, "amount_max"),
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_to"),
        ({"category": "nonsense"}, "category"),
        ({"page": "x", "page_size": "999"}, None),
    ],
)
def test_bad_filters_are_form_errors_not_500(client, rep, finance, query, field):
    archived(rep, finance)
    client.force_login(finance)

    response = client.get(reverse("archive:search"), query)

    if field is None:  # a bad page number falls back to the first page
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert 'data-testid="archive-results"' not in response.content.decode()


def test_search_is_filed_by_category_then_archive_date_then_number(client, rep, finance):
    first = archived(rep, finance)
    urgent = archive_order(
        order=force_status(draft_order(rep, order_type="urgent"), S.SETTLED), actor=finance
    )
    last = archived(rep, finance)
    client.force_login(finance)

    page = client.get(reverse("archive:search")).content.decode()

    positions = [page.index(r.order_number) for r in (last, first, urgent)]
    assert positions == sorted(positions)  # regular (newest first), then urgent


@pytest.mark.parametrize("records", [3, 20])
def test_search_costs_a_fixed_number_of_queries(
    client, rep, finance, records, django_assert_max_num_queries
):
    for _ in range(records):
        archived(rep, finance)
    client.force_login(finance)

    with django_assert_max_num_queries(8):
        page = client.get(reverse("archive:search")).content.decode()
    assert page.count('data-testid="record-link"') == records


def test_record_page_shows_the_frozen_snapshot(client, rep, finance, warehouse):
    record = archived_with_files(rep, finance, warehouse)
    client.force_login(finance)

    page = client.get(reverse("archive:record", args=[record.pk])).content.decode()

    snapshot = record.snapshot
    assert record.order_number in page
    assert snapshot["order"]["customer__name"] in page
    assert snapshot["lines"][0]["product__code"] in page
    assert snapshot["shipments"][0]["number"] in page
    assert snapshot["attachments"][0]["sha256"] in page
    assert snapshot["receipts"][0]["sha256"] in page
    assert record.snapshot_hash in page and record.record_hash in page
    assert record.retention_until.isoformat() in page
    assert reverse("archive:bundle", args=[record.pk]) in page


def test_record_page_of_an_unknown_record_is_404(client, finance):
    client.force_login(finance)

    assert client.get(reverse("archive:record", args=[999])).status_code == 404
    assert client.get(reverse("archive:bundle", args=[999])).status_code == 404


# -- archive now and the order page --------------------------------------------------------


@pytest.mark.parametrize("role", [Role.FINANCE, Role.ADMIN])
def test_finance_and_admin_archive_a_settled_order(client, rep, role):
    order = force_status(draft_order(rep), S.SETTLED)
    client.force_login(UserFactory(roles=[role]))

    response = client.post(reverse("archive:archive_now", args=[order.pk]))

    record = ArchiveRecord.objects.get(order=order)
    assert response.status_code == 302
    assert response["Location"] == reverse("archive:record", args=[record.pk])
    order.refresh_from_db()
    assert order.status == S.ARCHIVED


@pytest.mark.parametrize(
    "role", [Role.SALES_REP, Role.SALES_HEAD, Role.GM, Role.PRODUCTION, Role.WAREHOUSE]
)
def test_others_may_not_archive(client, rep, role):
    order = force_status(draft_order(rep), S.SETTLED)
    client.force_login(UserFactory(roles=[role]))

    assert client.post(reverse("archive:archive_now", args=[order.pk])).status_code == 403
    assert not ArchiveRecord.objects.exists()
    order.refresh_from_db()
    assert order.status == S.SETTLED


def test_archive_now_refusal_is_a_message(client, rep, finance):
    order = force_status(draft_order(rep), S.DELIVERED)
    client.force_login(finance)

    response = client.post(reverse("archive:archive_now", args=[order.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("orders:detail", args=[order.pk])
    assert "Only settled orders are archived" in response.content.decode()
    assert not ArchiveRecord.objects.exists()
    assert client.get(reverse("archive:archive_now", args=[order.pk])).status_code == 405


def test_order_page_offers_archive_now_to_finance(client, rep, finance, gm):
    order = force_status(draft_order(rep), S.SETTLED)
    url = reverse("orders:detail", args=[order.pk])

    client.force_login(finance)
    page = client.get(url).content.decode()
    assert 'data-testid="archive-now"' in page
    assert reverse("archive:archive_now", args=[order.pk]) in page
    assert 'data-testid="archive-blocked"' not in page

    client.force_login(gm)
    assert 'data-testid="section-archive"' not in client.get(url).content.decode()


def test_order_page_says_an_open_deviation_blocks_archiving(client, rep, finance, sales_head):
    order = force_status(draft_order(rep), S.SETTLED)
    deviation_create(
        order=order,
        actor=sales_head,
        kind="complaint",
        category="quality",
        title="外观划伤",
        description="客户反映泵体有划伤",
        owner=rep,
    )
    client.force_login(finance)

    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert 'data-testid="archive-blocked"' in page
    assert 'data-testid="archive-now" disabled' in page


def test_archived_order_page_links_to_its_record(client, rep, finance, gm):
    record = archived(rep, finance)
    url = reverse("orders:detail", args=[record.order_id])

    for user in (finance, gm):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert reverse("archive:record", args=[record.pk]) in page

    client.force_login(rep)
    assert 'data-testid="section-archive"' not in client.get(url).content.decode()
