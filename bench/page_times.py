"""Median server time of the main pages, measured with Django's test client.

VAR_DIR=... python manage.py shell < bench/page_times.py
(or DATABASE_URL=... for PostgreSQL). Run generate_demo_data --orders N first.
"""

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from orders.models import Order

PAGES = [
    ("rep", "/"),
    ("rep", "/orders/"),
    ("head", "/"),
    ("head", "/orders/"),
    ("head", "/orders/?status=settled&sort=-total"),
    ("head", "/orders/?q=SO2025"),
    ("head", "/orders/?overdue=true"),
    ("head", "/orders/?page=200"),
    ("head", "/api/v1/orders/?page_size=50"),
    ("head", "/approvals/"),
    ("gm", "/approvals/"),
    ("head", "/api/v1/approvals/inbox/"),
    ("rep", "/orders/new/"),
    ("head", "/customers/"),
    ("head", "/contracts/"),
]
busiest = Order.objects.order_by("-total").first()
if busiest is not None:
    PAGES += [
        ("head", f"/orders/{busiest.pk}/"),
        ("head", f"/orders/{busiest.pk}/print/"),
        ("head", f"/customers/{busiest.customer_id}/"),
    ]

print(f"orders in database: {Order.objects.count()}  ({connection.vendor})")
User = get_user_model()
for username, url in PAGES:
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username=username))
    client.get(url)  # warm up
    times = []
    for _ in range(15):
        reset_queries()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    assert response.status_code == 200, (url, response.status_code)
    print(
        f"{username:5} {url:45} median {statistics.median(times):6.1f} ms  "
        f"max {max(times):6.1f} ms  queries {len(ctx.captured_queries)}"
    )
