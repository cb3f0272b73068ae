"""Archiving a settled order: snapshot, hash chain, verification, retention and the guards."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from archive.hashing import record_hash, snapshot_hash
from archive.models import GENESIS, ArchiveRecord
from archive.services.archiving import archive_order, archive_sweep, retention_until
from archive.services.verify import verify_chain
from core.errors import InvalidTransition, ValidationFailed
from fulfillment.services.deviations import deviation_create
from orders.enums import OrderStatus as S
from orders.models import Order
from orders.tests.helpers import draft_order, force_status

pytestmark = pytest.mark.django_db


def settled(rep, **fields):
    order = force_status(draft_order(rep), S.SETTLED, **fields)
    return order


def test_archiving_freezes_a_snapshot_and_chains_the_hashes(rep, finance):
    first = archive_order(order=settled(rep), actor=finance)
    second = archive_order(order=settled(rep), actor=finance)

    assert (first.position, second.position) == (1, 2)
    assert first.previous_hash == GENESIS
    assert second.previous_hash == first.record_hash
    assert first.snapshot_hash == snapshot_hash(first.snapshot)
    assert first.record_hash == record_hash(
        position=1,
        previous_hash=GENESIS,
        snapshot_digest=first.snapshot_hash,
        archived_at=first.archived_at,
    )
    order = Order.objects.get(pk=first.order_id)
    assert order.status == S.ARCHIVED
    assert first.snapshot["order"]["number"] == order.number
    assert first.snapshot["order"]["status"] == S.ARCHIVED
    assert [line["sequence"] for line in first.snapshot["lines"]] == [1]
    assert first.snapshot["events"][-1]["transition"] == "archive"
    assert first.archived_by == finance
    assert first.retention_until == retention_until(timezone.localdate())
    assert verify_chain().ok and verify_chain().checked == 2


def test_retention_is_three_years_and_survives_29_february():
    assert retention_until(dt.date(2026, 11, 23)) == dt.date(2029, 11, 23)
    assert retention_until(dt.date(2028, 2, 29)) == dt.date(2031, 2, 28)


def test_only_settled_orders_without_open_deviations_are_archived(rep, finance, sales_head):
    delivered = force_status(draft_order(rep), S.DELIVERED)
    with pytest.raises(InvalidTransition):
        archive_order(order=delivered, actor=finance)
    order = settled(rep)
    deviation_create(
        order=order,
        actor=sales_head,
        kind="complaint",
        category="quality",
        title="外观划伤",
        description="客户反映泵体有划伤",
        owner=rep,
    )
    with pytest.raises(ValidationFailed):
        archive_order(order=order, actor=finance)
    assert ArchiveRecord.objects.count() == 0
    assert Order.objects.get(pk=order.pk).status == S.SETTLED


def test_a_rep_cannot_archive(rep):
    from core.errors import PermissionDenied

    order = settled(rep)
    with pytest.raises(PermissionDenied):
        archive_order(order=order, actor=rep)
    assert ArchiveRecord.objects.count() == 0


def test_the_sweep_archives_orders_settled_long_enough_ago(rep, settings):
    settings.ARCHIVE_AFTER_DAYS = 7
    now = timezone.now()
    old = settled(rep, closed_at=now - dt.timedelta(days=8))
    recent = settled(rep, closed_at=now - dt.timedelta(days=2))
    records = archive_sweep(now=now)
    assert [ArchiveRecord.objects.get(pk=pk).order_id for pk in records] == [old.pk]
    assert Order.objects.get(pk=recent.pk).status == S.SETTLED
    assert ArchiveRecord.objects.get().archived_by is None
    assert archive_sweep(now=now) == []  # nothing twice


def _tamper(sql, params):
    """Edit a row behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a superuser switching the guards off
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_a_direct_edit_of_a_snapshot_is_detected(rep, finance):
    records = [archive_order(order=settled(rep), actor=finance) for _ in range(3)]
    snapshot = dict(records[1].snapshot)
    snapshot["order"] = {**snapshot["order"], "total": "1.00"}
    import json

    _tamper(
        "UPDATE archive_archiverecord SET snapshot = %s WHERE id = %s",
        [json.dumps(snapshot), records[1].pk],
    )
    result = verify_chain()
    assert (result.ok, result.broken_position, result.checked) == (False, 2, 1)
    assert result.reason == "snapshot changed"
    with pytest.raises(CommandError, match="position 2"):
        call_command("verify_archive")


def test_a_rewritten_hash_breaks_the_next_link(rep, finance):
    records = [archive_order(order=settled(rep), actor=finance) for _ in range(3)]
    _tamper(
        "UPDATE archive_archiverecord SET record_hash = %s WHERE id = %s",
        ["f" * 64, records[0].pk],
    )
    result = verify_chain()
    assert (result.ok, result.broken_position) == (False, 1)
    assert result.reason == "record hash does not match"


def test_verify_command_reports_an_intact_chain(rep, finance, capsys):
    archive_order(order=settled(rep), actor=finance)
    call_command("verify_archive")
    assert "intact: 1 records" in capsys.readouterr().out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL")
def test_the_database_refuses_changes_to_an_archived_order(rep, finance):
    record = archive_order(order=settled(rep), actor=finance)
    statements = [
        ("UPDATE orders_order SET total = 1 WHERE id = %s", [record.order_id]),
        ("DELETE FROM orders_order WHERE id = %s", [record.order_id]),
        ("UPDATE orders_orderline SET quantity = 99 WHERE order_id = %s", [record.order_id]),
        ("UPDATE orders_orderevent SET comment = 'x' WHERE order_id = %s", [record.order_id]),
        ("UPDATE archive_archiverecord SET total = 1 WHERE id = %s", [record.pk]),
        ("DELETE FROM archive_archiverecord WHERE id = %s", [record.pk]),
    ]
    for sql, params in statements:
        with (
            pytest.raises(IntegrityError, match="archived|frozen|never deleted"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)
    order = Order.objects.get(pk=record.order_id)
    assert order.total == record.total and order.lines.get().quantity == Decimal("2")


def test_the_daily_sweep_is_scheduled_on_beat():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="archive.sweep")
    assert (task.task, task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == (
        "archive.sweep",
        "2",
        "30",
        "Asia/Shanghai",
    )


def test_the_sweep_task_archives(rep, settings):
    from archive.tasks import archive_sweep as task

    settings.ARCHIVE_AFTER_DAYS = 0
    settled(rep, closed_at=timezone.now() - dt.timedelta(hours=1))
    assert task.apply().get() == 1
    assert ArchiveRecord.objects.count() == 1


def test_no_deviation_is_raised_or_changed_on_an_archived_order(rep, finance, sales_head):
    order = settled(rep)
    closed = deviation_create(
        order=order,
        actor=sales_head,
        kind="deviation",
        category="documents",
        title="合格证缺失",
        description="补寄合格证",
        owner=rep,
    )
    from fulfillment.services.deviations import deviation_update

    deviation_update(deviation=closed, actor=sales_head, status="resolved", resolution="已补寄")
    deviation_update(deviation=closed, actor=sales_head, status="closed")
    archive_order(order=order, actor=finance)
    with pytest.raises(InvalidTransition, match="archived"):
        deviation_create(
            order=Order.objects.get(pk=order.pk),
            actor=sales_head,
            kind="complaint",
            category="quality",
            title="再次投诉",
            description="x",
            owner=rep,
        )
    with pytest.raises(InvalidTransition, match="archived"):
        deviation_update(deviation=closed, actor=sales_head, cause="y")
