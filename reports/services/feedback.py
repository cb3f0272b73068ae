"""Customer feedback after delivery (REQUIREMENTS §6: collected within 24 hours, 002 S5).

The customer_feedback deadline rule watches delivered orders without feedback; recording it
clears the condition, so the order's open feedback alert is resolved at once (the scan would
resolve it within 15 minutes anyway).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.roles import Role, has_role
from orders.enums import OrderEventType, OrderStatus
from orders.events import order_event_record
from orders.models import Order
from orders.permissions import is_owner

from ..enums import OPEN_ALERTS, AlertStatus, FeedbackRating, RuleCode
from ..models import Alert, CustomerFeedback

# Feedback is asked for once the goods have arrived; a settled order may still get it.
FEEDBACK_STATES = (OrderStatus.DELIVERED, OrderStatus.SETTLED)
CONTACT_MAX = CustomerFeedback._meta.get_field("contact").max_length
NOTE_MAX = 2000


def may_record_feedback(user, order: Order) -> bool:
    """The order's sales rep, a sales head or an administrator."""
    return bool(user and user.is_authenticated) and (
        is_owner(user, order) or has_role(user, Role.SALES_HEAD, Role.ADMIN)
    )


def feedback_record(
    *, order: Order, actor, rating: str, contact: str, note: str = ""
) -> CustomerFeedback:
    """Record what the customer said about a delivered (or settled) order: once per order, by
    its rep, a sales head or an administrator. The order's history shows it; the open
    customer-feedback alert of the order is resolved."""
    if not may_record_feedback(actor, order):
        raise PermissionDenied(
            _("Only the order's sales rep, a sales head or an administrator records feedback.")
        )
    errors: dict[str, list] = {}
    rating = rating.strip() if isinstance(rating, str) else ""
    contact = contact.strip() if isinstance(contact, str) else ""
    note = note.strip() if isinstance(note, str) else ""
    if rating not in FeedbackRating.values:
        errors["rating"] = [_("Choose satisfied, neutral or dissatisfied.")]
    if not contact:
        errors["contact"] = [_("Enter who gave the feedback.")]
    elif len(contact) > CONTACT_MAX:
        errors["contact"] = [_("At most %(n)s characters.") % {"n": CONTACT_MAX}]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("At most %(n)s characters.") % {"n": NOTE_MAX}]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status not in FEEDBACK_STATES:
            raise InvalidTransition(
                _(
                    "Customer feedback is recorded once the order is delivered; "
                    "order %(number)s is “%(status)s”."
                )
                % {"number": locked.number, "status": locked.get_status_display()},
                extra={"status": locked.status},
            )
        if CustomerFeedback.objects.filter(order=locked).exists():
            raise InvalidTransition(
                _("Customer feedback for order %(number)s is already recorded.")
                % {"number": locked.number}
            )
        feedback = CustomerFeedback.objects.create(
            order=locked, rating=rating, contact=contact, note=note, recorded_by=actor
        )
        label = FeedbackRating(rating).label
        comment = _("Customer feedback: %(rating)s (given by %(contact)s).") % {
            "rating": label,
            "contact": contact,
        }
        order_event_record(
            order=locked,
            actor=actor,
            event_type=OrderEventType.COMMENT,
            comment=f"{comment}\n{note}".strip(),
            payload={"action": "customer_feedback", "feedback": feedback.pk, "rating": rating},
        )
        Alert.objects.filter(
            order=locked, rule__code=RuleCode.CUSTOMER_FEEDBACK, status__in=OPEN_ALERTS
        ).update(status=AlertStatus.RESOLVED, resolved_at=timezone.now())
    return feedback


def order_feedback(order: Order) -> CustomerFeedback | None:
    """The order's recorded feedback, if any (one query)."""
    return CustomerFeedback.objects.filter(order=order).select_related("recorded_by").first()
