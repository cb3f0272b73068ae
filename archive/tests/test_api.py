"""GET /api/v1/archive/verify/: the chain's state for finance, GM and admin only."""

import json

import pytest
from django.db import connection

from archive.services.archiving import archive_order
from orders.enums import OrderStatus as S
from orders.tests.helpers import draft_order, force_status
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/archive/verify/"


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
def test_who_may_verify(api, role, expected):
    api.force_authenticate(UserFactory(roles=[role]))
    assert api.get(URL).status_code == expected


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
