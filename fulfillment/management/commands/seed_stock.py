"""Demo fulfillment data (run after seed_demo): receive the demo stock, then take each demo order
the rest of its path through the real services — the general manager's final approval (which
reserves stock and issues production instructions, or makes the order ready to ship), production
started, reported and finished after QC, risk-shipment requests, shipments with carrier and
tracking number, signed delivery receipts, settlement — and raise two deviation reports.

Idempotent: demo stock is received once per product (found by its ledger reference), each step
is taken only while the order is in the step's source state (or, for requests, reports and
deviations, while they do not exist yet), so a second run changes nothing.
"""

import datetime
import hashlib
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from orders.enums import DeliveryMethod, OrderStatus, SupplyMode
from orders.management.commands.seed_demo import (
    ORDER_MARKER,
    ORDERS,
    Step,
    _steps,
    demo_users,
    fulfillment_part,
    take_order_step,
)
from orders.models import Order, Product

from ...enums import (
    OPEN_PRODUCTION,
    DeviationCategory,
    DeviationKind,
    DeviationSeverity,
    DeviationStatus,
    MovementKind,
    ProductionStatus,
)
from ...gate import gate_for
from ...models import Deviation, ProductionInstruction, RiskShipmentRequest, StockMovement
from ...services import stock_receive
from ...services.deviations import deviation_create, deviation_update
from ...services.production import production_finish, production_report, production_start
from ...services.risk import risk_request_create, risk_request_decide
from ...services.shipping import delivery_receipt_add, shipment_create

DEMO_REFERENCE = "demo"
# Enough of most products; a little of the motors, so the stock list and the order form show a
# short product (the order waiting for finance needs 4, 2 are left once the demo has shipped).
PLENTY = Decimal("200")
SCARCE = {"DJ-YE3-160M-4": Decimal("10")}

# carrier, tracking-number prefix, digits — by transport mode
CARRIERS = {
    DeliveryMethod.EXPRESS: ("顺丰速运", "SF", 13),
    DeliveryMethod.ROAD: ("德邦物流", "DPK", 12),
    DeliveryMethod.TRUCKLOAD: ("安能物流", "ANE", 12),
    DeliveryMethod.AIR: ("中国国际货运航空", "CA", 11),
    DeliveryMethod.PICKUP: ("", "", 0),
}

# Deviation reports and complaints: on which demo order, and whether the report is resolved.
DEVIATIONS = (
    {
        "order": "partially-shipped",
        "raised_by": "owner",
        "owner": "head",
        "kind": DeviationKind.COMPLAINT,
        "category": DeviationCategory.DELAY,
        "severity": DeviationSeverity.SERIOUS,
        "title": "客户投诉：电机缺件发货，现场安装延误",
        "description": (
            "川能热电来电投诉：首批仅到3台电机，余下3台电机及4台离心泵未到，"
            "锅炉房改造现场安装被迫停工，要求三日内给出到货时间并考虑延误赔偿。"
        ),
        "resolution": "",
    },
    {
        "order": "delivered",
        "raised_by": "warehouse",
        "owner": "warehouse",
        "kind": DeviationKind.DEVIATION,
        "category": DeviationCategory.PACKING,
        "severity": DeviationSeverity.NORMAL,
        "title": "偏差：木箱包装运输途中破损",
        "description": "客户签收时发现一个木箱一角破损，箱内立式多级泵外观完好，数量无误。",
        "cause": "物流中转时叉车作业不当，木箱未加护角。",
        "resolution": (
            "与客户现场确认设备无损并已签收；已向德邦物流索赔包装费用，"
            "今后出口及长途木箱统一加装护角。"
        ),
    },
)

# The receipts of these demo orders note the damaged packing that their deviation report is about.
DAMAGED_IN_TRANSIT = {d["order"] for d in DEVIATIONS if d["category"] == DeviationCategory.PACKING}


def receipt_pdf(title: str) -> bytes:
    """A minimal valid one-page PDF (the scanned 签收单 stands in for a real scan)."""
    text = title.encode("ascii", "replace")
    stream = b"BT /F1 18 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def tracking_number(prefix: str, digits: int, seed: str) -> str:
    number = int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 10**digits
    return f"{prefix}{number:0{digits}d}" if prefix else ""


