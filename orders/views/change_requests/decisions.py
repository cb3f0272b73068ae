"""The reason dialogs (cancellation, hold, resume), the approvers' decisions and withdrawing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotFound

from ...enums import ChangeKind, ChangeRequestStatus, OrderStatus
from ...models import ChangeRequest
from ...selectors import order_get
from ...services.change_requests import (
    change_request_create,
    change_request_decide,
    change_request_withdraw,
)
from .card import card_url, error_text, order_or_404, request_or_404

K = ChangeKind


@login_required
@require_POST
def change_request_simple_view(request, pk):
    """Cancellation, hold or resume with a reason (the dialogs of the card)."""
    order = order_or_404(request.user, pk)
    kind = request.POST.get("kind", "")
    if kind not in (K.CANCEL, K.HOLD, K.RESUME):
        raise Http404
    try:
        created = change_request_create(
            order=order, actor=request.user, kind=kind, reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        messages.error(
            request,
            _("The request was not sent: %(reason)s") % {"reason": error_text(exc)},
        )
    else:
        messages.success(
            request,
            _("%(kind)s request %(number)s was sent for approval.")
            % {"kind": K(kind).label, "number": created.number},
        )
    return redirect(card_url(order.pk))


# --- deciding and withdrawing -----------------------------------------------------------------
@login_required
@require_POST
def change_request_decide_view(request, request_id):
    change_request = request_or_404(request.user, request_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        raise Http404
    expected = request.POST.get("expected_step", "").strip()
    seen = change_request
    if expected and expected != change_request.current_step:
        # The page was older than the request: decide on what the user saw (a 409 follows).
        seen = ChangeRequest(pk=change_request.pk, current_step=expected)
    try:
        decided = change_request_decide(
            request=seen,
            actor=request.user,
            approve=decision == "approve",
            comment=request.POST.get("comment", ""),
        )
    except ApplicationError as exc:
        messages.error(
            request,
            _("Nothing was decided: %(reason)s") % {"reason": error_text(exc)},
        )
    else:
        if decided.status == ChangeRequestStatus.APPROVED:
            text = _("Request %(number)s is approved and has been carried out.")
        elif decided.status == ChangeRequestStatus.REJECTED:
            text = _("Request %(number)s is rejected; the order stays as it was.")
        else:
            text = _("You approved request %(number)s; it goes on to %(step)s.")
        messages.success(
            request,
            text
            % {
                "number": decided.number,
                "step": OrderStatus(decided.current_step).label if decided.current_step else "",
            },
        )
    return redirect(_after_decision_url(request.user, change_request))


def _visible(user, change_request: ChangeRequest) -> bool:
    try:
        order_get(user=user, order_id=change_request.order_id)
    except NotFound:
        return False
    return True


def _after_decision_url(user, change_request: ChangeRequest) -> str:
    if _visible(user, change_request):
        return card_url(change_request.order_id)
    return reverse("orders:change_request", args=[change_request.pk])


@login_required
@require_POST
def change_request_withdraw_view(request, request_id):
    change_request = request_or_404(request.user, request_id)
    try:
        change_request_withdraw(
            request=change_request, actor=request.user, comment=request.POST.get("comment", "")
        )
    except ApplicationError as exc:
        messages.error(request, _("Nothing was done: %(reason)s") % {"reason": error_text(exc)})
    else:
        messages.success(
            request,
            _("Request %(number)s was withdrawn; the order stays as it was.")
            % {"number": change_request.number},
        )
    return redirect(card_url(change_request.order_id))
