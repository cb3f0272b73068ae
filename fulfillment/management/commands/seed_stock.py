"""Demo stock (run after seed_demo): receive stock for the make-to-stock products that have
none, then reserve it for the approved demo orders. Idempotent: products that already have
stock are left alone and reservations are only topped up."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.roles import Role
from orders.enums import CANCELLABLE_BY_REQUEST, OrderStatus, SupplyMode
from orders.models import Order, Product

from ...models import StockItem
from ...services import reserve_order, stock_receive

# Enough of most products; a little of the rest, so the demo shows short lines too.
PLENTY = Decimal("200")
SCARCE = Decimal("3")


class Command(BaseCommand):
    help = "Receive demo stock and reserve it for approved demo orders (after seed_demo)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run with production settings")

    def handle(self, *args, force: bool = False, **options):
        if "production" in settings.SETTINGS_MODULE and not force:
            raise CommandError("Refusing to load demo stock with production settings.")
        warehouse_user = get_user_model().objects.filter(groups__name=Role.WAREHOUSE).first()
        if warehouse_user is None:
            raise CommandError("Run seed_demo first: it creates the warehouse user.")
        stocked = set(StockItem.objects.filter(on_hand__gt=0).values_list("product_id", flat=True))
        received = 0
        products = Product.objects.filter(supply_mode=SupplyMode.MAKE_TO_STOCK, is_active=True)
        for index, product in enumerate(products.order_by("code")):
            if product.pk in stocked:
                continue
            quantity = SCARCE if index % 4 == 3 else PLENTY
            stock_receive(
                product=product, quantity=quantity, actor=warehouse_user, reference="demo"
            )
            received += 1
        reserved = 0
        for order in Order.objects.filter(
            status__in=[*CANCELLABLE_BY_REQUEST, OrderStatus.PARTIALLY_SHIPPED]
        ):
            reserve_order(order=order, actor=warehouse_user)
            reserved += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo stock: {received} products received, reservations checked for "
                f"{reserved} orders."
            )
        )
