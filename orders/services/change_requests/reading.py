"""Reading change requests and revisions, and the notifications their events cause."""

from decimal import Decimal

from django.utils.translation import gettext as _

from core.errors import NotFound
from core.money import format_cny
from core.notifications import users_with_roles
from core.roles import Role

from ... import permissions as perms
from ...enums import ChangeKind, ChangeRequestStatus, OrderEventType, OrderStatus
from ...models import ChangeRequest, Order
from .access import change_decides_as, may_decide

S = OrderStatus
K = ChangeKind
CR = ChangeRequestStatus


# --- reading --------------------------------------------------------------------------------------
def change_request_list(*, order: Order):
    """The order's requests, newest first, with their decisions."""
    return order.change_requests.select_related("requested_by").prefetch_related(
        "decisions__actor", "decisions__on_behalf_of"
    )


def change_request_get(*, user, request_id) -> ChangeRequest:
    """A request the user may see: on an order they see, or one whose current step they
    decide as a delegate. Anything else is not found."""
    request = (
        ChangeRequest.objects.select_related("order", "requested_by")
        .prefetch_related("decisions__actor", "decisions__on_behalf_of")
        .filter(pk=request_id)
        .first()
    )
    if request is None or not user.is_authenticated:
        raise NotFound()
    if perms.may_view(user, request.order) or change_decides_as(user, request, request.order):
        return request
    raise NotFound()


def order_revision_list(*, order: Order):
    return order.revisions.select_related("change_request", "change_request__requested_by")


# --- notifications (built for orders.tasks.change_request_changed) -----------------------------
def _step_approver_ids(request: ChangeRequest, order: Order) -> set[int]:
    """Holders of the current step's role who may decide it now."""
    from django.contrib.auth import get_user_model

    role = perms.STEP_ROLE.get(request.current_step)
    if not request.is_pending or role is None:
        return set()
    users = get_user_model().objects.filter(is_active=True, groups__name=role).distinct()
    return {user.pk for user in users if may_decide(user, request, order)}


def change_request_messages(request: ChangeRequest, event) -> list[tuple[set[int], str, str]]:
    """(user ids, subject, body) for each notification an event of the request causes.
    Approvers hear of a step only while it is still open (a late run tells nobody)."""
    order, actor, payload = event.order, event.actor_id, event.payload or {}
    kind = str(K(request.kind).label)
    numbers = {"request": request.number, "number": order.number, "kind": kind}
    by = person_label(event.actor)
    if event.on_behalf_of_id:
        by = _("%(delegate)s on behalf of %(approver)s") % {
            "delegate": by,
            "approver": person_label(event.on_behalf_of),
        }
    lines = [
        _("Order: %(number)s") % numbers,
        _("Customer: %(customer)s") % {"customer": order.customer.name},
        _("Request: %(request)s (%(kind)s)") % numbers,
        _("Reason: %(reason)s") % {"reason": request.reason},
    ]
    total = (request.diff or {}).get("totals", {}).get("total")
    if total:
        lines.append(
            _("Total: %(before)s → %(after)s")
            % {"before": format_cny(Decimal(total["before"])), "after": format_cny(total["after"])}
        )
    if event.comment and event.event_type != OrderEventType.CHANGE_REQUESTED:
        lines.append(_("Comment: %(comment)s") % {"comment": event.comment})
    body = "\n".join(lines)
    told = {request.requested_by_id, order.owner_id} - {actor}
    ops = set(users_with_roles(Role.PRODUCTION, Role.WAREHOUSE).values_list("pk", flat=True)) - {
        actor
    }
    messages = []
    opened = event.event_type == OrderEventType.CHANGE_REQUESTED or (
        event.event_type == OrderEventType.CHANGE_DECIDED and payload.get("decision") == "approve"
    )
    step = payload.get("next_step") or (request.steps[0] if request.steps else "")
    if opened and request.is_pending and request.current_step == step:
        waiting = {**numbers, "step": S(step).label}
        messages.append(
            (
                _step_approver_ids(request, order) - {actor},
                _("%(kind)s request %(request)s on order %(number)s waits for you: %(step)s")
                % waiting,
                body
                + "\n"
                + _("Requested by: %(person)s") % {"person": person_label(request.requested_by)},
            )
        )
    if event.event_type == OrderEventType.CHANGE_DECIDED:
        decided = {**numbers, "step": S(payload.get("step", S.SALES_REVIEW)).label}
        if payload.get("decision") == "reject":
            subject = _("%(kind)s request %(request)s was rejected at %(step)s") % decided
        elif request.status == CR.APPROVED:
            subject = _(
                "%(kind)s request %(request)s is approved; order %(number)s is now “%(status)s”"
            ) % {
                **numbers,
                "status": order.get_status_display(),
            }
        else:
            subject = _("%(kind)s request %(request)s passed %(step)s") % decided
        messages.append((told, subject, body + "\n" + _("Decided by: %(person)s") % {"person": by}))
        if request.status == CR.APPROVED:
            messages.append((ops - told, subject, body))
    if event.event_type == OrderEventType.REVISED:
        subject = _("Order %(number)s changed: revision %(revision)s (%(request)s)") % {
            **numbers,
            "revision": payload.get("revision", request.revision),
        }
        messages.append(
            (told, subject, body + "\n" + _("Approved by: %(person)s") % {"person": by})
        )
        messages.append((ops - told, subject, body))
    return messages


def person_label(user) -> str:
    from core.templatetags.ui import person

    return person(user) if user is not None else _("System")
