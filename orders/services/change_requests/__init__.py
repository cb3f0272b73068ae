"""Change, cancellation and hold/resume requests on approved orders (REQUIREMENTS §5, DESIGN §2).

An approved order is never edited in place: the rep (or a sales head) proposes header and line
changes with a reason; the approvers the policy names for the request's category see the
before/after diff and decide step by step; the last approval applies the change as a new
revision (or cancels, holds or resumes the order through the order machine). A rejection or a
withdrawal leaves the order exactly as it was.

proposal: what may change, pricing, the diff and its category; access: who asks and who
decides; actions: the services that write; reading: selectors and notification texts.
"""

from .access import ELIGIBLE_STATES, change_decides_as, may_decide, may_request, requestable_kinds
from .actions import (
    change_request_create,
    change_request_decide,
    change_request_preview,
    change_request_withdraw,
)
from .proposal import CHANGEABLE_FIELDS, change_category, order_snapshot
from .reading import (
    change_request_get,
    change_request_list,
    change_request_messages,
    order_revision_list,
)

__all__ = [
    "CHANGEABLE_FIELDS",
    "ELIGIBLE_STATES",
    "change_category",
    "change_decides_as",
    "change_request_create",
    "change_request_decide",
    "change_request_get",
    "change_request_list",
    "change_request_messages",
    "change_request_preview",
    "change_request_withdraw",
    "may_decide",
    "may_request",
    "order_revision_list",
    "order_snapshot",
    "requestable_kinds",
]
