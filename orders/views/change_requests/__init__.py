"""Change requests on the order page (REQUIREMENTS §5): the "Change requests" card, the change
form with its before/after preview, the reason dialogs for cancellation and hold/resume, and
the approvers' decisions. Views parse input, call one service and render."""

from .card import change_request_detail_view, change_requests_card_view, change_requests_context
from .decisions import (
    change_request_decide_view,
    change_request_simple_view,
    change_request_withdraw_view,
)
from .form import change_request_form_view

__all__ = [
    "change_request_decide_view",
    "change_request_detail_view",
    "change_request_form_view",
    "change_request_simple_view",
    "change_request_withdraw_view",
    "change_requests_card_view",
    "change_requests_context",
]
