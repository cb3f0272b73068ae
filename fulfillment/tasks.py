"""Notifications of fulfillment events, queued through the outbox (sent after commit, retried,
one per person and event)."""

from celery import shared_task
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core.notifications import notify, users_with_roles
from core.roles import Role
from core.templatetags.ui import person

from .enums import DeviationSeverity, RiskRequestStatus

R = RiskRequestStatus
TASK_OPTIONS = {"bind": True, "max_retries": 5, "default_retry_delay": 60, "acks_late": True}


def _send(task, messages, link: str, dedup_key: str) -> int:
    try:
        return sum(
            notify(user_ids=ids, subject=subject, body=body, link=link, dedup_key=dedup_key)
            for ids, subject, body in messages
            if ids
        )
    except Exception as exc:  # database hiccup: try again later
        raise task.retry(exc=exc) from exc


@shared_task(name="fulfillment.risk_request_changed", **TASK_OPTIONS)
def risk_request_changed(self, request_id: int) -> int:
    """The next decider hears that a risk-shipment request waits for them; the requester, the
    order's rep and the warehouse hear the outcome."""
    from .models import RiskShipmentRequest

    request = (
        RiskShipmentRequest.objects.select_related("order", "order__customer", "requested_by")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        return 0
    order = request.order
    with translation.override(settings.LANGUAGE_CODE):
        numbers = {"number": order.number, "customer": order.customer.name}
        body = "\n".join(
            [
                _("Order: %(number)s") % numbers,
                _("Customer: %(customer)s") % numbers,
                _("Requested by: %(name)s") % {"name": person(request.requested_by)},
                _("Reason: %(reason)s") % {"reason": request.reason},
            ]
        )
        messages = []
        waiting = {R.FINANCE: Role.FINANCE, R.GM: Role.GM}.get(request.status)
        if waiting:
            ids = set(users_with_roles(waiting).values_list("pk", flat=True))
            ids -= {request.requested_by_id, order.owner_id}
            subject = _("Risk shipment of order %(number)s waits for your decision") % numbers
            messages.append((ids, subject, body))
        elif request.status in (R.APPROVED, R.REJECTED):
            ids = {request.requested_by_id, order.owner_id}
            if request.status == R.APPROVED:
                ids |= set(users_with_roles(Role.WAREHOUSE).values_list("pk", flat=True))
                subject = _("Risk shipment of order %(number)s approved: it may ship") % numbers
            else:
                subject = _("Risk shipment of order %(number)s rejected") % numbers
            messages.append((ids, subject, body))
    return _send(
        self,
        messages,
        f"/fulfillment/risk/{request.pk}/",
        f"risk-{request.pk}-{request.status}",
    )


@shared_task(name="fulfillment.deviation_changed", **TASK_OPTIONS)
def deviation_changed(self, deviation_id: int) -> int:
    """The person responsible hears of a new or handed-over report; serious ones go to the
    general managers too (REQUIREMENTS §6: 重大投诉上报最高管理层)."""
    from .models import Deviation

    deviation = (
        Deviation.objects.select_related("order", "order__customer").filter(pk=deviation_id).first()
    )
    if deviation is None:
        return 0
    ids = {deviation.owner_id, deviation.order.owner_id}
    if deviation.severity == DeviationSeverity.SERIOUS:
        ids |= set(users_with_roles(Role.GM).values_list("pk", flat=True))
    ids -= {deviation.raised_by_id}  # a GM raising a serious report knows of it already
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(kind)s %(number)s on order %(order)s: %(status)s") % {
            "kind": deviation.get_kind_display(),
            "number": deviation.number,
            "order": deviation.order.number,
            "status": deviation.get_status_display(),
        }
        body = f"{deviation.title}\n{deviation.description}"
    return _send(
        self,
        [(ids, subject, body)],
        f"/orders/{deviation.order_id}/#deviations",
        f"deviation-{deviation.pk}-{deviation.status}-{deviation.owner_id}",
    )


@shared_task(name="fulfillment.receipt_with_remarks", **TASK_OPTIONS)
def receipt_with_remarks(self, receipt_id: int) -> int:
    """A receipt signed with remarks (short, damaged, badly packed): the rep and the sales head
    hear of it, so a deviation report can be raised."""
    from .models import DeliveryReceipt

    receipt = (
        DeliveryReceipt.objects.select_related("shipment__order").filter(pk=receipt_id).first()
    )
    if receipt is None:
        return 0
    order = receipt.shipment.order
    ids = {order.owner_id} | set(users_with_roles(Role.SALES_HEAD).values_list("pk", flat=True))
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Shipment %(number)s was signed for with remarks") % {
            "number": receipt.shipment.number
        }
    return _send(
        self,
        [(ids, subject, receipt.remarks)],
        f"/orders/{order.pk}/#shipments",
        f"receipt-{receipt.pk}",
    )
