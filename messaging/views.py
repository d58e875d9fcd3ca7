from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import user_get_visible
from socialnet.errors import Conflict, RateLimited

from . import selectors, services
from .forms import GroupForm, MessageForm

INBOX_PAGE_SIZE = 30
POLL_SECONDS = 3


def _my_conversation(request, pk):
    conversation = selectors.conversation_for(user=request.user, pk=pk)
    if conversation is None:
        raise Http404
    return conversation


@login_required
@require_GET
def inbox(request):
    page = Paginator(selectors.conversation_list(user=request.user), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "messaging/inbox.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def start(request, username):
    other = user_get_visible(username=username, viewer=request.user)  # 404 for someone who blocked the viewer
    if not other.is_active:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            conversation, _ = services.conversation_get_or_create_direct(user=request.user, other=other)
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        else:
            return redirect("messaging:detail", pk=conversation.pk)
    return render(request, "messaging/start.html", {"other": other, "error": error}, status=403 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request):
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        users, missing = selectors.users_by_usernames(usernames=form.username_list(), viewer=request.user)
        if missing:
            form.add_error("usernames", f"No such users: {', '.join(missing)}.")
        else:
            try:
                conversation = services.conversation_create_group(
                    creator=request.user, participants=users, title=form.cleaned_data["title"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("messaging:detail", pk=conversation.pk)
    status = 400 if form.errors else 200
    return render(request, "messaging/group_form.html", {"form": form}, status=status)


def _conversation_page(request, conversation, form, status=200, before: int | None = None):
    """The latest messages with the form and the poller, or (with `before`) an earlier page to read back through."""
    messages, has_earlier = selectors.latest_messages(conversation=conversation, before=before)
    context = {
        "conversation": conversation,
        "chat_messages": messages,
        "has_earlier": has_earlier,
        "is_earlier_page": before is not None,
        "last_id": messages[-1].pk if messages else 0,
        "form": form,
        "poll_seconds": POLL_SECONDS,
    }
    return render(request, "messaging/detail.html", context, status=status)


def _message_id(source, name: str) -> int | None:
    try:
        return max(int(source.get(name, 0)), 0)
    except ValueError:
        return None


@login_required
@require_GET
def detail(request, pk):
    conversation = _my_conversation(request, pk)
    before = None
    if "before" in request.GET:
        before = _message_id(request.GET, "before")
        if before is None:
            return HttpResponseBadRequest("before must be a message id")
    services.conversation_mark_read(user=request.user, conversation=conversation)
    return _conversation_page(request, conversation, MessageForm(), before=before)


def _new_messages(request, conversation, after: int, form=None):
    """The fragment htmx appends: messages after `after`, the next poller and (after a send) a fresh form."""
    messages = list(selectors.message_list(conversation=conversation).filter(pk__gt=after))
    if any(message.sender_id != request.user.pk for message in messages):
        services.conversation_mark_read(user=request.user, conversation=conversation)
    context = {
        "conversation": conversation,
        "chat_messages": messages,
        "last_id": messages[-1].pk if messages else after,
        "form": form,
        "poll_seconds": POLL_SECONDS,
    }
    return render(request, "messaging/_new_messages.html", context)


@login_required
@require_GET
def messages_after(request, pk):
    conversation = _my_conversation(request, pk)
    after = _message_id(request.GET, "after")
    if after is None:
        return HttpResponseBadRequest("after must be a message id")
    return _new_messages(request, conversation, after)


@login_required
@require_POST
def send(request, pk):
    conversation = _my_conversation(request, pk)
    form = MessageForm(request.POST)
    form.is_valid()  # the form only collects the text; message_send validates it
    try:
        services.message_send(sender=request.user, conversation=conversation, text=form.cleaned_data["text"])
    except ValidationError as exc:
        form.add_error(None, exc)
    except (PermissionDenied, RateLimited) as exc:
        form.add_error(None, str(exc))
    else:
        form = MessageForm()
    if request.headers.get("HX-Request"):
        after = _message_id(request.POST, "after")
        if after is None:
            return HttpResponseBadRequest("after must be a message id")
        return _new_messages(request, conversation, after, form=form)
    if form.errors:
        return _conversation_page(request, conversation, form, status=400)
    return redirect("messaging:detail", pk=conversation.pk)


@login_required
@require_POST
def leave(request, pk):
    conversation = _my_conversation(request, pk)
    try:
        services.conversation_leave(user=request.user, conversation=conversation)
    except Conflict as error:
        messages.error(request, str(error))
        return redirect("messaging:detail", pk=conversation.pk)
    messages.success(request, f"You left {conversation.title}.")
    return redirect("messaging:inbox")
