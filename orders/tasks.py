from celery import shared_task
from django.utils import translation
from django.utils.translation import gettext as _

from core.notifications import notify, users_with_roles
from core.roles import Role

from .enums import OrderStatus
from .models import Order, OrderEvent
from .permissions import STEP_ROLE

S = OrderStatus


@shared_task(
    name="orders.order_status_changed",
    bind=True,
    max_retries=5,
    default_retry_delay=60,
    acks_late=True,
)
def order_status_changed(self, order_id: int, event_id: int) -> int:
    """Tell the people who act next. Idempotent: one notification per (user, event)."""
    event = (
        OrderEvent.objects.select_related("order", "order__customer").filter(pk=event_id).first()
    )
    if event is None:
        return 0
    order: Order = event.order
    recipients: set[int] = set()
    step_role = STEP_ROLE.get(event.to_status)
    if step_role:
        recipients |= set(
            users_with_roles(step_role).exclude(pk=order.owner_id).values_list("pk", flat=True)
        )
    if event.to_status in (S.REJECTED, S.APPROVED, S.CANCELLED, S.ON_HOLD, S.SHIPPED, S.DELIVERED):
        recipients.add(order.owner_id)
    if event.to_status == S.APPROVED:
        recipients |= set(
            users_with_roles(Role.PRODUCTION, Role.WAREHOUSE).values_list("pk", flat=True)
        )
    recipients.discard(event.actor_id)
    if not recipients:
        return 0
    with translation.override("zh-hans"):
        subject = _("Order %(number)s: %(status)s") % {
            "number": order.number,
            "status": S(event.to_status).label,
        }
        body = f"{order.customer.name}  ¥{order.total:,.2f}\n{event.comment}".strip()
    try:
        return notify(
            user_ids=recipients,
            subject=subject,
            body=body,
            link=f"/orders/{order.pk}/",
            dedup_key=f"order-event-{event.pk}",
        )
    except Exception as exc:  # database hiccup: try again later
        raise self.retry(exc=exc) from exc
