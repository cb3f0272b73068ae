"""Production instruction pages (生产指令, REQUIREMENTS §6): the list, one instruction with its
lines, reports and QC, and the actions production takes on it (start, report progress, finish
after QC) — from its page or inline on the board. Also the execution plan's actual dates,
recorded from the order page.

Views parse the form, call one service and render; fulfillment.services decide what is allowed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from core import errors
from core.web import apply_service_errors, forbid_unless, found_or_404, paginate
from orders.selectors import order_get

from ..forms.production import (
    PlanActualForm,
    ProductionFilterForm,
    ProductionFinishForm,
    ProductionReportForm,
    ProductionStartForm,
)
from ..selectors_board import (
    instruction_is_overdue,
    may_view_board,
    production_get,
    production_list_with_lines,
)
from ..services.plan import may_record_milestone, plan_record_actual
from ..services.production import (
    may_run_production,
    production_finish,
    production_report,
    production_start,
)
from .board import board_context

# action name → (form, service, label)
ACTIONS = {
    "start": (ProductionStartForm, production_start, gettext_lazy("Start production")),
    "report": (ProductionReportForm, production_report, gettext_lazy("Progress report")),
    "finish": (ProductionFinishForm, production_finish, gettext_lazy("Finish (QC passed)")),
}
FROM_BOARD = "board"


def _errors_text(form) -> str:
    """A form's errors in one sentence for a flash message."""
    parts = []
    for field_errors in form.errors.values():
        for error in field_errors:
            if error not in parts:
                parts.append(str(error))
    return " ".join(parts)


def _success_text(action: str, instruction) -> str:
    order = instruction.order
    if action == "start":
        return _("%(number)s started: order %(order)s is now “%(status)s”.") % {
            "number": instruction.number,
            "order": order.number,
            "status": order.get_status_display(),
        }
    if action == "report":
        return _("%(number)s: progress %(progress)s %% reported.") % {
            "number": instruction.number,
            "progress": instruction.progress,
        }
    return _("%(number)s finished and taken into stock: order %(order)s is now “%(status)s”.") % {
        "number": instruction.number,
        "order": order.number,
        "status": order.get_status_display(),
    }


def _detail_context(request, instruction, bound=None) -> dict:
    forms = {
        "start": ProductionStartForm(),
        "report": ProductionReportForm(initial={"progress": instruction.progress or None}),
        "finish": ProductionFinishForm(),
    }
    forms.update(bound or {})
    return {
        "instruction": instruction,
        "order": instruction.order,
        "lines": list(instruction.lines.all()),
        "reports": list(instruction.reports.all()),
        "overdue": instruction_is_overdue(instruction),
        "may_produce": may_run_production(request.user) and instruction.is_open,
        "forms": forms,
    }


def _after_board_action(request):
    if request.htmx:
        return render(
            request,
            "fulfillment/board_content.html",
            {**board_context(request), "with_messages": True},
        )
    return redirect("fulfillment:board")


def _run_action(request, pk, action: str):
    instruction = found_or_404(production_get, user=request.user, pk=pk)
    forbid_unless(may_run_production(request.user))
    form_class, service, label = ACTIONS[action]
    form = form_class(request.POST)
    status = 400
    if form.is_valid():
        try:
            done = service(instruction=instruction, actor=request.user, **form.cleaned_data)
        except errors.PermissionDenied as exc:
            raise Forbidden(str(exc.message)) from exc
        except errors.ApplicationError as exc:
            apply_service_errors(exc, form)
            status = exc.status_code
        else:
            done.order.refresh_from_db()
            messages.success(request, _success_text(action, done))
            if request.POST.get("origin") == FROM_BOARD:
                return _after_board_action(request)
            return redirect("fulfillment:production_detail", pk=instruction.pk)
    text = _("%(action)s was not done: %(reason)s") % {
        "action": label,
        "reason": _errors_text(form),
    }
    if request.POST.get("origin") == FROM_BOARD:
        messages.error(request, text)
        return _after_board_action(request)
    if status != 400:  # refused (409): say it at the top as well as next to the form
        messages.error(request, text)
    context = _detail_context(request, instruction, {action: form})
    return render(request, "fulfillment/production_detail.html", context, status=status)


# --- views ---------------------------------------------------------------------------------------
@login_required
@require_safe
def production_list_view(request):
    forbid_unless(may_view_board(request.user))
    form = ProductionFilterForm(request.GET or None)
    queryset = production_list_with_lines(user=request.user)
    if form.is_bound:
        queryset = (
            production_list_with_lines(user=request.user, filters=form.filters())
            if form.is_valid()
            else queryset.none()
        )
    page = paginate(request, queryset)
    instructions = list(page.object_list)
    for instruction in instructions:
        instruction.overdue = instruction_is_overdue(instruction)
    return render(
        request,
        "fulfillment/production_list.html",
        {"form": form, "page": page, "instructions": instructions},
    )


@login_required
@require_safe
def production_detail_view(request, pk):
    instruction = found_or_404(production_get, user=request.user, pk=pk)
    return render(
        request, "fulfillment/production_detail.html", _detail_context(request, instruction)
    )


@login_required
@require_POST
def production_start_view(request, pk):
    return _run_action(request, pk, "start")


@login_required
@require_POST
def production_report_view(request, pk):
    return _run_action(request, pk, "report")


@login_required
@require_POST
def production_finish_view(request, pk):
    return _run_action(request, pk, "finish")


@login_required
@require_POST
def plan_actual_view(request, pk):
    """Record the actual site survey, installation or acceptance date from the order page."""
    order = found_or_404(order_get, user=request.user, order_id=pk)
    forbid_unless(may_record_milestone(request.user, order))
    form = PlanActualForm(request.POST)
    if form.is_valid():
        try:
            plan_record_actual(
                order=order,
                actor=request.user,
                milestone=form.cleaned_data["milestone"],
                day=form.cleaned_data["day"],
            )
        except errors.PermissionDenied as exc:
            raise Forbidden(str(exc.message)) from exc
        except errors.ApplicationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(
                request,
                _("Actual date recorded: %(milestone)s %(day)s.")
                % {
                    "milestone": dict(form.fields["milestone"].choices)[
                        form.cleaned_data["milestone"]
                    ],
                    "day": form.cleaned_data["day"].isoformat(),
                },
            )
    if form.errors:
        messages.error(
            request,
            _("The actual date was not recorded: %(reason)s") % {"reason": _errors_text(form)},
        )
    return redirect(reverse("orders:detail", args=[order.pk]) + "#execution-plan")
