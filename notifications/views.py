from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services

PAGE_SIZE = 30


@login_required
@require_GET
def notification_list(request):
    page = Paginator(selectors.notification_rows(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.notifications_with_links(selectors.notifications_of_rows(page.object_list))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_GET
def notification_open(request, pk):
    """Follow a notification to its target, marking it read on the way."""
    notification = selectors.notification_for(user=request.user, pk=pk)
    if notification is None:
        raise Http404
    services.notification_mark_read(user=request.user, notification=notification)
    [notification] = selectors.notifications_with_links([notification])
    return redirect(notification.target_url or "notifications:list")


@login_required
@require_POST
def notification_mark_all_read(request):
    services.notification_mark_all_read(user=request.user)
    return redirect("notifications:list")
