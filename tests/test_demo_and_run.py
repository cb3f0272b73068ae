"""`make run` pieces: the demo data commands (seed_demo, then seed_stock) and the beat schedules
seeded by migration."""

import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from contracts.models import Customer
from core.roles import Role
from core.validators import validate_credit_code
from fulfillment.enums import (
    DeviationKind,
    DeviationSeverity,
    DeviationStatus,
    ProductionStatus,
    RiskRequestStatus,
    ShipmentStatus,
)
from fulfillment.gate import gate_blocks
from fulfillment.models import (
    DeliveryReceipt,
    Deviation,
    ProductionInstruction,
    RiskShipmentRequest,
    Shipment,
    StockItem,
)
from orders.enums import OrderStatus as S
from orders.management.commands.seed_demo import ORDERS
from orders.models import Order, Product

ROOT = Path(__file__).resolve().parent.parent
DEMO_STATES = {
    S.DRAFT,
    S.SALES_REVIEW,
    S.TECHNICAL_REVIEW,
    S.FINANCE_REVIEW,
    S.GM_REVIEW,
    S.REJECTED,
    S.APPROVED,
    S.IN_PRODUCTION,
    S.READY_TO_SHIP,
    S.PARTIALLY_SHIPPED,
    S.SHIPPED,
    S.DELIVERED,
    S.SETTLED,
    S.CANCELLED,
}
DEMO_USERS = {
    "rep": Role.SALES_REP,
    "rep2": Role.SALES_REP,
    "head": Role.SALES_HEAD,
    "finance": Role.FINANCE,
    "gm": Role.GM,
    "production": Role.PRODUCTION,
    "warehouse": Role.WAREHOUSE,
    "admin": Role.ADMIN,
}
# Every table the demo writes to: the project's own apps and the users.
DEMO_APPS = ("contracts", "orders", "fulfillment", "finance", "core", "approvals")


def _counts() -> dict[str, int]:
    models = [get_user_model()] + [
        model for model in apps.get_models() if model._meta.app_label in DEMO_APPS
    ]
    return {model.__name__: model.objects.count() for model in models}


def _state() -> dict:
    """What a second run could change besides the counts: statuses, stock, open quantities."""
    return {
        "orders": sorted(Order.objects.values_list("number", "status")),
        "stock": sorted(StockItem.objects.values_list("product__code", "on_hand", "reserved")),
        "instructions": sorted(ProductionInstruction.objects.values_list("number", "status")),
        "risk": sorted(RiskShipmentRequest.objects.values_list("order__number", "status")),
        "deviations": sorted(Deviation.objects.values_list("number", "status")),
    }


def _seed() -> tuple[str, str]:
    demo, stock = StringIO(), StringIO()
    call_command("seed_demo", stdout=demo)
    call_command("seed_stock", stdout=stock)
    return demo.getvalue(), stock.getvalue()


def _demo(key: str) -> Order:
    return Order.objects.get(remarks=f"demo:{key}")


@pytest.mark.django_db
def test_seed_twice_gives_the_same_data():
    # given an empty database, when the demo data is loaded twice (make run twice)
    first_demo, first_stock = _seed()
    first, first_state = _counts(), _state()
    second_demo, second_stock = _seed()

    # then the second run finds everything and changes nothing
    assert _counts() == first
    assert _state() == first_state
    assert f"{len(ORDERS)} demo orders ({len(ORDERS)} new)" in first_demo
    assert f"{len(ORDERS)} demo orders (0 new)" in second_demo
    assert "0 products received; 0 fulfillment steps taken" in second_stock
    assert "0 deviation reports raised" in second_stock
    assert "7 products received" in first_stock  # the make-to-stock products
    assert first["Customer"] == 6
    assert first["Contract"] == 3
    assert first["Product"] == 10
    assert first["Order"] == len(ORDERS) == 17


@pytest.mark.django_db
def test_seed_demo_creates_one_user_per_role_with_the_printed_password():
    output, _stock = _seed()

    User = get_user_model()
    for username, role in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.check_password("demo1234")
        assert f"  {username:<12}{role:<14}demo1234" in output
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.filter(is_staff=True).exclude(username="admin").exists()
    assert set(Group.objects.filter(user__isnull=False).values_list("name", flat=True)) == set(
        Role.values
    )


