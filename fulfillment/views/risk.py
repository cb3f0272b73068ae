"""Risk-shipment requests (风险发货申请, REQUIREMENTS §6, 000 D6): the rep asks to ship although
the gate blocks the order; finance decides, then the general manager.

Views parse input, call one service (fulfillment.services.risk) and render; a user sees a
request only if they may see its order.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from contracts.enums import SettlementMethod
from core.errors import ApplicationError, PermissionDenied, ValidationFailed
from core.roles import Role, has_role
from core.web import apply_service_errors, forbid_unless, found_or_404, paginate
from orders.selectors import order_get

from ..enums import OPEN_RISK, GateReason, RiskRequestStatus
from ..forms.risk import RiskDecisionForm, RiskFilterForm, RiskRequestForm
from ..gate import gate_for
from ..models import RiskShipmentRequest
from ..services.risk import (
    REQUESTABLE_STATES,
    RISK_STEPS,
    may_decide_risk,
    may_request_risk_shipment,
    risk_request_create,
    risk_request_decide,
    risk_request_withdraw,
)
from .shipping import visible_orders

R = RiskRequestStatus


def requests_visible_to(user):
    return RiskShipmentRequest.objects.filter(order__in=visible_orders(user)).select_related(
        "order", "order__customer", "order__owner", "requested_by"
    )


def waiting_for(user, queryset):
    """The open requests this user decides now — the same rule as may_decide_risk, as one
    query: the step's role, never one's own request or order, one step per person."""
    steps = [status for status, (role, _step, _next) in RISK_STEPS.items() if has_role(user, role)]
    if not steps:
        return queryset.none()
    queryset = (
        queryset.filter(status__in=steps).exclude(requested_by=user).exclude(order__owner=user)
    )
    if settings.APPROVAL_DISTINCT_APPROVERS:
        queryset = queryset.exclude(decisions__actor=user)
    return queryset.order_by("requested_at", "id")


def _request_or_404(user, pk) -> RiskShipmentRequest:
    request = requests_visible_to(user).filter(pk=pk).first()
    if request is None:
        raise Http404(_("No such risk shipment request."))
    return request


def gate_reason_labels(values) -> list[str]:
    return [str(GateReason(v).label) if v in GateReason.values else str(v) for v in values]


@login_required
@require_safe
def risk_list_view(request):
    visible = requests_visible_to(request.user)
    form = RiskFilterForm(request.GET)
    queryset = visible.none()
    if form.is_valid():
        queryset = visible
        status = form.cleaned_data.get("status")
        if status == "open":
            queryset = queryset.filter(status__in=OPEN_RISK)
        elif status:
            queryset = queryset.filter(status=status)
        if term := (form.cleaned_data.get("q") or "").strip():
            queryset = queryset.filter(
                Q(order__number__icontains=term) | Q(order__customer__name__icontains=term)
            )
    page = paginate(request, queryset.order_by("-requested_at", "-id"))
    mine = list(waiting_for(request.user, visible)[:50])
    return render(
        request,
        "fulfillment/risk_list.html",
        {"form": form, "page": page, "requests": page.object_list, "waiting": mine},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def risk_create_view(request, order_pk):
    order = found_or_404(order_get, user=request.user, order_id=order_pk)
    forbid_unless(may_request_risk_shipment(request.user, order))
    posted = request.method == "POST"
    form = RiskRequestForm(request.POST if posted else None)
    if posted and form.is_valid():
        try:
            created = risk_request_create(
                order=order, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(
                request,
                _("Your risk shipment request for %(order)s is waiting for finance.")
                % {"order": order.number},
            )
            return redirect("fulfillment:risk_detail", pk=created.pk)
    gate = gate_for(order)
    open_request = RiskShipmentRequest.objects.filter(order=order, status__in=OPEN_RISK).first()
    return render(
        request,
        "fulfillment/risk_form.html",
        {
            "order": order,
            "form": form,
            "gate": gate,
            "gate_labels": gate_reason_labels(gate.reasons),
            "settlement_label": SettlementMethod(order.settlement_method).label
            if order.settlement_method in SettlementMethod.values
            else order.settlement_method,
            "open_request": open_request,
            "requestable": order.status in REQUESTABLE_STATES,
            "can_submit": bool(gate.reasons)
            and not gate.risk_approved
            and open_request is None
            and order.status in REQUESTABLE_STATES,
        },
        status=400 if posted else 200,
    )


def _detail_context(request, risk: RiskShipmentRequest, form=None) -> dict:
    user = request.user
    may_decide = risk.is_open and may_decide_risk(user, risk)
    decisions = list(risk.decisions.select_related("actor", "on_behalf_of"))
    steps = [
        {
            "status": status,
            "label": Role(role).label,
            "decisions": [d for d in decisions if d.step == step],
            "current": risk.status == status,
        }
        for status, (role, step, _next) in RISK_STEPS.items()
    ]
    return {
        "risk": risk,
        "order": risk.order,
        "gate_labels": gate_reason_labels(risk.gate_reasons),
        "gate_now": gate_for(risk.order),
        "decisions": decisions,
        "may_decide": may_decide,
        "form": form or RiskDecisionForm(initial={"expected_status": risk.status}),
        "may_withdraw": risk.is_open
        and (risk.requested_by_id == user.pk or has_role(user, Role.ADMIN)),
        "steps": steps,
    }


@login_required
@require_safe
def risk_detail_view(request, pk):
    risk = _request_or_404(request.user, pk)
    return render(request, "fulfillment/risk_detail.html", _detail_context(request, risk))


@login_required
@require_POST
def risk_decide_view(request, pk):
    risk = _request_or_404(request.user, pk)
    form = RiskDecisionForm(request.POST)
    if form.is_valid():
        # The step the decider saw; a page left open while the request moved on is refused.
        seen = form.cleaned_data.get("expected_status") or risk.status
        current = risk.status
        risk.status = seen
        try:
            decided = risk_request_decide(
                request=risk,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationFailed as exc:
            risk.status = current
            apply_service_errors(exc, form)
        except PermissionDenied:
            forbid_unless(False)
        except ApplicationError as exc:  # decided already: say where it is now
            messages.error(request, _("Nothing was decided: %(reason)s") % {"reason": exc.message})
            return redirect("fulfillment:risk_detail", pk=risk.pk)
        else:
            messages.success(
                request,
                _("Decision recorded. The request is now “%(status)s”.")
                % {"status": decided.get_status_display()},
            )
            return redirect("fulfillment:risk_detail", pk=risk.pk)
    return render(
        request, "fulfillment/risk_detail.html", _detail_context(request, risk, form), status=400
    )


@login_required
@require_POST
def risk_withdraw_view(request, pk):
    risk = _request_or_404(request.user, pk)
    try:
        risk_request_withdraw(request=risk, actor=request.user)
    except PermissionDenied:
        forbid_unless(False)
    except ApplicationError as exc:
        messages.error(request, _("Nothing was withdrawn: %(reason)s") % {"reason": exc.message})
    else:
        messages.success(request, _("The request was withdrawn."))
    return redirect("fulfillment:risk_detail", pk=risk.pk)
