"""Documents attached to an order (REQUIREMENTS §3: attachments; §11: audit)."""

from pathlib import PurePath

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.files import check_upload

from .. import permissions as perms
from ..enums import OrderEventType, OrderStatus
from ..events import order_event_record
from ..models import Order, OrderAttachment

# A closed file takes no more documents: archived records never change (DESIGN §2), and a
# cancelled order has nothing left to document.
CLOSED_STATES = (OrderStatus.ARCHIVED, OrderStatus.CANCELLED)
# The event payload marks the comment event as an attachment (no separate event type, so
# the audit trail needs no migration).
ATTACHMENT_ADDED = "attachment_added"


def order_attachment_add(*, order: Order, actor, file, description: str = "") -> OrderAttachment:
    """Attach a file to an order.

    Anyone who may see the order (its owner, or any role that sees all orders) may attach a
    document while the order is neither archived nor cancelled. The file passes the one upload
    gate (size, type, checksum); the upload is recorded in the order's audit trail in the same
    transaction.
    """
    description = (description or "").strip()
    if len(description) > 200:
        raise ValidationFailed(
            fields={"description": [_("Keep the description under 200 characters.")]}
        )
    stored_name = ""
    try:
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if actor is None or not actor.is_authenticated or not perms.may_view(actor, locked):
                raise PermissionDenied()
            if locked.status in CLOSED_STATES:
                raise InvalidTransition(
                    _("Documents cannot be added while the order is “%(status)s”.")
                    % {"status": locked.get_status_display()},
                    extra={"status": locked.status},
                )
            sha256 = check_upload(file)
            name = PurePath(file.name).name[:200]
            attachment = OrderAttachment(
                order=locked,
                name=name,
                description=description,
                sha256=sha256,
                uploaded_by=actor,
            )
            attachment.file.save(name, file, save=False)
            stored_name = attachment.file.name
            attachment.size = attachment.file.size
            attachment.save()
            order_event_record(
                order=locked,
                actor=actor,
                event_type=OrderEventType.COMMENT,
                comment=description,
                payload={
                    "action": ATTACHMENT_ADDED,
                    "attachment_id": attachment.pk,
                    "name": name,
                    "size": attachment.size,
                    "sha256": sha256,
                },
            )
    except Exception:
        # The database rolled back; do not leave the stored file behind.
        if stored_name:
            OrderAttachment.file.field.storage.delete(stored_name)
        raise
    return attachment
