"""GET /api/v1/archive/ (search), /archive/{id}/ (record) and /archive/{id}/bundle/ (zip):
finance, GM and admin only; filters validated; pages in fixed queries."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from archive.models import ArchiveRecord
from archive.services.archiving import archive_order
from archive.services.purge import archive_purge
from orders.enums import OrderStatus as S
from orders.services.attachments import order_attachment_add
from orders.tests.helpers import draft_order, force_status
from tests.factories import CustomerFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/archive/"
PDF = b"%PDF-1.4\n" + b"y" * 300


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def archived(rep, finance, *, customer=None, product=None, quantity="2", **fields):
    lines = None
    if product is not None:
        lines = [{"product": product, "quantity": Decimal(quantity), "unit_price": Decimal("100")}]
    order = force_status(draft_order(rep, customer=customer, lines=lines), S.SETTLED, **fields)
    return archive_order(order=order, actor=finance)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- permissions ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("sales_rep", 403),
        ("sales_head", 403),
        ("production", 403),
        ("warehouse", 403),
        ("finance", 200),
        ("gm", 200),
        ("admin", 200),
    ],
)
def test_who_may_read_the_archive(api, rep, finance, role, expected):
    record = archived(rep, finance)
    api.force_authenticate(UserFactory(roles=[role]))
    for url in (LIST, f"{LIST}{record.pk}/", f"{LIST}{record.pk}/bundle/", f"{LIST}verify/"):
        response = api.get(url)
        assert response.status_code == expected, url
        if expected == 403:
            assert response.json()["code"] == "permission_denied"


def test_anonymous_is_401(api, rep, finance):
    record = archived(rep, finance)
    for url in (LIST, f"{LIST}{record.pk}/", f"{LIST}{record.pk}/bundle/", f"{LIST}verify/"):
        assert api.get(url).status_code == 401, url


def test_no_access_is_403_even_with_bad_filters(api, rep):
    api.force_authenticate(rep)
    assert api.get(LIST, {"amount_min": "abc"}).status_code == 403


def test_the_archive_is_read_only(api, rep, finance):
    record = archived(rep, finance)
    api.force_authenticate(finance)
    for method in (api.post, api.put, api.patch, api.delete):
        assert method(f"{LIST}{record.pk}/").status_code == 405
    assert method(LIST).status_code == 405
    assert ArchiveRecord.objects.filter(pk=record.pk).exists()


# --- search ---------------------------------------------------------------------------------------
def test_search_filters(api, rep, finance):
    pump = ProductFactory(code="PUMP-77", name="磁力泵")
    acme = CustomerFactory(name="宁波甬江机械有限公司", account_manager=rep)
    with time_machine.travel(dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC)):
        first = archived(
            rep, finance, customer=acme, product=pump, quantity="10", order_type="export"
        )
    second = archived(rep, finance, order_date=dt.date(2025, 6, 1))
    third = archived(rep, finance, quantity="1", product=ProductFactory())
    api.force_authenticate(finance)

    assert set(ids(api.get(LIST))) == {first.pk, second.pk, third.pk}
    assert ids(api.get(LIST, {"number": first.order_number[-4:]})) == [first.pk]
    assert ids(api.get(LIST, {"customer": "甬江"})) == [first.pk]
    assert ids(api.get(LIST, {"product": "pump-77"})) == [first.pk]
    assert ids(api.get(LIST, {"product": "磁力"})) == [first.pk]
    assert ids(api.get(LIST, {"category": "export"})) == [first.pk]
    assert ids(api.get(LIST, {"date_from": "2025-05-01", "date_to": "2025-06-30"})) == [second.pk]
    assert ids(api.get(LIST, {"archived_to": "2026-01-31"})) == [first.pk]
    assert first.pk not in ids(api.get(LIST, {"archived_from": "2026-02-01"}))
    assert ids(api.get(LIST, {"amount_min": "1000", "amount_max": "1200"})) == [first.pk]
    assert ids(api.get(LIST, {"amount_max": "200"})) == [third.pk]
    assert ids(api.get(LIST, {"number": "nothing-like-it"})) == []
    row = api.get(LIST, {"number": first.order_number}).json()["results"][0]
    assert row == {
        "id": first.pk,
        "position": first.position,
        "order_number": first.order_number,
        "category": "export",
        "customer_name": "宁波甬江机械有限公司",
        "order_date": first.order_date.isoformat(),
        "total": str(first.total),
        "archived_at": row["archived_at"],
        "archived_by": finance.pk,
        "retention_until": "2029-01-10",
        "purged_at": None,
        "purged": False,
    }
    assert "snapshot" not in row


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "not a date"}, "date_from"),
        ({"archived_to": "20260101"}, "archived_to"),
        ({"amount_min": "abc"}, "amount_min"),
        ({"amount_max": "-5"}, "amount_max"),
        ({"amount_min": "1e400"}, "amount_min"),
        ({"category": "nope"}, "category"),
        ({"number": "x" * 41}, "number"),
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_to"),
        ({"archived_from": "2026-02-01", "archived_to": "2026-01-01"}, "archived_to"),
        ({"amount_min": "500", "amount_max": "100"}, "amount_max"),
    ],
)
def test_bad_filters_are_400_naming_the_field(api, finance, params, field):
    api.force_authenticate(finance)
    response = api.get(LIST, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["extra"]["fields"]) == [field]


def test_the_list_pages_in_fixed_queries(api, rep, finance, django_assert_max_num_queries):
    for _ in range(3):
        archived(rep, finance)
    api.force_authenticate(finance)
    with django_assert_max_num_queries(3):
        assert len(ids(api.get(LIST, {"page_size": 2}))) == 2
    for _ in range(6):
        archived(rep, finance)
    with django_assert_max_num_queries(3):
        response = api.get(LIST, {"page_size": 5, "page": 2})
        assert len(ids(response)) == 4
    assert response.json()["count"] == 9


# --- one record -----------------------------------------------------------------------------------
def test_a_record_shows_everything_frozen(api, rep, finance, django_assert_max_num_queries):
    record = archived(rep, finance, consignee="张三", consignee_phone="13800138000")
    api.force_authenticate(finance)
    with django_assert_max_num_queries(2):
        body = api.get(f"{LIST}{record.pk}/").json()
    assert body["order"] == record.order_id
    assert body["archived_by_username"] == "finance"
    assert body["snapshot"] == record.snapshot
    assert body["snapshot"]["order"]["consignee"] == "张三"
    assert (body["snapshot_hash"], body["previous_hash"], body["record_hash"]) == (
        record.snapshot_hash,
        record.previous_hash,
        record.record_hash,
    )
    assert body["snapshot_intact"] is True
    assert body["retention_until"] == record.retention_until.isoformat()
    assert (body["purged_at"], body["purged"]) == (None, False)


def test_a_missing_record_is_404(api, finance):
    api.force_authenticate(finance)
    response = api.get(f"{LIST}999999/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api.get(f"{LIST}999999/bundle/").status_code == 404


def test_a_purged_record_says_so(api, rep, finance):
    with time_machine.travel(dt.datetime(2021, 3, 1, 10, tzinfo=dt.UTC), tick=False):
        record = archived(rep, finance, consignee="张三")
    archive_purge()
    api.force_authenticate(finance)
    body = api.get(f"{LIST}{record.pk}/").json()
    assert body["purged"] is True and body["purged_at"]
    assert body["snapshot_intact"] is None
    assert body["snapshot"]["order"]["consignee"] == ""
    assert body["record_hash"] == record.record_hash
    assert api.get(f"{LIST}verify/").json()["ok"] is True


# --- bundle ---------------------------------------------------------------------------------------
def test_the_bundle_is_a_zip_of_the_record(api, rep, finance):
    order = force_status(draft_order(rep), S.SETTLED)
    order_attachment_add(order=order, actor=rep, file=SimpleUploadedFile("spec.pdf", PDF))
    record = archive_order(order=order, actor=finance)
    api.force_authenticate(finance)
    response = api.get(f"{LIST}{record.pk}/bundle/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'filename="archive-{record.order_number}.zip"' in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        names = bundle.namelist()
        assert {"snapshot.json", "confirmation.html", "MANIFEST.txt"} <= set(names)
        (attachment,) = [name for name in names if name.startswith("attachments/")]
        assert bundle.read(attachment) == PDF
        assert record.record_hash in bundle.read("MANIFEST.txt").decode()
