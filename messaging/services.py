"""Every write of the messaging app: conversations (1:1 and groups), messages and read marks."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Value
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone

from accounts.selectors import blocked_user_ids, is_blocked_between
from analytics.services import activity_record
from notifications.models import Notification
from notifications.services import (
    notification_create,
    notification_mark_read_about,
    notification_text_replace,
    notifications_about_delete,
)
from socialnet.errors import Conflict
from socialnet.ratelimit import rate_limit_hit

from .models import GROUP_MAX_PARTICIPANTS, MESSAGE_MAX_LENGTH, Conversation, Message, Participant
from .selectors import direct_key_for, direct_message_refusal, message_refusals, participant_for, unread_messages

TITLE_MAX_LENGTH = Conversation._meta.get_field("title").max_length
BLOCKED_MESSAGE = "You cannot exchange messages with this user."


def conversation_get_or_create_direct(*, user, other) -> tuple[Conversation, bool]:
    """The one 1:1 conversation between two users, created on first use; returns (conversation, created)."""
    if other.pk == user.pk:
        raise ValidationError({"username": "You cannot start a conversation with yourself."})
    if not other.is_active:
        raise Http404("No such user.")  # as for a missing one (accounts.selectors.user_get_visible)
    if is_blocked_between(user=user, other=other):
        raise PermissionDenied(BLOCKED_MESSAGE)
    refusal = direct_message_refusal(sender=user, recipient=other)
    if refusal:
        raise PermissionDenied(refusal)
    key = direct_key_for(user, other)
    existing = Conversation.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(direct_key=key, created_by=user)
            Participant.objects.bulk_create(
                [Participant(conversation=conversation, user=user), Participant(conversation=conversation, user=other)]
            )
            activity_record(actor=user, verb="conversation_create", target=conversation, context={"group": False})
    except IntegrityError:
        # A concurrent request created it first: the unique direct_key makes both requests end on the same row.
        return Conversation.objects.get(direct_key=key), False
    return conversation, True


def conversation_create_group(*, creator, participants, title: str) -> Conversation:
    """A titled group of the creator and `participants` (at most GROUP_MAX_PARTICIPANTS people in all)."""
    title = (title or "").strip()
    members = {user.pk: user for user in participants if user.pk != creator.pk}
    errors = {}
    if not title:
        errors["title"] = "A group needs a title."
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = f"Use at most {TITLE_MAX_LENGTH} characters."
    if not members:
        errors["usernames"] = "Add at least one other person."
    elif len(members) + 1 > GROUP_MAX_PARTICIPANTS:
        errors["usernames"] = f"A group has at most {GROUP_MAX_PARTICIPANTS} participants, you included."
    elif any(not user.is_active for user in members.values()):
        errors["usernames"] = "Some of these users do not exist."
    else:
        # In practice the creator's own blocks: the pages and the API resolve names with users_by_usernames, which
        # reads someone who blocked the creator as an unknown name (a block must not be detectable).
        hidden = blocked_user_ids(user=creator)
        blocked = [user.username for user in members.values() if user.pk in hidden]
        if blocked:
            errors["usernames"] = f"You cannot add: {', '.join(sorted(blocked))}."
        else:
            # Adding someone to a group starts a conversation with them: their "Who can message me" decides.
            refusals = message_refusals(sender=creator, recipients=members.values())
            if refusals:
                errors["usernames"] = sorted(refusals.values())
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        conversation = Conversation.objects.create(title=title, is_group=True, created_by=creator)
        Participant.objects.bulk_create(
            [Participant(conversation=conversation, user=user) for user in [creator, *members.values()]]
        )
        activity_record(
            actor=creator,
            verb="conversation_create",
            target=conversation,
            context={"group": True, "participants": len(members) + 1},
        )
    return conversation


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write a message."})
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError({"text": f"Use at most {MESSAGE_MAX_LENGTH} characters."})
    return text


def _excerpt(text: str) -> str:
    """What a "sent you a message" notification quotes."""
    return text[:300]


def _recipients_unless_refused(*, sender, conversation: Conversation) -> list:
    """The other participants, refused (403) in a 1:1 conversation where either of the two blocked the other or the
    other's "Who can message me" refuses the sender (selectors.direct_message_refusal). Group members were checked
    when added, and leave a group to stop it."""
    recipients = [p.user for p in conversation.participants.select_related("user__profile").exclude(user=sender)]
    if not conversation.is_group:
        for other in recipients:
            if is_blocked_between(user=sender, other=other):
                raise PermissionDenied(BLOCKED_MESSAGE)
            refusal = direct_message_refusal(sender=sender, recipient=other)
            if refusal:
                raise PermissionDenied(refusal)
    return recipients


def message_send(*, sender, conversation: Conversation, text: str) -> Message:
    """Post a message into a conversation the sender takes part in, and notify the other participants."""
    rate_limit_hit(user=sender, action="message", per_minute=settings.RATE_LIMIT_MESSAGES_PER_MINUTE)
    participant = participant_for(user=sender, conversation=conversation)
    if participant is None:
        raise Http404
    text = _clean_text(text)
    recipients = _recipients_unless_refused(sender=sender, conversation=conversation)
    with transaction.atomic():
        message = Message.objects.create(conversation=conversation, sender=sender, text=text)
        # GREATEST: a concurrent send that committed a later message first must not be overwritten by this one.
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_at=Greatest(Coalesce("last_message_at", Value(message.created_at)), Value(message.created_at))
        )
        # The sender has read everything up to their own message.
        Participant.objects.filter(pk=participant.pk).update(last_read_at=message.created_at)
        activity_record(
            actor=sender, verb="message_send", target=message, context={"conversation_id": conversation.pk}
        )
        for recipient in recipients:
            notification_create(
                recipient=recipient, actor=sender, verb=Notification.Verb.MESSAGE, target=message, text=_excerpt(text)
            )
    conversation.refresh_from_db(fields=["last_message_at"])
    return message


def _own_message_locked(*, user, message: Message) -> Message:
    """The message, locked against a concurrent edit or delete, if `user` may change it: 404 unless the user still
    takes part in its conversation and it is not deleted, 403 for the other participants. Call inside a transaction."""
    if participant_for(user=user, conversation=message.conversation) is None:
        raise Http404("No such message.")
    locked = (
        Message.objects.select_for_update(of=("self",))
        .select_related("conversation")
        .filter(pk=message.pk, deleted_at__isnull=True)
        .first()
    )
    if locked is None:
        raise Http404("No such message.")
    if locked.sender_id != user.pk:
        raise PermissionDenied("Only the sender can change a message.")
    return locked


def message_update(*, user, message: Message, text: str) -> Message:
    """The sender rewrites their message: it shows as edited (with the time) and its notifications quote the new
    text. Writing the same text again changes nothing."""
    with transaction.atomic():
        message = _own_message_locked(user=user, message=message)
        text = _clean_text(text)
        _recipients_unless_refused(sender=user, conversation=message.conversation)  # as for sending
        if text == message.text:
            return message
        message.text, message.edited_at = text, timezone.now()
        message.save(update_fields=["text", "edited_at"])
        notification_text_replace(target=message, text=_excerpt(text))
        activity_record(
            actor=user, verb="message_update", target=message, context={"conversation_id": message.conversation_id}
        )
    return message


def message_delete(*, user, message: Message) -> Message:
    """The sender deletes their message for everyone: it keeps its place as "Message deleted", its text is erased
    (from the row and from its notifications) and it no longer counts as unread."""
    with transaction.atomic():
        message = _own_message_locked(user=user, message=message)
        message.text, message.deleted_at = "", timezone.now()
        message.save(update_fields=["text", "deleted_at"])
        notifications_about_delete(target=message)
        activity_record(
            actor=user, verb="message_delete", target=message, context={"conversation_id": message.conversation_id}
        )
    return message


def conversation_mark_read(*, user, conversation: Conversation) -> bool:
    """Mark every message in the conversation read for `user`; returns whether anything was unread."""
    participant = participant_for(user=user, conversation=conversation)
    if participant is None:
        raise Http404
    if not unread_messages(participant=participant).exists():
        return False
    with transaction.atomic():
        Participant.objects.filter(pk=participant.pk).update(last_read_at=timezone.now())
        # "sent you a message" is seen now too, for every message of the conversation
        notification_mark_read_about(user=user, targets=Message.objects.filter(conversation=conversation))
        activity_record(actor=user, verb="message_read", target=conversation)
    return True


def conversations_alone_delete(*, user) -> None:
    """Before the user's account is deleted: conversations nobody else is left in go too (their participants and
    messages cascade with the account; the conversation row would be left empty)."""
    alone = (
        Participant.objects.filter(conversation__participants__user=user)
        .values("conversation")
        .annotate(people=Count("id"))
        .filter(people=1)
        .values("conversation")
    )
    Conversation.objects.filter(pk__in=alone).delete()


def conversation_leave(*, user, conversation: Conversation) -> None:
    """Leave a group: it drops out of the user's inbox and new messages no longer reach them. A 1:1 conversation
    cannot be left (blocking is the way to stop one)."""
    participant = participant_for(user=user, conversation=conversation)
    if participant is None:
        raise Http404
    if not conversation.is_group:
        raise Conflict("A conversation between two people cannot be left; block the person to stop it.")
    with transaction.atomic():
        participant.delete()
        activity_record(actor=user, verb="conversation_leave", target=conversation)
        if not conversation.participants.exists():  # the last one out: nobody can read it any more
            conversation.delete()