@pytest.mark.django_db
def test_seed_demo_alone_stops_before_the_final_approval():
    call_command("seed_demo", stdout=StringIO())

    # the final approval reserves stock: it waits for seed_stock
    assert not Order.objects.filter(approved_at__isnull=False).exists()
    assert Order.objects.filter(status=S.GM_REVIEW).count() == 9  # 8 waiting + gm-review
    assert not ProductionInstruction.objects.exists()


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """seed_demo + seed_stock once for the read-only checks of a class, rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        _seed()
        yield
        transaction.set_rollback(True)


@pytest.mark.usefixtures("seeded", "db")
class TestDemoData:
    def test_demo_orders_cover_every_listed_state_through_the_services(self):
        assert set(Order.objects.values_list("status", flat=True)) == DEMO_STATES
        # built through the services: each order has its creation event and one per transition
        for order in Order.objects.all():
            events = order.events.exclude(transition="")
            transitions = list(events.values_list("to_status", flat=True))
            assert order.events.filter(event_type="created").count() == 1
            assert (transitions[-1] if transitions else S.DRAFT) == order.status
            assert order.lines.exists()
            assert order.customer.account_manager_id == order.owner_id
        rejected = Order.objects.get(status=S.REJECTED)
        assert rejected.events.get(transition="reject").actor.username == "finance"
        approved = Order.objects.get(status=S.APPROVED)
        approvers = approved.events.filter(transition="approve").values_list(
            "actor__username", flat=True
        )
        assert list(approvers) == ["head", "finance", "gm"]
        partial = Order.objects.get(status=S.PARTIALLY_SHIPPED)
        assert partial.lines.filter(is_closed=False).exists()
        assert not Order.objects.get(status=S.SETTLED).lines.filter(is_closed=False).exists()

    def test_demo_production_instructions(self):
        # the approved order waits for its make-to-order valves; stock covers its other lines
        issued = ProductionInstruction.objects.get(order=_demo("approved"))
        assert issued.status == ProductionStatus.ISSUED and issued.number.startswith("PI")
        assert [line.product.code for line in issued.lines.all()] == ["FM-Q941F-25-150"]
        running = ProductionInstruction.objects.get(order=_demo("in-production"))
        assert (running.status, running.progress) == (ProductionStatus.IN_PROGRESS, 60)
        assert list(running.reports.values_list("progress", flat=True)) == [0, 60]
        for key in ("ready-to-ship", "settled"):
            finished = ProductionInstruction.objects.get(order=_demo(key))
            assert (finished.status, finished.qc_passed, finished.qc_note) == (
                ProductionStatus.FINISHED,
                True,
                "质检合格",
            )
        # orders served from stock went ready to ship by themselves, without an instruction
        for key in ("partially-shipped", "shipped", "delivered", "blocked"):
            order = _demo(key)
            assert not order.production_instructions.exists()
            assert order.events.filter(transition="mark_ready", actor__isnull=True).count() == 1

    def test_demo_shipments_and_signed_receipts(self):
        today = timezone.localdate()

        shipments = Shipment.objects.select_related("order")
        assert shipments.count() == 5
        for shipment in shipments:
            assert shipment.number.startswith(f"SH{shipment.shipped_on:%Y%m%d}")
            assert shipment.order.order_date <= shipment.shipped_on <= today
            assert shipment.carrier and shipment.tracking_number and shipment.transport_mode
            assert shipment.lines.exists()
        partial = Shipment.objects.get(order=_demo("partially-shipped"))
        assert "同意分批发货" in partial.customer_consent
        assert partial.follow_up_owner == partial.order.owner
        assert Shipment.objects.get(order=_demo("shipped")).status == ShipmentStatus.SHIPPED
        assert Shipment.objects.filter(order=_demo("settled")).count() == 2

        receipts = DeliveryReceipt.objects.select_related("shipment")
        assert receipts.count() == 3
        for receipt in receipts:
            assert receipt.shipment.status == ShipmentStatus.DELIVERED
            assert receipt.shipment.shipped_on <= receipt.signed_on <= today
            assert receipt.file.read(5) == b"%PDF-"
            assert receipt.signer and receipt.size > 0 and len(receipt.sha256) == 64
        damaged = receipts.get(shipment__order=_demo("delivered"))
        assert not damaged.packing_ok and damaged.remarks
        # a shipped line leaves the stock; reservations never exceed what is on hand
        assert all(item.reserved <= item.on_hand for item in StockItem.objects.all())

    def test_demo_shipping_gate_and_risk_requests(self):
        ready = list(Order.objects.filter(status=S.READY_TO_SHIP).select_related("customer"))
        gates = gate_blocks(ready)
        blocked = [order for order in ready if gates[order.pk].blocked]
        assert [order.remarks for order in blocked] == ["demo:blocked"]
        assert not RiskShipmentRequest.objects.filter(order=blocked[0]).exists()

        # the prepayment customer's delivered order shipped on an approved risk-shipment request
        approved = RiskShipmentRequest.objects.get(order=_demo("delivered"))
        assert approved.status == RiskRequestStatus.APPROVED
        assert list(approved.decisions.values_list("actor__username", "decision")) == [
            ("finance", "approve"),
            ("gm", "approve"),
        ]
        # and one request is still waiting for finance
        pending = RiskShipmentRequest.objects.get(order=_demo("approved"))
        assert pending.status == RiskRequestStatus.FINANCE
        assert pending.requested_by.username == "rep"

    def test_demo_deviations(self):
        complaint = Deviation.objects.get(kind=DeviationKind.COMPLAINT)
        assert (complaint.status, complaint.severity) == (
            DeviationStatus.OPEN,
            DeviationSeverity.SERIOUS,
        )
        assert complaint.order == _demo("partially-shipped")
        deviation = Deviation.objects.get(kind=DeviationKind.DEVIATION)
        assert deviation.status == DeviationStatus.RESOLVED
        assert deviation.resolution and deviation.resolved_at is not None
        assert deviation.order == _demo("delivered")

    def test_seed_demo_master_data_is_valid(self):
        for customer in Customer.objects.all():
            validate_credit_code(customer.credit_code)
            customer.full_clean()
            assert customer.addresses.count() == 1
            assert customer.contacts.count() == 1
        assert len(set(Customer.objects.values_list("settlement_method", flat=True))) == 4
        assert len(set(Customer.objects.values_list("region", flat=True))) >= 3
        assert set(Product.objects.values_list("vat_rate", flat=True)) == {Product().vat_rate}
        assert set(Product.objects.values_list("supply_mode", flat=True)) == {"mts", "mto"}


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["seed_demo", "seed_stock"])
def test_seed_commands_refuse_production_settings(settings, command):
    settings.SETTINGS_MODULE = "config.settings.production"

    with pytest.raises(CommandError, match="production"):
        call_command(command, stdout=StringIO())

    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_seed_stock_needs_seed_demo_first():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_stock", stdout=StringIO())
    assert not StockItem.objects.exists()


@pytest.mark.django_db
def test_beat_schedules_exist_after_migrate():
    tasks = {task.name: task for task in PeriodicTask.objects.select_related("interval", "crontab")}

    flush = tasks["core.outbox_flush"]
    assert (flush.task, flush.enabled) == ("core.outbox_flush", True)
    assert (flush.interval.every, flush.interval.period) == (1, "minutes")
    retry = tasks["core.notifications_retry"]
    assert (retry.task, retry.enabled) == ("core.notifications_retry", True)
    assert (retry.interval.every, retry.interval.period) == (10, "minutes")
    for task in tasks.values():
        if task.crontab is not None:
            assert str(task.crontab.timezone) == "Asia/Shanghai"


def test_beat_tasks_are_registered_with_the_worker():
    from config.celery import app

    app.loader.import_default_modules()
    assert {"core.outbox_flush", "core.notifications_retry"} <= set(app.tasks)


def test_launcher_script_is_valid_bash():
    result = subprocess.run(
        ["bash", "-n", str(ROOT / "bin" / "run-all")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
