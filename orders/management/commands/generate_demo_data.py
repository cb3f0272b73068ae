"""Bulk-generate orders for load and speed measurements (not for production databases).

    python manage.py generate_demo_data --orders 10000

Orders spread over the last three years across the demo customers, products and reps, in all
states, with 1–5 lines each; inserted with bulk_create in batches, numbers continuing the
per-day counters so the normal numbering stays unique afterwards.
"""

import datetime
import random
from collections import Counter
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from contracts.models import Customer
from core.models import DailySequence
from core.money import money, price, split_tax
from core.roles import Role
from orders.enums import OrderStatus
from orders.models import Order, OrderEvent, OrderLine, Product

S = OrderStatus
# Rough share of orders per state in a running business: most are finished.
STATE_WEIGHTS = {
    S.DRAFT: 3,
    S.SALES_REVIEW: 2,
    S.FINANCE_REVIEW: 2,
    S.GM_REVIEW: 1,
    S.REJECTED: 2,
    S.APPROVED: 3,
    S.IN_PRODUCTION: 4,
    S.READY_TO_SHIP: 3,
    S.PARTIALLY_SHIPPED: 3,
    S.SHIPPED: 5,
    S.DELIVERED: 6,
    S.SETTLED: 30,
    S.ARCHIVED: 30,
    S.CANCELLED: 4,
    S.ON_HOLD: 2,
}
SHIPPED_STATES = {S.SHIPPED, S.DELIVERED, S.SETTLED, S.ARCHIVED}


class Command(BaseCommand):
    help = "Bulk-generate N orders for speed measurements."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=10_000)
        parser.add_argument("--batch", type=int, default=2_000)
        parser.add_argument("--seed", type=int, default=20261122)

    def handle(self, *args, orders: int, batch: int, seed: int, **options):
        rng = random.Random(seed)
        customers = list(Customer.objects.select_related("account_manager"))
        products = list(Product.objects.filter(is_active=True))
        reps = list(get_user_model().objects.filter(groups__name=Role.SALES_REP))
        if not customers or not products or not reps:
            raise CommandError("Run seed_demo first: customers, products and reps are needed.")
        states, weights = zip(*STATE_WEIGHTS.items(), strict=True)
        today = timezone.localdate()
        made = 0
        while made < orders:
            size = min(batch, orders - made)
            with transaction.atomic():
                self._batch(rng, size, today, customers, products, reps, states, weights)
            made += size
            self.stdout.write(f"{made}/{orders}")
        self.stdout.write(self.style.SUCCESS(f"Generated {orders} orders."))

    def _batch(self, rng, size, today, customers, products, reps, states, weights):
        days = [today - datetime.timedelta(days=rng.randint(0, 3 * 365)) for _ in range(size)]
        serials = self._take_serials(Counter(days))
        new_orders, plans = [], []
        for day in days:
            customer = rng.choice(customers)
            owner = customer.account_manager or rng.choice(reps)
            status = rng.choices(states, weights)[0]
            lines = []
            for seq in range(1, rng.randint(1, 5) + 1):
                product = rng.choice(products)
                qty = Decimal(rng.choice([1, 2, 5, 10, 20, 50, 100]))
                unit_price = price(product.list_price * Decimal(rng.uniform(0.88, 1.0)))
                gross = money(qty * unit_price)
                net, tax = split_tax(gross, product.vat_rate)
                shipped = qty if status in SHIPPED_STATES else Decimal(0)
                lines.append(
                    OrderLine(
                        sequence=seq,
                        product=product,
                        spec=product.spec,
                        unit=product.unit,
                        quantity=qty,
                        unit_price=unit_price,
                        unit_price_excl=price(unit_price / (1 + product.vat_rate)),
                        tax_rate=product.vat_rate,
                        amount=gross,
                        amount_excl=net,
                        tax_amount=tax,
                        shipped_quantity=shipped,
                        is_closed=shipped == qty,
                        last_ship_date=day + datetime.timedelta(days=20) if shipped else None,
                    )
                )
            lines_total = sum(line.amount for line in lines)
            order = Order(
                number=f"SO{day:%Y%m%d}{serials[day].pop(0):03d}",
                customer=customer,
                owner=owner,
                order_date=day,
                required_date=day + datetime.timedelta(days=rng.randint(10, 60)),
                promised_date=day + datetime.timedelta(days=rng.randint(10, 60)),
                settlement_method=customer.settlement_method,
                lines_total=lines_total,
                tax_total=sum(line.tax_amount for line in lines),
                total=lines_total,
                remarks="generated",
            )
            order.__dict__["status"] = status  # bulk data: the protected field is set directly
            new_orders.append(order)
            plans.append(lines)
        Order.objects.bulk_create(new_orders, batch_size=1000)
        all_lines, events = [], []
        for order, lines in zip(new_orders, plans, strict=True):
            for line in lines:
                line.order = order
                all_lines.append(line)
            events.append(
                OrderEvent(
                    order=order,
                    event_type="created",
                    to_status=order.status,
                    actor=order.owner,
                    payload={"generated": True},
                )
            )
        OrderLine.objects.bulk_create(all_lines, batch_size=2000)
        OrderEvent.objects.bulk_create(events, batch_size=2000)

    def _take_serials(self, per_day: Counter) -> dict:
        """Reserve serial numbers on each day's counter, as the normal numbering would."""
        serials = {}
        DailySequence.objects.bulk_create(
            [DailySequence(key="SO", day=d, last_value=0) for d in per_day], ignore_conflicts=True
        )
        counters = {
            c.day: c
            for c in DailySequence.objects.select_for_update().filter(
                key="SO", day__in=list(per_day)
            )
        }
        for day, count in per_day.items():
            start = counters[day].last_value
            serials[day] = list(range(start + 1, start + count + 1))
            DailySequence.objects.filter(pk=counters[day].pk).update(
                last_value=F("last_value") + count
            )
        return serials
