"""The order page, its transitions, its documents and the confirmation letter (DESIGN §6).

Views parse input, call one service and render; who may do what is decided by
orders.permissions and the services (the same rules as the API).
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from contracts.enums import SettlementMethod
from core.errors import ApplicationError, NotFound, ValidationFailed
from core.files import allowed_extensions
from core.money import format_cny
from core.roles import Role

from .. import lifecycle
from .. import permissions as perms
from ..approval_hooks import hooks
from ..enums import REASON_REQUIRED, REVIEW_STATES, OrderStatus, OrderTransition
from ..models import Order
from ..selectors import order_events, order_get
from ..services.attachments import ATTACHMENT_ADDED, CLOSED_STATES, order_attachment_add
from ..services.transitions import TRANSITION_SERVICES

S = OrderStatus
T = OrderTransition

# Button colour per transition; the rest are plain primary actions.
BUTTON_STYLES = {
    T.APPROVE: "success",
    T.REJECT: "danger",
    T.CANCEL: "outline-danger",
    T.HOLD: "outline-warning",
    T.RESUME: "outline-primary",
}
# Transitions confirmed in a dialog: a reason (required), an optional comment, or quantities.
DIALOG_TRANSITIONS = REASON_REQUIRED | {T.APPROVE, T.SHIP}
# The page that ships an order (fulfillment's shipment form), used instead of the dialog.
SHIP_PAGE = "fulfillment:shipment_create"

# What the order waits on in each state, and which roles can move it on ("owner" = its rep).
OWNER = "owner"
WAITING_FOR = {
    S.DRAFT: (gettext_lazy("submission by the sales rep"), (OWNER,)),
    S.REJECTED: (gettext_lazy("correction and resubmission by the sales rep"), (OWNER,)),
    S.SALES_REVIEW: (S.SALES_REVIEW.label, (Role.SALES_HEAD,)),
    S.TECHNICAL_REVIEW: (S.TECHNICAL_REVIEW.label, (Role.PRODUCTION,)),
    S.FINANCE_REVIEW: (S.FINANCE_REVIEW.label, (Role.FINANCE,)),
    S.GM_REVIEW: (S.GM_REVIEW.label, (Role.GM,)),
    S.APPROVED: (
        gettext_lazy("start of production, or release from stock"),
        (Role.PRODUCTION, Role.WAREHOUSE),
    ),
    S.IN_PRODUCTION: (gettext_lazy("end of production"), (Role.PRODUCTION,)),
    S.READY_TO_SHIP: (gettext_lazy("shipment"), (Role.WAREHOUSE,)),
    S.PARTIALLY_SHIPPED: (gettext_lazy("shipment of the open quantities"), (Role.WAREHOUSE,)),
    S.SHIPPED: (gettext_lazy("confirmation of delivery"), (Role.WAREHOUSE, OWNER)),
    S.DELIVERED: (gettext_lazy("settlement"), (Role.FINANCE,)),
    S.SETTLED: (gettext_lazy("archiving"), (Role.FINANCE,)),
    S.ON_HOLD: (gettext_lazy("a decision to resume"), (Role.SALES_HEAD, Role.GM)),
}
MAX_NAMES = 6
# Statuses in which a confirmation letter is binding; before approval it is marked as a draft.
CONFIRMED_STATES = frozenset(S.values) - {
    S.DRAFT,
    S.REJECTED,
    *REVIEW_STATES,
    S.CANCELLED,
}


# --- helpers -------------------------------------------------------------------------------------
def _order_or_404(user, pk) -> Order:
    try:
        return order_get(user=user, order_id=pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def person_name(user) -> str:
    """张伟 rather than Django's "伟 张": family name first, as Chinese names are written."""
    if user is None:
        return ""
    first, last = user.first_name.strip(), user.last_name.strip()
    if first and last and not (first.isascii() and last.isascii()):
        return f"{last}{first}"
    return user.get_full_name() or user.get_username()


def _unit_price(value: Decimal) -> str:
    """Unit prices keep up to 4 decimals (DESIGN §3) but show 2 when that is all they have."""
    if value == value.quantize(Decimal("0.01")):
        return format_cny(value)
    return f"¥{value:,.4f}"


def _status_label(value: str) -> str:
    return str(S(value).label) if value in S.values else value


def _waiting_for(order: Order) -> dict | None:
    """The step the order waits on and the people who can take it."""
    entry = WAITING_FOR.get(order.status)
    if entry is None:
        return None
    step, roles = entry
    people = []
    if OWNER in roles:
        people.append(order.owner)
    role_names = [r for r in roles if r != OWNER]
    if role_names:
        users = (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=role_names)
            .exclude(pk=order.owner_id)
            .distinct()
            .order_by("username")[: MAX_NAMES + 1]
        )
        people += [u for u in users if u not in people]
    if order.status in perms.STEP_ROLE and settings.APPROVAL_DISTINCT_APPROVERS:
        # Someone who approved an earlier step of this round cannot take this one.
        decided = perms.round_approver_ids(order)
        people = [u for u in people if u.pk not in decided]
    return {
        "step": step,
        "roles": [str(Role(r).label) for r in role_names],
        "owner": OWNER in roles,
        "names": [person_name(u) for u in people[:MAX_NAMES]],
        "more": len(people) > MAX_NAMES,
    }


