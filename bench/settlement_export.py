"""Time and peak memory of the settlement export (ISSUE 6 item 6) for 100,000 order lines.

    createdb / psql -c 'create database orderflow_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderflow_bench python manage.py migrate
    DATABASE_URL=... python bench/settlement_export.py            # or: manage.py shell < ...

Generates (once; a second run reuses them) 20,000 orders of 5 lines = 100,000 lines over 400
customers with bulk_create — about 60 % shipped (some partly), half of those invoiced (a few
with a red-letter credit note), half of the invoiced paid — then writes the workbook
(write-only openpyxl, streamed from one cursor) for about 20,000 and for all 100,000 rows, each
in a fresh process, and prints wall time, the query count, the peak resident memory
(ru_maxrss) over the process's baseline and the peak Python heap (tracemalloc). Memory stays
flat when the 100,000-row figures are close to the 20,000-row ones.
"""

import os
import subprocess
import sys

# Run as a script, or exec'd by `manage.py shell` (where __file__ is the shell command's).
if __file__.endswith("settlement_export.py"):
    SCRIPT = os.path.abspath(__file__)
else:
    SCRIPT = os.path.join(os.getcwd(), "bench", "settlement_export.py")
ROOT = os.path.dirname(os.path.dirname(SCRIPT))
ORDERS = int(os.environ.get("BENCH_ORDERS", "20000"))
LINES_PER_ORDER = 5
PREFIX = "BENCHX"


def setup():
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def generate() -> None:
    import datetime as dt
    import random
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction

    from contracts.models import Customer
    from core.money import money, split_tax
    from finance.models import Allocation, Invoice, InvoiceLine, Receipt
    from orders.models import Order, OrderLine, Product, ProductCategory

    if Order.objects.filter(number__startswith=PREFIX).exists():
        lines = OrderLine.objects.filter(order__number__startswith=PREFIX).count()
        print(f"bench data present: {lines:,} lines")
        return
    rng = random.Random(6)
    started = dt.datetime.now()
    User = get_user_model()
    finance, _ = User.objects.get_or_create(username="bench_finance")
    finance.groups.add(Group.objects.get_or_create(name="finance")[0])
    reps = []
    for index in range(8):
        rep, _ = User.objects.get_or_create(
            username=f"bench_rep{index}", defaults={"last_name": f"销售{index}"}
        )
        rep.groups.add(Group.objects.get_or_create(name="sales_rep")[0])
        reps.append(rep)
    category, _ = ProductCategory.objects.get_or_create(code="BENCH", defaults={"name": "压测"})
    products = Product.objects.bulk_create(
        Product(
            code=f"{PREFIX}-P{n:04d}",
            name=f"压测产品{n}",
            unit="台",
            category=category,
            list_price=Decimal(rng.randrange(100, 20000)),
            floor_price=Decimal("1"),
            vat_rate=Decimal("0.13"),
        )
        for n in range(300)
    )
    regions = ["华东", "华南", "华北", "西南", "东北", "西北"]
    customers = Customer.objects.bulk_create(
        Customer(
            name=f"压测客户{n:04d}有限公司",
            credit_code=f"{PREFIX}{n:010d}",
            region=regions[n % len(regions)],
            account_manager=reps[n % len(reps)],
            settlement_method="monthly",
            credit_limit=Decimal("100000000"),
        )
        for n in range(400)
    )
    today = dt.date.today()
    statuses = ["approved", "ready_to_ship", "partially_shipped", "shipped", "delivered", "settled"]
    batch = 2000
    fapiao = 50000000
    for start in range(0, ORDERS, batch):
        with transaction.atomic():
            orders, plans = [], []
            for n in range(start, min(start + batch, ORDERS)):
                customer = customers[n % len(customers)]
                status = statuses[rng.randrange(len(statuses))]
                orders.append(
                    Order(
                        number=f"{PREFIX}{n:08d}",
                        status=status,
                        customer=customer,
                        owner_id=customer.account_manager_id,
                        order_date=today - dt.timedelta(days=rng.randrange(400)),
                        freight=Decimal("50.00") if n % 7 == 0 else Decimal("0.00"),
                    )
                )
                plans.append(status)
            orders = Order.objects.bulk_create(orders)
            lines = []
            for order, status in zip(orders, plans, strict=True):
                total = Decimal("0")
                for seq in range(1, LINES_PER_ORDER + 1):
                    product = products[rng.randrange(len(products))]
                    qty = Decimal(rng.randrange(1, 50))
                    amount = money(qty * product.list_price)
                    excl, tax = split_tax(amount, product.vat_rate)
                    shipped = Decimal("0")
                    if status in ("shipped", "delivered", "settled"):
                        shipped = qty
                    elif status == "partially_shipped":
                        shipped = qty if seq % 2 else Decimal(rng.randrange(0, int(qty)))
                    lines.append(
                        OrderLine(
                            order=order,
                            sequence=seq,
                            product=product,
                            unit="台",
                            quantity=qty,
                            unit_price=product.list_price,
                            unit_price_excl=(product.list_price / Decimal("1.13")).quantize(
                                Decimal("0.0001")
                            ),
                            tax_rate=product.vat_rate,
                            amount=amount,
                            amount_excl=excl,
                            tax_amount=tax,
                            shipped_quantity=shipped,
                            is_closed=shipped == qty,
                        )
                    )
                    total += amount
                order.lines_total = total
                order.total = total + order.freight
            OrderLine.objects.bulk_create(lines)
            Order.objects.bulk_update(orders, ["lines_total", "total"])
            # Invoice half the shipped orders, pay half of those.
            by_order = {}
            for line in lines:
                by_order.setdefault(line.order_id, []).append(line)
            invoices, invoice_lines, receipts, allocations = [], [], [], []
            for order, status in zip(orders, plans, strict=True):
                if status in ("approved", "ready_to_ship") or rng.random() < 0.5:
                    continue
                fapiao += 1
                built = [
                    InvoiceLine(
                        order_line=line,
                        quantity=line.shipped_quantity,
                        unit_price=line.unit_price,
                        tax_rate=line.tax_rate,
                        amount_excl=money(line.shipped_quantity * line.unit_price_excl),
                        tax_amount=Decimal("0"),
                        total=line.amount
                        if line.shipped_quantity == line.quantity
                        else money(line.shipped_quantity * line.unit_price),
                    )
                    for line in by_order[order.pk]
                    if line.shipped_quantity > 0
                ]
                if not built:
                    continue
                total = sum(x.total for x in built) + order.freight
                paid = total if rng.random() < 0.5 else Decimal("0")
                invoice = Invoice(
                    number=f"{PREFIX}I{fapiao}",
                    invoice_type="vat_special",
                    fapiao_number=str(fapiao),
                    order=order,
                    customer_id=order.customer_id,
                    issue_date=order.order_date,
                    due_date=order.order_date + dt.timedelta(days=30),
                    amount_excl=total,
                    tax_amount=Decimal("0"),
                    total=total,
                    adjustment=order.freight,
                    allocated=paid,
                    created_by=finance,
                )
                invoices.append((invoice, built, paid))
            Invoice.objects.bulk_create([i for i, _b, _p in invoices])
            for invoice, built, paid in invoices:
                for line in built:
                    line.invoice = invoice
                    invoice_lines.append(line)
                if paid:
                    receipts.append(
                        Receipt(
                            number=f"{PREFIX}R{invoice.fapiao_number}",
                            customer_id=invoice.customer_id,
                            amount=paid,
                            allocated=paid,
                            received_on=invoice.issue_date,
                            payer="压测",
                            created_by=finance,
                        )
                    )
            InvoiceLine.objects.bulk_create(invoice_lines)
            Receipt.objects.bulk_create(receipts)
            paid_invoices = [i for i, _b, p in invoices if p]
            for receipt, invoice in zip(receipts, paid_invoices, strict=True):
                allocations.append(
                    Allocation(
                        receipt=receipt,
                        order_id=invoice.order_id,
                        invoice=invoice,
                        amount=receipt.amount,
                        created_by=finance,
                    )
                )
            Allocation.objects.bulk_create(allocations)
        print(f"  {min(start + batch, ORDERS) * LINES_PER_ORDER:,} lines", flush=True)
    print(f"generated in {(dt.datetime.now() - started).total_seconds():.0f} s")


