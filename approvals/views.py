"""The approvers' pages (DESIGN §6): the inbox with inline decisions, the decisions taken,
and delegations.

Views parse input, call one service and render. Decisions go through the order services
(order_approve / order_reject), the same rules as the order page and the API.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.errors import (
    ApplicationError,
    ConcurrentModification,
    InvalidTransition,
    NotFound,
)
from core.roles import user_roles
from core.templatetags.ui import person
from core.web import apply_service_errors, paginate
from orders.enums import REVIEW_STATES, OrderStatus
from orders.permissions import decides_as
from orders.selectors import order_get
from orders.services import order_approve, order_reject

from . import checks
from .enums import Decision
from .forms import DecisionForm, DelegationForm, InboxFilterForm
from .policy import open_round
from .selectors import (
    approval_inbox,
    decidable_statuses,
    decisions_by,
    delegation_list,
    delegations_active_for,
    step_age,
)
from .services import APPROVER_ROLES, delegation_create, delegation_revoke

S = OrderStatus
INBOX_COLUMNS = 7  # the inbox table's columns; a result line spans them all


# --- helpers -------------------------------------------------------------------------------------
def _check_marks(current_checks) -> list[dict]:
    return [
        {
            "code": c.code,
            "label": c.get_code_display(),
            "passed": c.passed,
            "text": checks.describe(c.code, c.passed, c.details),
        }
        for c in current_checks
    ]


def _prepare_row(order, user, now=None) -> None:
    """What a row shows beyond the order itself: age, checks, on whose behalf the user acts.
    Rows from approval_inbox carry the round, age and checks already."""
    if not hasattr(order, "age"):
        order.approval_round = open_round(order)
        opened = order.approval_round.step_opened_at if order.approval_round else None
        order.age = step_age(opened or order.submitted_at, now)
        order.current_checks = (
            list(order.approval_round.checks.filter(step=order.status).order_by("code"))
            if order.approval_round
            else []
        )
        order.failed_checks = [c for c in order.current_checks if not c.passed]
    order.check_marks = _check_marks(order.current_checks)
    order.failed_marks = [m for m in order.check_marks if not m["passed"]]
    principal = decides_as(user, order)
    order.on_behalf_of = principal if principal is not None and principal != user else None


def _tabs(request, active: str, inbox_count: int | None = None) -> dict:
    return {
        "active_tab": active,
        "inbox_count": inbox_count,
        "is_approver": bool(user_roles(request.user) & APPROVER_ROLES),
    }


def _row_response(request, template: str, context: dict, status: int = 200):
    return render(request, template, {"columns": INBOX_COLUMNS, **context}, status=status)


# --- inbox ---------------------------------------------------------------------------------------
@login_required
@require_safe
def inbox_view(request):
    """Orders waiting on a step the user may decide now (their own or a delegator's), oldest
    step first, with age against the 1-working-day deadline and the checks at a glance."""
    user = request.user
    steps = decidable_statuses(user)
    form = InboxFilterForm(request.GET or None, steps=steps)
    filters = form.selector_filters() if form.is_bound else {}
    # Filters that do not make sense (a step that is not theirs) show nothing, with the error.
    valid = not form.is_bound or form.is_valid()
    inbox = approval_inbox(user=user, filters=filters) if valid else []
    # A long inbox is shown a page at a time (oldest first); the tab counts all of it.
    page = paginate(request, inbox)
    orders = list(page.object_list)
    now = timezone.now()
    for order in orders:
        _prepare_row(order, user, now)
    context = {
        "filter_form": form,
        "orders": orders,
        "page": page,
        "steps": steps,
        "filtered": not valid or any(v for v in filters.values()),
        "columns": INBOX_COLUMNS,
        "standing_in_for": list(delegations_active_for(user=user)),
        **_tabs(request, "inbox", len(inbox)),
    }
    if request.htmx and request.htmx.target == "approval-results":
        return render(request, "approvals/includes/inbox_results.html", context)
    return render(request, "approvals/inbox.html", context)


@login_required
@require_POST
def decide_view(request, pk):
    """Approve or reject one order from the inbox. An htmx caller gets the row back: a result
    line, the row with the error (422 for missing input, 403 when refused), or a conflict line
    when the step was decided by someone else meanwhile (409). Without htmx the user returns
    to the inbox with a message.

    422 rather than 400 for a form to correct: htmx's convention, and django-htmx's debug
    helper replaces the whole page with a 400 response."""
    user = request.user
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _finish(request, None, pk, _("Choose approve or reject."), status=422)
    data = form.cleaned_data
    try:
        order = order_get(user=user, order_id=pk)
    except NotFound:
        return _finish(request, None, pk, _("This order is no longer waiting for you."), status=404)
    expected = data["expected_status"]
    if expected and expected != order.status:
        return _finish(request, order, pk, _stale_text(order.status), status=409)
    seen = order.status
    try:
        if data["decision"] == Decision.APPROVE:
            changed = order_approve(
                order=order,
                actor=user,
                comment=data["comment"],
                override_reason=data["override_reason"],
            )
        else:
            changed = order_reject(order=order, actor=user, comment=data["comment"])
    except (ConcurrentModification, InvalidTransition) as exc:
        now_status = exc.extra.get("status", order.status)
        return _finish(request, order, pk, _stale_text(now_status), status=409)
    except ApplicationError as exc:
        return _row_with_errors(request, order, form, exc)
    return _finish(request, changed, pk, _result_text(data["decision"], seen, changed))


def _stale_text(status: str) -> str:
    label = S(status).label if status in S.values else status
    return _(
        "Nothing was done: the order moved on while you were looking at it (someone else "
        "decided this step). It is now “%(status)s”."
    ) % {"status": label}


def _result_text(decision: str, step: str, order) -> str:
    step_label = S(step).label
    if decision == Decision.REJECT:
        return _("%(step)s: rejected → returned to %(name)s") % {
            "step": step_label,
            "name": person(order.owner),
        }
    if order.status in REVIEW_STATES:
        return _("%(step)s: approved → %(next)s") % {
            "step": step_label,
            "next": order.get_status_display(),
        }
    return _("%(step)s: approved → the order is approved") % {"step": step_label}


def _finish(request, order, pk, text: str, status: int = 200):
    outcome = {200: "done", 409: "stale"}.get(status, "error")
    if not request.htmx:
        level = messages.success if status == 200 else messages.error
        number = order.number if order is not None else ""
        level(request, f"{number} {text}".strip())
        return redirect("approvals:inbox")
    return _row_response(
        request,
        "approvals/includes/inbox_result.html",
        {"order": order, "pk": pk, "text": text, "outcome": outcome},
        status=status,
    )


def _row_with_errors(request, order, form: DecisionForm, exc: ApplicationError):
    """The row again, with the service's message next to the field it is about and what the
    user typed kept."""
    if not request.htmx:
        text = " ".join(
            str(m) for msgs in (exc.extra.get("fields") or {}).values() for m in msgs
        ) or str(exc.message)
        messages.error(request, f"{order.number} {text}")
        return redirect("approvals:inbox")
    apply_service_errors(exc, form)
    _prepare_row(order, request.user)
    status = 403 if exc.status_code == 403 else 422
    return _row_response(
        request,
        "approvals/includes/inbox_row.html",
        {"order": order, "form": form},
        status=status,
    )


# --- decided by me -------------------------------------------------------------------------------
@login_required
@require_safe
def decided_view(request):
    """Decisions the user took (themselves or as a delegate) or a delegate took for them."""
    page = paginate(request, decisions_by(user=request.user))
    return render(
        request,
        "approvals/decided.html",
        {"page": page, "decisions": page.object_list, **_tabs(request, "decided")},
    )


# --- delegations ---------------------------------------------------------------------------------
@login_required
def delegation_list_view(request):
    """An approver names a stand-in for a period; both see the delegations given and received."""
    user = request.user
    is_approver = bool(user_roles(user) & APPROVER_ROLES)
    form = DelegationForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                delegation = delegation_create(
                    actor=user,
                    delegate=data["delegate"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    reason=data["reason"],
                )
            except ApplicationError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(
                    request,
                    _("%(name)s stands in for you from %(start)s until %(end)s.")
                    % {
                        "name": person(delegation.delegate),
                        "start": f"{delegation.start_date:%Y-%m-%d}",
                        "end": f"{delegation.end_date:%Y-%m-%d}",
                    },
                )
                return redirect("approvals:delegations")
        status = 400
    elif not form.is_bound:
        today = timezone.localdate()
        form.initial = {"start_date": today, "end_date": today}
    delegations = list(delegation_list(user=user))
    today = timezone.localdate()
    for delegation in delegations:
        delegation.state = _delegation_state(delegation, today)
    return render(
        request,
        "approvals/delegations.html",
        {
            "form": form,
            "given": [d for d in delegations if d.approver_id == user.pk],
            "received": [d for d in delegations if d.delegate_id == user.pk],
            **_tabs(request, "delegations"),
            "is_approver": is_approver,
        },
        status=status,
    )


def _delegation_state(delegation, today) -> str:
    if delegation.revoked_at is not None:
        return "revoked"
    if delegation.end_date < today:
        return "ended"
    if delegation.start_date > today:
        return "planned"
    return "active"


@login_required
@require_POST
def delegation_revoke_view(request, pk):
    try:
        delegation = delegation_revoke(actor=request.user, delegation_id=pk)
    except ApplicationError as exc:
        messages.error(
            request,
            _("The delegation was not revoked: %(reason)s") % {"reason": exc.message},
        )
    else:
        messages.success(
            request,
            _("The delegation to %(name)s is revoked.") % {"name": person(delegation.delegate)},
        )
    return redirect(reverse("approvals:delegations"))
