"""Deviation reports (偏差处理报告) and complaints (投诉), REQUIREMENTS §6: raised on an order,
worked on and resolved with the cause and resolution written down.

Views parse input, call one service (fulfillment.services.deviations) and render; a user sees a
report only if they may see its order (a rep: their own orders' reports).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.errors import ApplicationError, PermissionDenied, ValidationFailed
from core.web import apply_service_errors, forbid_unless, found_or_404, paginate
from orders.selectors import order_get

from ..enums import OPEN_DEVIATION, DeviationStatus
from ..forms.deviations import DeviationFilterForm, DeviationForm, DeviationUpdateForm
from ..models import Deviation
from ..services.deviations import (
    deviation_create,
    deviation_update,
    may_raise_deviation,
    may_work_on,
)
from .shipping import filtered_order, visible_orders


def deviations_visible_to(user):
    return Deviation.objects.filter(order__in=visible_orders(user)).select_related(
        "order", "order__customer", "owner", "raised_by"
    )


def _deviation_or_404(user, pk) -> Deviation:
    deviation = deviations_visible_to(user).filter(pk=pk).first()
    if deviation is None:
        raise Http404(_("No such report."))
    return deviation


def _filtered(user, form: DeviationFilterForm):
    queryset = deviations_visible_to(user)
    if not form.is_valid():
        return queryset.none()
    data = form.cleaned_data
    if term := (data.get("q") or "").strip():
        queryset = queryset.filter(
            Q(number__icontains=term)
            | Q(title__icontains=term)
            | Q(order__number__icontains=term)
            | Q(order__customer__name__icontains=term)
        )
    if data.get("kind"):
        queryset = queryset.filter(kind=data["kind"])
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("open"):
        queryset = queryset.filter(status__in=OPEN_DEVIATION)
    if data.get("order"):
        queryset = queryset.filter(order_id=data["order"])
    return queryset.order_by("-raised_at", "-id")


@login_required
@require_safe
def deviation_list_view(request):
    form = DeviationFilterForm(request.GET)
    page = paginate(request, _filtered(request.user, form))
    return render(
        request,
        "fulfillment/deviation_list.html",
        {
            "form": form,
            "page": page,
            "deviations": page.object_list,
            "for_order": filtered_order(request.user, form),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def deviation_create_view(request, order_pk):
    order = found_or_404(order_get, user=request.user, order_id=order_pk)
    forbid_unless(may_raise_deviation(request.user, order))
    posted = request.method == "POST"
    form = DeviationForm(request.POST if posted else None, order=order)
    if posted and form.is_valid():
        try:
            deviation = deviation_create(order=order, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(
                request,
                _("%(number)s recorded for order %(order)s.")
                % {"number": deviation.number, "order": order.number},
            )
            return redirect("fulfillment:deviation_detail", pk=deviation.pk)
    return render(
        request,
        "fulfillment/deviation_form.html",
        {"order": order, "form": form},
        status=400 if posted else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def deviation_detail_view(request, pk):
    """The report, and for its owner, whoever raised it and the managers the update form."""
    deviation = _deviation_or_404(request.user, pk)
    may_update = may_work_on(request.user, deviation) and deviation.status != (
        DeviationStatus.CLOSED
    )
    posted = request.method == "POST"
    if posted:
        forbid_unless(may_work_on(request.user, deviation))
    form = DeviationUpdateForm(request.POST if posted else None, deviation=deviation)
    if posted and form.is_valid():
        try:
            changed = deviation_update(
                deviation=deviation, actor=request.user, **form.service_arguments()
            )
        except ValidationFailed as exc:
            apply_service_errors(exc, form)
        except PermissionDenied:
            forbid_unless(False)
        except ApplicationError as exc:  # e.g. closed meanwhile
            messages.error(request, _("Nothing was changed: %(reason)s") % {"reason": exc.message})
            return redirect("fulfillment:deviation_detail", pk=deviation.pk)
        else:
            messages.success(
                request,
                _("%(number)s saved; it is “%(status)s”.")
                % {"number": changed.number, "status": changed.get_status_display()},
            )
            return redirect("fulfillment:deviation_detail", pk=deviation.pk)
    return render(
        request,
        "fulfillment/deviation_detail.html",
        {
            "deviation": deviation,
            "order": deviation.order,
            "form": form if may_update else None,
        },
        status=400 if posted else 200,
    )
