from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import user_get_visible
from socialnet.errors import Conflict, RateLimited

from . import selectors, services
from .forms import GroupForm, MessageEditForm, MessageForm

INBOX_PAGE_SIZE = 30
POLL_SECONDS = 3
# Each poll asks again for the changes of this long before the previous one, so that an edit committed while that
# poll ran (or stamped by a slightly different clock) is still picked up; redrawing a message twice is harmless.
CHANGES_OVERLAP = timedelta(seconds=10)


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


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _changes_checked_at() -> str:
    """What the next poll sends as `changed_since`."""
    return (timezone.now() - CHANGES_OVERLAP).isoformat()


def _conversation_page(request, conversation, form, status=200, before: int | None = None):
    """The latest messages with the form and the poller, or (with `before`) an earlier page to read back through."""
    changed_since = _changes_checked_at()  # before reading, so that no change falls between the two
    messages, has_earlier = selectors.latest_messages(conversation=conversation, before=before)
    context = {
        "conversation": conversation,
        "chat_messages": messages,
        "has_earlier": has_earlier,
        "is_earlier_page": before is not None,
        "last_id": messages[-1].pk if messages else 0,
        "changed_since": changed_since,
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
            raise BadRequest("before must be a message id")
    services.conversation_mark_read(user=request.user, conversation=conversation)
    return _conversation_page(request, conversation, MessageForm(), before=before)


def _poll_position(source) -> tuple[int, datetime | None]:
    """The poller's `after` (the last message id shown) and `changed_since` (absent on a page older than edits:
    then no changes are asked for); a 400 answer when malformed."""
    after = _message_id(source, "after")
    if after is None:
        raise BadRequest("after must be a message id")
    if not source.get("changed_since"):
        return after, None
    try:
        since = parse_datetime(source["changed_since"])
    except ValueError:
        since = None
    if since is None or since.tzinfo is None:
        raise BadRequest("changed_since must be an ISO 8601 time with its offset")
    return after, since


def _new_messages(request, conversation, after: int, changed_since, form=None):
    """The fragment htmx appends: messages after `after`, the next poller, (after a send) a fresh form, and the
    shown messages edited or deleted since `changed_since`, redrawn in place (out of band)."""
    next_changed_since = _changes_checked_at()  # before reading, so that no change falls between the two
    messages = list(selectors.message_list(conversation=conversation).filter(pk__gt=after))
    changed = []
    if changed_since is not None:
        changed = selectors.messages_changed_since(conversation=conversation, since=changed_since, up_to=after)
    if any(message.sender_id != request.user.pk for message in messages):
        services.conversation_mark_read(user=request.user, conversation=conversation)
    context = {
        "conversation": conversation,
        "chat_messages": messages,
        "changed_messages": changed,
        "last_id": messages[-1].pk if messages else after,
        "changed_since": next_changed_since,
        "form": form,
        "poll_seconds": POLL_SECONDS,
    }
    return render(request, "messaging/_new_messages.html", context)


@login_required
@require_GET
def messages_after(request, pk):
    conversation = _my_conversation(request, pk)
    after, changed_since = _poll_position(request.GET)
    return _new_messages(request, conversation, after, changed_since)


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
        after, changed_since = _poll_position(request.POST)
        return _new_messages(request, conversation, after, changed_since, form=form)
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


def _my_message(request, pk):
    """A message of one of my conversations (404 otherwise: others' conversations do not exist for me)."""
    message = selectors.message_for(user=request.user, pk=pk)
    if message is None:
        raise Http404("No such message.")
    return message


def _message_done(request, message):
    """After an edit or a delete: the redrawn message for htmx, else back to the conversation at that message, on
    the page that has it."""
    if _is_htmx(request):
        return render(request, "messaging/_message.html", {"message": message})
    url = reverse("messaging:detail", args=[message.conversation_id])
    before = selectors.message_page_before(message=message)
    if before is not None:
        url += f"?before={before}"
    return redirect(f"{url}#message-{message.pk}")


@login_required
@require_GET
def message_detail(request, pk):
    """One message: the bubble for htmx (an edit cancelled), else its place in the conversation (where its
    notifications link to)."""
    return _message_done(request, _my_message(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def message_edit(request, pk):
    message = _my_message(request, pk)
    if message.deleted_at is not None:
        raise Http404("No such message.")
    if message.sender_id != request.user.pk:
        # Checked before showing the form; message_update checks again when saving.
        raise PermissionDenied("Only the sender can change a message.")
    form = MessageEditForm(request.POST if request.method == "POST" else None, initial={"text": message.text})
    if request.method == "POST":
        form.is_valid()  # the form only collects the text; message_update validates it
        try:
            message = services.message_update(user=request.user, message=message, text=form.cleaned_data["text"])
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            return _message_done(request, message)
    inline = _is_htmx(request)
    context = {"message": message, "form": form, "inline": inline}
    if inline:  # htmx 2 does not swap 4xx answers, so a failed save comes back as 200 with its errors
        return render(request, "messaging/_message_edit_form.html", context)
    return render(request, "messaging/message_edit.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def message_delete(request, pk):
    message = services.message_delete(user=request.user, message=_my_message(request, pk))
    return _message_done(request, message)
