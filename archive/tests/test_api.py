"""GET /api/v1/archive/verify/: the chain's state (who may call it: test_api_archive.py)."""

import json

import pytest
from django.db import connection

from archive.services.archiving import archive_order
from orders.enums import OrderStatus as S
from orders.tests.helpers import draft_order, force_status

pytestmark = pytest.mark.django_db
URL = "/api/v1/archive/verify/"


def test_anonymous_is_401(api):
    assert api.get(URL).status_code == 401


def test_verify_reports_the_first_broken_record(api, rep, finance):
    records = [
        archive_order(order=force_status(draft_order(rep), S.SETTLED), actor=finance)
        for _ in range(2)
    ]
    api.force_authenticate(finance)
    assert api.get(URL).json() == {
        "ok": True,
        "checked": 2,
        "broken_position": None,
        "order_number": "",
        "reason": "",
    }
    snapshot = {**records[1].snapshot, "lines": []}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE archive_archiverecord SET snapshot = %s WHERE id = %s",
            [json.dumps(snapshot), records[1].pk],
        )
    assert api.get(URL).json() == {
        "ok": False,
        "checked": 1,
        "broken_position": 2,
        "order_number": records[1].order_number,
        "reason": "snapshot changed",
    }
