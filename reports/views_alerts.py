"""Deadline alerts pages (ISSUE 7): the alert list with acknowledgement, and the customer
feedback form of the order page. Views parse input, call one service and render; who may do
what is decided by the services (the same rules as the API)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from core.errors import ApplicationError, NotFound
from core.web import apply_service_errors, found_or_404, paginate
from orders.selectors import order_get

from .enums import AlertStatus, RuleCode
from .sections import FeedbackForm, feedback_section_context
from .services.alerts import alert_acknowledge, alert_get, alert_list, alerts_prepare
from .services.feedback import feedback_record

# Overdue by at least ... (working hours): the list's choices.
OVERDUE_CHOICES = (
    ("", gettext_lazy("Any time")),
    ("4", gettext_lazy("4 working hours or more")),
    ("9", gettext_lazy("1 working day or more")),
    ("18", gettext_lazy("2 working days or more")),
    ("45", gettext_lazy("5 working days or more")),
)
STATUS_CHOICES = (
    ("open", gettext_lazy("Open or acknowledged")),
    ("unacknowledged", gettext_lazy("Not acknowledged")),
    (AlertStatus.ACKNOWLEDGED.value, AlertStatus.ACKNOWLEDGED.label),
    (AlertStatus.RESOLVED.value, AlertStatus.RESOLVED.label),
    ("all", gettext_lazy("All")),
)


class AlertFilterForm(forms.Form):
    show_errors = True
    rule = forms.ChoiceField(
        label=gettext_lazy("Rule"),
        required=False,
        choices=[("", gettext_lazy("All rules")), *RuleCode.choices],
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=STATUS_CHOICES)
    overdue = forms.ChoiceField(
        label=gettext_lazy("Overdue by"), required=False, choices=OVERDUE_CHOICES
    )
    mine = forms.BooleanField(label=gettext_lazy("Addressed to me"), required=False)
    escalated = forms.BooleanField(label=gettext_lazy("Escalated only"), required=False)
    order = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("rule", "status", "overdue"):
            self.fields[name].widget.attrs.update({"class": "form-select", "data-autosubmit": ""})
        for name in ("mine", "escalated"):
            self.fields[name].widget.attrs.update({"class": "form-check-input"})

    def selector_filters(self) -> dict:
        """The valid filters (an invalid one is shown with its error and ignored)."""
        data = getattr(self, "cleaned_data", {})
        return {
            "rule": data.get("rule") or "",
            "status": data.get("status") or "open",
            "overdue_hours": int(data["overdue"]) if data.get("overdue") else 0,
            "mine": bool(data.get("mine")),
            "escalated": bool(data.get("escalated")),
            "order": data.get("order"),
        }


@login_required
@require_safe
def alert_list_view(request):
    """Open deadline alerts (reps: their own orders'), oldest due first, with how late each is
    in working hours and an Acknowledge button for the people the rule addresses."""
    form = AlertFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    filters = form.selector_filters()
    page = paginate(request, alert_list(user=request.user, filters=filters))
    alerts = alerts_prepare(request.user, page.object_list)
    return render(
        request,
        "reports/alert_list.html",
        {
            "form": form,
            "page": page,
            "alerts": alerts,
            "filtered": any(v for k, v in filters.items() if k != "status")
            or (filters["status"] != "open"),
        },
    )


def _back(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_POST
def alert_acknowledge_view(request, pk):
    """Acknowledge one alert. An htmx caller gets the alert's row (list) or item (order page)
    back, with the outcome; the refusal keeps its status (403, 409) and says why."""
    user = request.user
    on_order_page = request.POST.get("view") == "order"
    try:
        alert = alert_get(user=user, alert_id=pk)
    except NotFound as exc:
        if not request.htmx:
            raise Http404(str(exc.message)) from exc
        context = {"pk": pk, "error": str(exc.message), "on_order_page": on_order_page}
        return render(request, "reports/alert_gone.html", context, status=404)
    status, text, error = 200, "", ""
    try:
        alert = alert_acknowledge(alert=alert, actor=user)
        text = _("Acknowledged: no escalation; the alert closes when its condition clears.")
    except ApplicationError as exc:
        status, error = exc.status_code, str(exc.message)
        alert = alert_get(user=user, alert_id=pk)
    if not request.htmx:
        if error:
            messages.error(request, f"{alert.order.number}: {error}")
        else:
            messages.success(request, f"{alert.order.number}: {text}")
        default = (
            reverse("orders:detail", args=[alert.order_id]) + "#deadline-alerts"
            if on_order_page
            else reverse("reports:alert_list")
        )
        return redirect(_back(request, default))
    alerts_prepare(user, [alert])
    template = "reports/alert_section_item.html" if on_order_page else "reports/alert_row.html"
    return render(
        request, template, {"alert": alert, "message": text, "error": error}, status=status
    )


@login_required
@require_POST
def feedback_record_view(request, order_id):
    """Record the customer's feedback from the order page. An htmx caller gets the feedback
    block back: the recorded feedback, or the form with the errors next to the fields (422;
    403/409 with the reason when refused)."""
    user = request.user
    order = found_or_404(order_get, user=user, order_id=order_id)
    form = FeedbackForm(request.POST)
    form.is_valid()  # lenient: the service checks the values
    page = reverse("orders:detail", args=[order.pk]) + "#customer-feedback"
    status, error = 200, ""
    try:
        feedback_record(order=order, actor=user, **form.cleaned_data)
    except ApplicationError as exc:
        if not request.htmx:
            fields = exc.extra.get("fields") or {}
            text = " ".join(str(m) for msgs in fields.values() for m in msgs)
            messages.error(
                request,
                _("The feedback was not recorded: %(reason)s")
                % {"reason": text or str(exc.message)},
            )
            return redirect(page)
        if exc.status_code == 400:
            apply_service_errors(exc, form)
            status = 422
        else:
            status, error, form = exc.status_code, str(exc.message), None
    else:
        if not request.htmx:
            messages.success(request, _("The customer's feedback is recorded."))
            return redirect(page)
    context = feedback_section_context(request, order, form=form) or {"feedback": None}
    return render(
        request,
        "reports/feedback_block.html",
        {
            "ctx": context,
            "order": order,
            "error": error,
            "recorded": status == 200,
        },
        status=status,
    )