def measure(days: int) -> None:
    """One export in this (fresh) process: the orders of the last `days` days."""
    import datetime as dt
    import resource
    import tempfile
    import time
    import tracemalloc

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from finance.exports.rows import settlement_row_count
    from finance.exports.settlement import write_settlement_workbook

    user = get_user_model().objects.get(username="bench_finance")
    filters = {"date_from": dt.date.today() - dt.timedelta(days=days)} if days else {}
    rows = settlement_row_count(user=user, filters=filters)
    trace = os.environ.get("BENCH_TRACEMALLOC") == "1"
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as target:
        started, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            written = write_settlement_workbook(
                target, user=user, filters=filters, language="zh-hans"
            )
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        size = os.path.getsize(target.name)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    heap = ""
    if trace:
        heap = f"  python heap peak {tracemalloc.get_traced_memory()[1] / 2**20:6.1f} MiB"
    print(
        f"{written:>7,} detail rows (count {rows:,})  {elapsed:6.1f} s wall, {cpu:5.1f} s cpu  "
        f"queries {len(queries)}  file {size / 2**20:4.1f} MiB  "
        f"RSS baseline {baseline / 1024:5.0f} MiB, peak {peak_rss / 1024:5.0f} MiB "
        f"(+{(peak_rss - baseline) / 1024:4.0f} MiB){heap}",
        flush=True,
    )


def main() -> None:
    from django.db import connection

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    generate()
    connection.close()
    env = dict(os.environ)
    # BENCH_PASSES=time skips the (slow) tracemalloc pass.
    passes = os.environ.get("BENCH_PASSES", "time,heap").split(",")
    for trace in [flag for name, flag in (("time", "0"), ("heap", "1")) if name in passes]:
        env["BENCH_TRACEMALLOC"] = trace
        print("with tracemalloc (slower):" if trace == "1" else "time and resident memory:")
        for days in (80, 0):  # about 20 % of the orders, then all of them
            subprocess.run(
                [sys.executable, SCRIPT, "--measure", str(days)],
                env=env,
                check=True,
                cwd=ROOT,
            )


if __name__ == "__main__" and "--measure" in sys.argv:
    setup()
    measure(int(sys.argv[sys.argv.index("--measure") + 1]))
elif __name__ in ("__main__", "django.core.management.commands.shell"):
    if __name__ == "__main__":
        setup()
    main()