class Command(BaseCommand):
    help = (
        "Receive the demo stock and take the demo orders through approval, production, "
        "shipping and delivery (after seed_demo). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run with production settings")

    def handle(self, *args, force: bool = False, **options):
        if "production" in settings.SETTINGS_MODULE and not force:
            raise CommandError("Refusing to load demo stock with production settings.")
        self.users = demo_users()
        if not self.users:
            raise CommandError("Run seed_demo first: it creates the demo users.")
        self.today = timezone.localdate()
        received = self._stock()
        steps = _steps()
        taken = 0
        for demo in ORDERS:
            order = Order.objects.filter(remarks=f"{ORDER_MARKER}{demo.key}").first()
            path = fulfillment_part(demo.path)
            if order is None or not path:
                continue
            with transaction.atomic():
                for key in path:
                    step = steps[key]
                    if order.status == step.source:
                        order, done = self._take(order, step)
                        taken += done
        raised = self._deviations()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo stock: {received} products received; {taken} fulfillment steps taken "
                f"on the demo orders; {raised} deviation reports raised."
            )
        )

    # --- stock ---------------------------------------------------------------------------------
    def _stock(self) -> int:
        already = set(
            StockMovement.objects.filter(
                kind=MovementKind.RECEIPT, reference=DEMO_REFERENCE
            ).values_list("stock_item__product_id", flat=True)
        )
        received = 0
        products = Product.objects.filter(supply_mode=SupplyMode.MAKE_TO_STOCK, is_active=True)
        for product in products.order_by("code"):
            if product.pk in already:
                continue
            with transaction.atomic():
                stock_receive(
                    product=product,
                    quantity=SCARCE.get(product.code, PLENTY),
                    actor=self.users["warehouse"],
                    reference=DEMO_REFERENCE,
                )
            received += 1
        return received

    # --- one step on one order -------------------------------------------------------------------
    def _take(self, order: Order, step: Step) -> tuple[Order, int]:
        """Take `step`; returns the order as stored and 1, or 0 when nothing was left to do."""
        actor = order.owner if step.actor == "owner" else self.users[step.actor]
        handler = getattr(self, f"_step_{step.name}", None)
        if handler is None:  # a plain order transition: the approval, mark ready, settle
            return take_order_step(order, step, self.users), 1
        done = handler(order, actor, step)
        return Order.objects.get(pk=order.pk), int(done is not False)

    def _instruction(self, order: Order) -> ProductionInstruction:
        return ProductionInstruction.objects.get(order=order, status__in=OPEN_PRODUCTION)

    def _step_start_production(self, order, actor, step):
        production_start(instruction=self._instruction(order), actor=actor, note=step.comment)

    def _step_report_progress(self, order, actor, step):
        # (an order put in production before instructions existed has none to report on)
        instruction = ProductionInstruction.objects.filter(
            order=order, status=ProductionStatus.IN_PROGRESS
        ).first()
        if instruction is None or instruction.progress > 0:
            return False
        production_report(instruction=instruction, actor=actor, progress=60, note=step.comment)

    def _step_finish_production(self, order, actor, step):
        production_finish(
            instruction=self._instruction(order), actor=actor, qc_passed=True, qc_note="质检合格"
        )

    def _step_request_risk(self, order, actor, step):
        if order.risk_shipment_requests.exists():
            return False
        risk_request_create(order=order, actor=actor, reason=step.comment)

    def _step_risk_approved(self, order, actor, step):
        """Rep asks, finance approves, then the general manager (风险发货申请)."""
        if not gate_for(order).blocked:
            return False
        request = RiskShipmentRequest.objects.filter(
            order=order, status__in=["finance", "gm"]
        ).first() or risk_request_create(order=order, actor=actor, reason=step.comment)
        comments = {
            "finance": "客户历史回款记录良好，本单风险可控，同意。",
            "gm": "同意先发货，销售负责跟催余款，到货后7日内收回。",
        }
        while request.is_open:
            decider = self.users[request.status]
            request = risk_request_decide(
                request=request,
                actor=decider,
                decision="approve",
                comment=comments[request.status],
            )

    def _ship_date(self, order: Order, days_ago: int) -> datetime.date:
        """Goods the services made today ship today; stock goods shipped a few days ago —
        never before the order date, never in the future."""
        if order.production_instructions.filter(status=ProductionStatus.FINISHED).exists():
            return self.today
        return max(order.order_date, self.today - datetime.timedelta(days=days_ago))

    def _ship(self, order, actor, step, quantities, days_ago):
        mode = order.delivery_method
        carrier, prefix, digits = CARRIERS.get(mode, CARRIERS[DeliveryMethod.ROAD])
        serial = order.shipments.count() + 1
        details = {
            "carrier": carrier,
            "transport_mode": mode,
            "tracking_number": tracking_number(prefix, digits, f"{order.number}/{serial}"),
            "remarks": step.comment,
        }
        if quantities is not None:
            contact = order.customer.contacts.first()
            who = f"{contact.title}{contact.name}" if contact else "采购部王经理"
            details["customer_consent"] = f"客户{who}电话确认同意分批发货"
        shipment_create(
            order=order,
            actor=actor,
            quantities=quantities,
            shipped_on=self._ship_date(order, days_ago),
            **details,
        )

    def _step_ship_part(self, order, actor, step):
        first = order.lines.order_by("sequence").first()
        half = max(Decimal("1"), (first.quantity / 2).to_integral_value())
        self._ship(order, actor, step, {first.pk: half}, days_ago=5)

    def _step_ship(self, order, actor, step):
        # everything still open: the whole order, or the rest after a partial shipment
        days_ago = 2 if order.status == OrderStatus.PARTIALLY_SHIPPED else 4
        self._ship(order, actor, step, None, days_ago=days_ago)

    def _step_confirm_delivery(self, order, actor, step):
        """The customer's signed receipt for every shipment; the last one delivers the order."""
        contact = order.customer.contacts.first()
        for shipment in order.shipments.filter(receipt__isnull=True).order_by("pk"):
            damaged = order.remarks.removeprefix(ORDER_MARKER) in DAMAGED_IN_TRANSIT
            delivery_receipt_add(
                shipment=shipment,
                actor=actor,
                file=SimpleUploadedFile(
                    f"签收单-{shipment.number}.pdf",
                    receipt_pdf(f"Delivery receipt {shipment.number} signed"),
                    content_type="application/pdf",
                ),
                signer=contact.name if contact else "收货人",
                signed_on=min(self.today, shipment.shipped_on + datetime.timedelta(days=2)),
                packing_ok=not damaged,
                remarks="外包装木箱一角破损，设备外观完好，数量无误。" if damaged else "",
            )

    def _step_settle(self, order, actor, step):
        """Finance invoices what was delivered and records the customer's payment against the
        invoice; the payment that completes a delivered order settles it (finance's rule).
        Without the finance app, the plain settle transition."""
        if not apps.is_installed("finance"):
            take_order_step(order, step, self.users)
            return
        from finance.services import invoice_issue, receipt_record

        issued = max(
            order.order_date, *order.shipments.values_list("receipt__signed_on", flat=True)
        )
        invoice = invoice_issue(
            order=order,
            actor=actor,
            fapiao_number=f"{24000000 + order.pk * 7919 % 1000000:08d}",
            issue_date=issued,
            remarks="随货签收单开具增值税专用发票",
        )
        receipt_record(
            customer=order.customer,
            actor=actor,
            amount=invoice.total,
            received_on=min(self.today, issued + datetime.timedelta(days=1)),
            payer=order.customer.name,
            bank_reference=f"HX{order.number}",
            remarks=step.comment,
            allocations=[{"order": order, "invoice": invoice, "amount": invoice.total}],
        )

    # --- deviations ------------------------------------------------------------------------------
    def _deviations(self) -> int:
        raised = 0
        for spec in DEVIATIONS:
            order = Order.objects.filter(remarks=f"{ORDER_MARKER}{spec['order']}").first()
            if order is None or Deviation.objects.filter(order=order, title=spec["title"]).exists():
                continue
            user = self.users
            with transaction.atomic():
                deviation = deviation_create(
                    order=order,
                    actor=order.owner if spec["raised_by"] == "owner" else user[spec["raised_by"]],
                    kind=spec["kind"],
                    category=spec["category"],
                    severity=spec["severity"],
                    title=spec["title"],
                    description=spec["description"],
                    cause=spec.get("cause", ""),
                    owner=user[spec["owner"]],
                )
                if spec["resolution"]:
                    deviation_update(
                        deviation=deviation,
                        actor=user[spec["owner"]],
                        status=DeviationStatus.RESOLVED,
                        resolution=spec["resolution"],
                    )
            raised += 1
        return raised
