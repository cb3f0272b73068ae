"""Side effects of order changes. Queued through the outbox, so they run only after the change
has committed (DESIGN §5); idempotent, so a retried or repeated run does nothing twice."""

from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _

from core.money import format_cny
from core.notifications import notify, users_with_roles
from core.roles import Role
from core.templatetags.ui import person

from .approval_hooks import hooks
from .enums import OrderEventType, OrderStatus, OrderTransition
from .models import Order, OrderEvent
from .permissions import STEP_ROLE, may_decide_step

S = OrderStatus
T = OrderTransition

# Decisions and other changes the order's owner hears about (REQUIREMENTS §4).
OWNER_TRANSITIONS = frozenset({T.APPROVE, T.REJECT, T.CANCEL, T.CANCEL_APPROVED})
OWNER_STATES = frozenset({S.REJECTED, S.APPROVED, S.CANCELLED, S.ON_HOLD, S.SHIPPED, S.DELIVERED})


@dataclass
class Message:
    user_ids: set[int]
    subject: str
    body: str


@shared_task(
    name="orders.order_status_changed",
    bind=True,
    max_retries=5,
    default_retry_delay=60,
    acks_late=True,
)
def order_status_changed(self, order_id: int, event_id: int) -> int:
    """Tell the people who act next and the owner of each decision; returns how many new.
    One notification per (user, event), never to the person who acted."""
    event = (
        OrderEvent.objects.select_related(
            "order", "order__customer", "order__owner", "actor", "on_behalf_of"
        )
        .filter(pk=event_id, order_id=order_id)
        .first()
    )
    if event is None:
        return 0
    try:
        # Stored texts are written in the site's language (zh-hans unless configured).
        with translation.override(settings.LANGUAGE_CODE):
            messages = order_event_messages(event)
        return sum(
            notify(
                user_ids=m.user_ids,
                subject=m.subject,
                body=m.body,
                link=f"/orders/{event.order_id}/",
                dedup_key=f"order-event-{event.pk}",
            )
            for m in messages
            if m.user_ids
        )
    except Exception as exc:  # database hiccup: try again later
        raise self.retry(exc=exc) from exc


def next_approver_ids(order: Order, event: OrderEvent) -> set[int]:
    """Who may decide the step the event opened: its role holders and their delegates today,
    as far as they may decide it (not the owner, not an approver of an earlier step).
    Nothing when the order has moved on since: the later event tells the next people."""
    if event.to_status not in STEP_ROLE or order.status != event.to_status:
        return set()
    latest = (
        order.events.filter(event_type=OrderEventType.TRANSITION)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if latest != event.pk:
        return set()
    candidates = get_user_model().objects.filter(
        pk__in=hooks().step_recipients(order=order), is_active=True
    )
    return {user.pk for user in candidates if may_decide_step(user, order)}


def order_event_messages(event: OrderEvent) -> list[Message]:
    """The notifications an order event causes, owner's first (a person gets one per event)."""
    order = event.order
    actor = event.actor_id
    decided_by = person(event.actor)
    if event.on_behalf_of_id:
        decided_by = _("%(delegate)s on behalf of %(approver)s") % {
            "delegate": decided_by,
            "approver": person(event.on_behalf_of),
        }
    numbers = {"number": order.number, "step": _step_label(event.from_status)}
    summary = [
        _("Order: %(number)s") % {"number": order.number},
        _("Customer: %(customer)s") % {"customer": order.customer.name},
        _("Total: %(total)s") % {"total": format_cny(order.total)},
    ]

    def body(*lines: str) -> str:
        details = [line for line in lines if line]
        if event.comment:
            details.append(_("Comment: %(comment)s") % {"comment": event.comment})
        override = (event.payload or {}).get("override_reason")
        if override:
            details.append(_("Override reason: %(reason)s") % {"reason": override})
        return "\n".join([*summary, *details])

    messages = []
    if order.owner_id != actor and (
        event.transition in OWNER_TRANSITIONS or event.to_status in OWNER_STATES
    ):
        if event.transition == T.APPROVE and event.to_status == S.APPROVED:
            subject = _("Order %(number)s is approved") % numbers
        elif event.transition == T.APPROVE:
            subject = _("Order %(number)s passed %(step)s") % numbers
        elif event.transition == T.REJECT:
            subject = _("Order %(number)s was rejected at %(step)s") % numbers
        elif event.to_status == S.CANCELLED:
            subject = _("Order %(number)s was cancelled") % numbers
        else:
            subject = _("Order %(number)s: %(status)s") % {
                "number": order.number,
                "status": _step_label(event.to_status),
            }
        messages.append(
            Message(
                {order.owner_id},
                subject,
                body(
                    _("Step: %(step)s") % numbers if event.from_status in STEP_ROLE else "",
                    (
                        _("Decided by: %(person)s")
                        if event.transition in OWNER_TRANSITIONS
                        else _("Recorded by: %(person)s")
                    )
                    % {"person": decided_by},
                    _("Status now: %(status)s") % {"status": _step_label(event.to_status)},
                ),
            )
        )

    approvers = next_approver_ids(order, event) - {actor}
    if approvers:
        waiting = {"number": order.number, "step": _step_label(event.to_status)}
        if event.transition == T.SUBMIT:
            previous = _("Submitted by: %(person)s") % {"person": decided_by}
        else:
            previous = _("%(step)s approved by %(person)s") % {
                "step": _step_label(event.from_status),
                "person": decided_by,
            }
        messages.append(
            Message(
                approvers,
                _("Order %(number)s waits for your approval: %(step)s") % waiting,
                body(_("Step: %(step)s") % waiting, previous),
            )
        )

    if event.to_status == S.APPROVED:
        # Production and the warehouse plan the work an approved order brings.
        crew = set(
            users_with_roles(Role.PRODUCTION, Role.WAREHOUSE).values_list("pk", flat=True)
        ) - {actor, order.owner_id}
        messages.append(
            Message(
                crew,
                _("Order %(number)s is approved") % numbers,
                body(
                    _("Promised delivery date: %(date)s")
                    % {"date": order.promised_date.isoformat()}
                    if order.promised_date
                    else ""
                ),
            )
        )
    return messages


def _step_label(status: str) -> str:
    return str(S(status).label) if status in S.values else status


@shared_task(
    name="orders.change_request_changed",
    bind=True,
    max_retries=5,
    default_retry_delay=60,
    acks_late=True,
)
def change_request_changed(self, request_id: int, event_id: int) -> int:
    """Tell the approvers of a change request's next step that it waits for them, the
    requester (and the order's owner) how it was decided, and production and the warehouse
    when an approved request changed the order (REQUIREMENTS §5: 通知相关部门). One notification
    per (user, event), never to the person who acted; returns how many new."""
    from .models import ChangeRequest
    from .services.change_requests import change_request_messages

    event = (
        OrderEvent.objects.select_related("order", "order__customer", "actor", "on_behalf_of")
        .filter(pk=event_id)
        .first()
    )
    request = ChangeRequest.objects.select_related("requested_by").filter(pk=request_id).first()
    if event is None or request is None or event.order_id != request.order_id:
        return 0
    try:
        with translation.override(settings.LANGUAGE_CODE):
            messages = change_request_messages(request, event)
        return sum(
            notify(
                user_ids=user_ids,
                subject=subject,
                body=body,
                link=f"/orders/{event.order_id}/#change-requests",
                dedup_key=f"change-request-event-{event.pk}",
            )
            for user_ids, subject, body in messages
            if user_ids
        )
    except Exception as exc:  # database hiccup: try again later
        raise self.retry(exc=exc) from exc
