"""The purge after retention (REQUIREMENTS §8): personal data blanked, files deleted, the chain
still verifiable, a report of what was done — and nothing deleted before retention ends."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from archive.hashing import snapshot_hash
from archive.models import ArchiveRecord
from archive.services.archiving import archive_order
from archive.services.purge import archive_purge, purged_snapshot
from archive.services.verify import verify_chain
from fulfillment.models import DeliveryReceipt, Shipment
from orders.enums import OrderStatus as S
from orders.models import OrderAttachment
from orders.services.attachments import order_attachment_add
from orders.tests.helpers import draft_order, force_status

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL"
)
# Archived this long ago, a record is past its three-year retention by the database's own date
# too (the PostgreSQL guard compares with current_date, which time_machine does not move).
LONG_AGO = dt.datetime(2021, 3, 1, 10, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.4\n" + b"x" * 500


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def settled_with_files(rep, finance, *, receipt=True):
    order = force_status(
        draft_order(rep),
        S.SETTLED,
        consignee="张三",
        consignee_phone="13800138000",
        ship_to_text="上海市浦东新区张江路 88 号",
        remarks="张三周末不在，请联系李四",
    )
    attachment = order_attachment_add(
        order=order,
        actor=rep,
        file=SimpleUploadedFile("drawing.pdf", PDF),
        description="张三的图纸",
    )
    receipt_row = None
    if receipt:
        shipment = Shipment.objects.create(
            number=f"SH{order.pk:012d}", order=order, shipped_on=timezone.localdate(), remarks="x"
        )
        receipt_row = DeliveryReceipt.objects.create(
            shipment=shipment,
            file=SimpleUploadedFile("receipt.pdf", PDF + b"signed"),
            name="receipt.pdf",
            size=len(PDF) + 6,
            sha256="0" * 64,
            signer="王经理",
            signed_on=timezone.localdate(),
            remarks="外箱破损，王经理已拍照",
        )
    record = archive_order(order=order, actor=finance)
    return record, attachment, receipt_row


def archived_long_ago(rep, finance, **kwargs):
    with time_machine.travel(LONG_AGO, tick=False):
        return settled_with_files(rep, finance, **kwargs)


def test_an_expired_record_loses_personal_data_and_files_but_keeps_its_hashes(rep, finance):
    record, attachment, receipt = archived_long_ago(rep, finance)
    current, *_ = settled_with_files(rep, finance, receipt=False)  # still within retention
    assert record.retention_until == dt.date(2024, 3, 1)
    paths = [attachment.file.name, receipt.file.name]
    assert all(default_storage.exists(path) for path in paths)

    report = archive_purge()

    assert [entry.order_number for entry in report.purged] == [record.order_number]
    assert report.refused == []
    assert report.files_deleted == 2
    assert report.bytes_freed == 2 * len(PDF) + 6
    assert sorted(file.path for file in report.purged[0].files) == sorted(paths)
    assert not any(default_storage.exists(path) for path in paths)

    purged = ArchiveRecord.objects.get(pk=record.pk)
    assert purged.purged_at is not None
    assert (purged.snapshot_hash, purged.record_hash, purged.previous_hash) == (
        record.snapshot_hash,
        record.record_hash,
        record.previous_hash,
    )
    assert purged.customer_name == record.customer_name  # a company, kept
    order = purged.snapshot["order"]
    assert (order["consignee"], order["consignee_phone"], order["ship_to_text"]) == ("", "", "")
    assert order["remarks"] == ""
    assert (
        order["number"] == record.order_number
        and order["total"] == record.snapshot["order"]["total"]
    )
    assert purged.snapshot["receipts"][0]["signer"] == ""
    assert purged.snapshot["receipts"][0]["remarks"] == ""
    assert purged.snapshot["receipts"][0]["sha256"] == "0" * 64
    assert purged.snapshot["attachments"][0]["description"] == ""
    assert purged.snapshot["attachments"][0]["name"] == "drawing.pdf"
    assert purged.snapshot["lines"] == record.snapshot["lines"]
    assert "张三" not in json.dumps(purged.snapshot, ensure_ascii=False)
    assert "王经理" not in json.dumps(purged.snapshot, ensure_ascii=False)

    # The archived order's own rows stay as they were: only the stored files are gone.
    assert OrderAttachment.objects.filter(pk=attachment.pk).exists()
    assert DeliveryReceipt.objects.filter(pk=receipt.pk).exists()
    # The record within retention is untouched, and the whole chain still verifies.
    assert ArchiveRecord.objects.get(pk=current.pk).purged_at is None
    assert ArchiveRecord.objects.get(pk=current.pk).snapshot == current.snapshot
    result = verify_chain()
    assert (result.ok, result.checked) == (True, 2)
    # Nothing twice.
    assert archive_purge().records == []


def test_nothing_is_purged_before_retention_ends(rep, finance):
    record, attachment, _receipt = settled_with_files(rep, finance)
    with time_machine.travel(dt.datetime.combine(record.retention_until, dt.time(12))):
        report = archive_purge()  # on retention_until itself: still kept
    assert report.records == []
    assert ArchiveRecord.objects.get(pk=record.pk).purged_at is None
    assert default_storage.exists(attachment.file.name)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the guard uses the real date")
def test_the_purge_follows_today_past_retention(rep, finance):
    record, attachment, _receipt = settled_with_files(rep, finance)
    later = dt.datetime.combine(record.retention_until + dt.timedelta(days=1), dt.time(12))
    with time_machine.travel(later.replace(tzinfo=dt.UTC)):
        report = archive_purge()
    assert [entry.record_id for entry in report.purged] == [record.pk]
    assert not default_storage.exists(attachment.file.name)
    assert verify_chain().ok


def test_a_dry_run_lists_and_changes_nothing(rep, finance):
    record, attachment, receipt = archived_long_ago(rep, finance)
    report = archive_purge(dry_run=True)
    assert report.dry_run and [entry.record_id for entry in report.records] == [record.pk]
    assert sum(file.size for file in report.records[0].files) == 2 * len(PDF) + 6
    assert report.files_deleted == 0
    fresh = ArchiveRecord.objects.get(pk=record.pk)
    assert fresh.purged_at is None and fresh.snapshot == record.snapshot
    assert default_storage.exists(attachment.file.name) and default_storage.exists(
        receipt.file.name
    )


def test_the_command_reports_what_it_did(rep, finance, capsys):
    record, attachment, _receipt = archived_long_ago(rep, finance)
    call_command("purge_archive", "--dry-run")
    out = capsys.readouterr().out
    assert f"Would purge position {record.position} (order {record.order_number}" in out
    assert attachment.file.name in out
    assert "Dry run: 1 records, 2 files" in out
    assert ArchiveRecord.objects.get(pk=record.pk).purged_at is None

    call_command("purge_archive")
    out = capsys.readouterr().out
    assert f"Purged position {record.position}" in out
    assert f"Purged 1 records; deleted 2 files, freed {2 * len(PDF) + 6} bytes." in out
    call_command("purge_archive")
    assert "Purged 0 records; deleted 0 files" in capsys.readouterr().out


def test_a_missing_file_is_reported_not_fatal(rep, finance):
    record, attachment, _receipt = archived_long_ago(rep, finance)
    default_storage.delete(attachment.file.name)
    report = archive_purge()
    files = {file.path: file for file in report.purged[0].files}
    assert files[attachment.file.name].deleted is False
    assert files[attachment.file.name].error == "missing"
    assert report.files_deleted == 1
    assert ArchiveRecord.objects.get(pk=record.pk).purged_at is not None


def test_event_payloads_are_scrubbed_of_personal_fields():
    snapshot = {
        "order": {"number": "SO1", "consignee": "张三", "total": "10.00"},
        "events": [
            {
                "comment": "call 张三",
                "payload": {"changes": {"consignee": ["张三", "李四"], "total": ["1", "2"]}},
            }
        ],
        "payments": [{"receipt__payer": "张三", "amount": "10.00"}],
    }
    cleaned = purged_snapshot(snapshot)
    assert cleaned == {
        "order": {"number": "SO1", "consignee": "", "total": "10.00"},
        "events": [{"comment": "", "payload": {"changes": {"consignee": [], "total": ["1", "2"]}}}],
        "payments": [{"receipt__payer": "", "amount": "10.00"}],
    }
    assert snapshot["order"]["consignee"] == "张三"  # the input is not changed


# --- deletion before retention is refused everywhere ---------------------------------------------
def test_the_admin_refuses_to_delete_an_archive_record(client, admin_user, rep, finance):
    record, *_ = settled_with_files(rep, finance, receipt=False)
    client.force_login(admin_user)
    url = reverse("admin:archive_archiverecord_delete", args=[record.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:archive_archiverecord_changelist")
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert "delete_selected" not in client.get(changelist).content.decode()
    assert ArchiveRecord.objects.filter(pk=record.pk).exists()
    assert snapshot_hash(ArchiveRecord.objects.get(pk=record.pk).snapshot) == record.snapshot_hash


@on_postgres
def test_the_database_refuses_to_delete_a_record_even_after_retention(rep, finance):
    current, *_ = settled_with_files(rep, finance, receipt=False)
    expired, *_ = archived_long_ago(rep, finance, receipt=False)
    for record in (current, expired):
        with (
            pytest.raises(IntegrityError, match="never deleted"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM archive_archiverecord WHERE id = %s", [record.pk])
        with pytest.raises(IntegrityError), transaction.atomic():
            ArchiveRecord.objects.filter(pk=record.pk).delete()
    assert ArchiveRecord.objects.count() == 2


@on_postgres
def test_the_database_refuses_a_purge_before_retention(rep, finance):
    record, attachment, _receipt = settled_with_files(rep, finance, receipt=False)
    # A caller claiming a later date is refused by the guard (current_date is what counts);
    # the record and its files stay for a later run.
    report = archive_purge(today=record.retention_until + dt.timedelta(days=1))
    assert [entry.record_id for entry in report.refused] == [record.pk]
    assert report.purged == [] and report.files_deleted == 0
    assert "frozen" in report.refused[0].refused
    assert ArchiveRecord.objects.get(pk=record.pk).purged_at is None
    assert default_storage.exists(attachment.file.name)


@on_postgres
def test_a_purged_record_changes_no_more(rep, finance):
    record, *_ = archived_long_ago(rep, finance, receipt=False)
    archive_purge()
    with pytest.raises(IntegrityError, match="frozen"), transaction.atomic():
        ArchiveRecord.objects.filter(pk=record.pk).update(customer_name="x")
    assert verify_chain().ok
