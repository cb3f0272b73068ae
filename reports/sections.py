"""The reports sections of the order page (registered with orders.lifecycle from ReportsConfig):
the order's open deadline alerts, with acknowledgement, and the customer feedback of a
delivered order. One or two queries each, whatever the order holds."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from orders.enums import OrderStatus

from .enums import FeedbackRating
from .services.alerts import alert_counts, alerts_prepare, order_open_alerts
from .services.feedback import FEEDBACK_STATES, may_record_feedback, order_feedback


class FeedbackForm(forms.Form):
    """The order page's feedback form. Lenient on purpose: the service checks the values and
    its messages are put back next to the fields (the same ones the API answers)."""

    rating = forms.CharField(
        label=_("Rating"),
        required=False,
        widget=forms.RadioSelect(choices=FeedbackRating.choices),
    )
    contact = forms.CharField(
        label=_("Given by"),
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "maxlength": 60}),
        help_text=_("The customer's contact who gave the feedback."),
    )
    note = forms.CharField(
        label=_("What the customer said"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2, "maxlength": 2000}),
    )


def alert_section_context(request, order) -> dict | None:
    alerts = order_open_alerts(order)
    if not alerts:
        return None
    return {
        "alerts": alerts_prepare(request.user, alerts),
        "list_url": f"{reverse('reports:alert_list')}?order={order.pk}",
    }


def feedback_section_context(request, order, form: FeedbackForm | None = None) -> dict | None:
    if order.status not in (*FEEDBACK_STATES, OrderStatus.ARCHIVED):
        return None  # no query: feedback exists only from delivery on
    feedback = order_feedback(order)
    if feedback is None and order.status not in FEEDBACK_STATES:
        return None
    may_record = (
        feedback is None
        and order.status in FEEDBACK_STATES
        and may_record_feedback(request.user, order)
    )
    return {
        "feedback": feedback,
        "form": (form or FeedbackForm()) if may_record else None,
        "delivered": order.status in (OrderStatus.DELIVERED, OrderStatus.SETTLED),
    }


def order_alert_sections(request, order) -> list[dict]:
    """[{"template", "column", "context"}] for the order page, or [] when there is nothing."""
    sections = []
    alerts = alert_section_context(request, order)
    if alerts is not None:
        sections.append({"template": "reports/alert_section.html", "context": alerts})
    feedback = feedback_section_context(request, order)
    if feedback is not None:
        sections.append({"template": "reports/feedback_section.html", "context": feedback})
    column = "col-12 col-lg-6" if len(sections) == 2 else "col-12"
    for section in sections:
        section["column"] = column
    return sections


def home_alert_cards(user) -> list[dict]:
    """The home page's alert figures (one query), linking to the alerts page."""
    counts = alert_counts(user)
    url = reverse("reports:alert_list")
    return [
        {
            "key": "alerts_open",
            "label": _("Open alerts"),
            "count": counts["open"],
            "url": url,
            "style": "danger" if counts["open"] else "secondary",
        },
        {
            "key": "alerts_escalated",
            "label": _("Escalated alerts"),
            "count": counts["escalated"],
            "url": f"{url}?escalated=1",
            "style": "danger" if counts["escalated"] else "secondary",
        },
    ]