def _page_url(name: str, order: Order) -> str | None:
    """A page another app provides for this order (e.g. the shipment form), if it exists."""
    try:
        return reverse(name, args=[order.pk])
    except NoReverseMatch:
        return None


def _actions(user, order: Order) -> list[dict]:
    """One entry per transition this user may take now (the same list as the API's
    available_transitions), in the machine's order. Shipping opens the shipment form of the
    fulfillment app (carrier, tracking, consent...) when it is installed, not a dialog."""
    available = {
        t.name
        for t in order.get_available_user_status_transitions(user)
        if t.name in TRANSITION_SERVICES
    }
    actions = []
    for name in T.values:
        if name not in available:
            continue
        url = _page_url(SHIP_PAGE, order) if name == T.SHIP else None
        actions.append(
            {
                "name": name,
                "label": T(name).label,
                "style": BUTTON_STYLES.get(name, "primary"),
                "url": url,
                "dialog": name in DIALOG_TRANSITIONS and url is None,
                "reason_required": name in REASON_REQUIRED,
            }
        )
    return actions


def _actions_context(request, order: Order, lines: list) -> dict:
    actions = _actions(request.user, order)
    return {
        # The approval chain and the current step's checks, from the approval policy (the
        # approve dialog asks for an override reason when a check failed).
        **hooks().order_page_context(order=order, user=request.user),
        "order": order,
        "actions": actions,
        # The user can move the order on (cancelling or holding it is not "their turn").
        "your_turn": any(a["name"] not in (T.CANCEL, T.HOLD) for a in actions),
        "may_edit": perms.may_edit(request.user, order),
        "open_lines": [line for line in lines if line.open_quantity > 0],
    }


def _timeline(order: Order) -> list[dict]:
    entries = []
    for event in order_events(order=order):
        payload = event.payload or {}
        entries.append(
            {
                "event": event,
                "actor": person_name(event.actor) or _("System"),
                "on_behalf_of": person_name(event.on_behalf_of),
                "type": event.get_event_type_display(),
                "transition": T(event.transition).label if event.transition in T.values else "",
                "from_label": _status_label(event.from_status) if event.from_status else "",
                "to_label": _status_label(event.to_status) if event.to_status else "",
                "attachment": payload.get("name")
                if payload.get("action") == ATTACHMENT_ADDED
                else "",
                "shipped_on": payload.get("shipped_on", "") if event.transition == T.SHIP else "",
            }
        )
    return entries


def _detail_context(request, order: Order, *, upload_errors=None, upload_description="") -> dict:
    lines = list(order.lines.all())
    for line in lines:
        line.unit_price_display = _unit_price(line.unit_price)
        line.unit_price_excl_display = _unit_price(line.unit_price_excl)
    attachments = list(order.attachments.select_related("uploaded_by").order_by("id"))
    for attachment in attachments:
        attachment.uploaded_by_name = person_name(attachment.uploaded_by)
    return {
        **_actions_context(request, order, lines),
        "lines": lines,
        "owner_name": person_name(order.owner),
        "waiting": _waiting_for(order),
        "settlement_method": _settlement_label(order.settlement_method),
        "timeline": _timeline(order),
        "attachments": attachments,
        "may_attach": order.status not in CLOSED_STATES,
        "upload_errors": upload_errors or {},
        "upload_accept": ",".join(f".{ext}" for ext in allowed_extensions()),
        "upload_types": ", ".join(allowed_extensions()),
        "upload_max_bytes": settings.ATTACHMENT_MAX_BYTES,
        "upload_description": upload_description,
        # Sections other apps add (production, plan, shipments...), each with its template.
        "sections": lifecycle.order_page_sections(request, order),
    }


def _settlement_label(value: str) -> str:
    return str(SettlementMethod(value).label) if value in SettlementMethod.values else value


def _error_text(exc: ApplicationError, order: Order) -> str:
    """One sentence for a flash message; per-line errors name the line's number."""
    if not isinstance(exc, ValidationFailed) or not exc.fields:
        return str(exc.message)
    sequences = {str(line.pk): line.sequence for line in order.lines.all()}
    parts = []
    for field, errors in exc.fields.items():
        line_id = field.split(".", 1)[1] if field.startswith("lines.") else None
        for error in errors:
            if line_id in sequences:
                parts.append(
                    _("Line %(no)s: %(error)s") % {"no": sequences[line_id], "error": error}
                )
            else:
                parts.append(str(error))
    return " ".join(parts)


