"""The navbar bell: the signed-in user's unread notifications, one COUNT query per page."""

from django import template

from core.notifications import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    if request is None:
        return 0
    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = unread_count(user=request.user)
    return request._unread_notifications


@register.filter
def one_line(text: str) -> str:
    """A notification body on one line for the list: "Customer: … · Total: …"."""
    return " · ".join(line.strip() for line in (text or "").splitlines() if line.strip())
