"""HTML of moderation: the report form under posts, comments and profiles, and the moderators' queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from socialnet.errors import Conflict, RateLimited

from . import selectors, services
from .forms import ReportForm

QUEUE_PER_PAGE = 20
REPORTED = "Thanks, moderators will review it."


def _target_url(target) -> str:
    target_type = selectors.target_type_of(target)
    if target_type == "user":
        return reverse("accounts:profile", args=[target.username])
    return reverse("posts:detail" if target_type == "post" else "comments:detail", args=[target.pk])


def _next_url(request, target) -> str:
    """The page the report was started from (if it is ours), else the reported thing's own page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return _target_url(target)


@login_required
def report_create(request, target_type, target_id):
    target = selectors.report_target_get(target_type=target_type, target_id=target_id, viewer=request.user)
    services.report_check_target(reporter=request.user, target=target)
    form = ReportForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(reporter=request.user, target=target, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except Conflict as error:
            form.add_error(None, str(error))
            status = 409
        except RateLimited as error:
            form.add_error(None, str(error))
            status = 429
        else:
            messages.success(request, REPORTED)
            return redirect(_next_url(request, target))
    context = {
        "form": form,
        "target": target,
        "target_type": target_type,
        "noun": services.NOUNS[target_type],
        "next_url": _next_url(request, target),
    }
    return render(request, "moderation/report_form.html", context, status=status)


@login_required
def queue(request):
    """Staff see every open report; a community's owner and moderators those on its posts and comments."""
    if not selectors.is_report_handler(user=request.user):
        raise PermissionDenied("Only staff and community moderators handle reports.")
    page = Paginator(selectors.report_queue(user=request.user), QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    entries = selectors.report_summaries_attach(page.object_list)
    return render(request, "moderation/queue.html", {"page": page, "entries": entries})


TAKEN_DOWN = {"post": "The post is removed", "comment": "The comment is removed", "user": "The account is deactivated"}


@require_POST
@login_required
def resolve(request, pk):
    report = selectors.report_get_for_handler(report_id=pk, user=request.user)
    action = request.POST.get("action", "")
    try:
        closed = services.report_resolve(actor=request.user, report=report, action=action)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except Conflict as error:
        messages.error(request, str(error))
    else:
        done = TAKEN_DOWN[report.target_type] if action == "remove" else "Dismissed"
        messages.success(request, f"{done}; {closed} report{'s' if closed != 1 else ''} closed.")
    return redirect("moderation:queue")
