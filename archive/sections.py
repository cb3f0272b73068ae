"""The order page's archive section (orders.lifecycle.register_order_page_section): on a
settled order, finance and the administrator may archive it by hand unless an open deviation
or complaint holds it back; an archived order links to its archive record."""

from __future__ import annotations

from fulfillment.enums import OPEN_DEVIATION
from fulfillment.models import Deviation
from orders.enums import OrderStatus as S

from .models import ArchiveRecord
from .permissions import may_archive, may_read_archive

TEMPLATE = "archive/sections/archive.html"


def order_archive_section(request, order) -> list[dict]:
    if order.status == S.SETTLED and may_archive(request.user):
        blocked = Deviation.objects.filter(order=order, status__in=OPEN_DEVIATION).exists()
        return [
            {
                "template": TEMPLATE,
                "column": "col-12",
                "context": {"order": order, "settled": True, "blocked": blocked},
            }
        ]
    if order.status == S.ARCHIVED and may_read_archive(request.user):
        record = ArchiveRecord.objects.filter(order=order).only("pk", "position").first()
        if record is None:
            return []
        return [
            {
                "template": TEMPLATE,
                "column": "col-12",
                "context": {"order": order, "record": record},
            }
        ]
    return []