def _ship_arguments(post, order: Order) -> dict:
    """Per-line quantities from the ship form (blank or 0 = not shipped now) and the date."""
    quantities = {}
    for line in order.lines.all():
        raw = post.get(f"qty_{line.pk}", "").strip().replace(",", "")
        if not raw:
            continue
        try:
            if Decimal(raw) == 0:
                continue
        except InvalidOperation:
            pass  # the service reports "Enter a number." for this line
        quantities[line.pk] = raw
    arguments = {"quantities": quantities}
    raw_date = post.get("shipped_on", "").strip()
    if raw_date:
        try:
            shipped_on = parse_date(raw_date)
        except ValueError:
            shipped_on = None
        if shipped_on is None:
            raise ValidationFailed(fields={"shipped_on": [_("Enter the date as YYYY-MM-DD.")]})
        arguments["shipped_on"] = shipped_on
    return arguments


def _detail_url(order: Order, anchor: str = "") -> str:
    url = reverse("orders:detail", args=[order.pk])
    return f"{url}#{anchor}" if anchor else url


# --- views ---------------------------------------------------------------------------------------
@login_required
@require_safe
def order_detail_view(request, pk):
    order = _order_or_404(request.user, pk)
    return render(request, "orders/order_detail.html", _detail_context(request, order))


@login_required
@require_POST
def order_transition_view(request, pk, name):
    """Run one transition from the order page (or an htmx caller, which gets the actions back).

    The form carries the status the user saw; if the order has moved on since, nothing is done
    and the user is told where it is now (the page's equivalent of the API's 409).
    """
    order = _order_or_404(request.user, pk)
    service = TRANSITION_SERVICES.get(name)
    expected = request.POST.get("expected_status", "").strip()
    if service is None:
        messages.error(request, _("Unknown action “%(name)s”.") % {"name": name})
    elif expected and expected != order.status:
        messages.error(
            request,
            _(
                "Nothing was done: the order moved on to “%(status)s” while you were looking "
                "at it. Check the page again."
            )
            % {"status": order.get_status_display()},
        )
    else:
        try:
            kwargs = {
                "order": order,
                "actor": request.user,
                "comment": request.POST.get("comment", ""),
            }
            if name == T.SHIP:
                kwargs.update(_ship_arguments(request.POST, order))
            if name == T.APPROVE:
                kwargs["override_reason"] = request.POST.get("override_reason", "")
            changed = service(**kwargs)
        except ApplicationError as exc:
            messages.error(
                request,
                _("%(action)s was not done: %(reason)s")
                % {"action": T(name).label, "reason": _error_text(exc, order)},
            )
        else:
            messages.success(
                request,
                _("%(action)s: done. Order %(number)s is now “%(status)s”.")
                % {
                    "action": T(name).label,
                    "number": changed.number,
                    "status": changed.get_status_display(),
                },
            )
    if request.htmx:
        try:
            order = order_get(user=request.user, order_id=pk)
        except NotFound:  # e.g. archived out of reach; the page itself will say so
            return redirect(_detail_url(order))
        context = _actions_context(request, order, list(order.lines.all()))
        return render(request, "orders/detail/actions.html", {**context, "with_messages": True})
    return redirect(_detail_url(order))


@login_required
@require_POST
def order_attachment_upload_view(request, pk):
    order = _order_or_404(request.user, pk)
    description = request.POST.get("description", "")
    try:
        attachment = order_attachment_add(
            order=order,
            actor=request.user,
            file=request.FILES.get("file"),
            description=description,
        )
    except ValidationFailed as exc:
        context = _detail_context(
            request,
            order,
            upload_errors=exc.fields or {"file": [str(exc.message)]},
            upload_description=description,
        )
        return render(request, "orders/order_detail.html", context, status=400)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("“%(name)s” was attached.") % {"name": attachment.name})
    return redirect(_detail_url(order, "documents"))


@login_required
@require_safe
def order_attachment_download_view(request, pk, attachment_id):
    """Files are served only through this view, after the same visibility check as the page."""
    order = _order_or_404(request.user, pk)
    attachment = order.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404(_("No such document."))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("The file is missing from storage.")) from exc
    return FileResponse(handle, as_attachment=True, filename=attachment.name)


@login_required
@require_safe
def order_print_view(request, pk):
    """订单确认函 (REQUIREMENTS §4: sent to the customer after approval)."""
    order = _order_or_404(request.user, pk)
    lines = list(order.lines.all())
    for line in lines:
        line.unit_price_display = _unit_price(line.unit_price)
    contact = order.customer.contacts.first()
    return render(
        request,
        "orders/order_print.html",
        {
            "order": order,
            "lines": lines,
            "contact": contact,
            "owner_name": person_name(order.owner),
            "settlement_method": _settlement_label(order.settlement_method),
            "confirmed": order.status in CONFIRMED_STATES,
            "cancelled": order.status == S.CANCELLED,
        },
    )
