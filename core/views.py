"""The notifications page (the bell in the navbar links here): newest first, paginated;
opening one marks it read and follows its link; "mark all read"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .notifications import (
    notification_list,
    notification_mark_all_read,
    notification_mark_read,
    unread_count,
)
from .web import found_or_404, paginate


@login_required
def notification_list_view(request):
    unread_only = request.GET.get("unread") == "1"
    page = paginate(request, notification_list(user=request.user, unread_only=unread_only))
    unread = unread_count(user=request.user)
    request._unread_notifications = unread  # the bell in the navbar shows the same count
    return render(
        request,
        "core/notification_list.html",
        {
            "page": page,
            "notifications": page.object_list,
            "unread_only": unread_only,
            "unread": unread,
        },
    )


@login_required
@require_POST
def notification_open_view(request, pk: int):
    notification = found_or_404(notification_mark_read, user=request.user, notification_id=pk)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(link)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all_view(request):
    marked = notification_mark_all_read(user=request.user)
    if marked:
        messages.success(request, _("All notifications are marked read."))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("notifications:list")
    return redirect(next_url)
