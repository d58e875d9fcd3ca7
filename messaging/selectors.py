"""Reads of the messaging app, shared by the pages, the API and the navigation badge."""

from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower, NullIf

from accounts.models import Follow, Profile, name_of

from .models import Conversation, Message, Participant

# Stands in for "never read" so that every message is newer than the read mark.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
MESSAGES_PER_PAGE = 50


def direct_key_for(user_a, user_b) -> str:
    low, high = sorted((user_a.pk, user_b.pk))
    return f"{low}:{high}"


def _who_can_message(user) -> str:
    profile = getattr(user, "profile", None)  # accounts made by createsuperuser have none: the default applies
    return profile.who_can_message if profile else Profile.WhoCanMessage.EVERYONE


def message_refusals(*, sender, recipients) -> dict[int, str]:
    """The recipients whose "Who can message me" setting refuses `sender` (everyone, people they follow, nobody), by
    user id with the reason to show. The reason tells no more than their profile page does. Expects the profiles
    loaded; one query at most (which of them follow the sender), none when everybody accepts everyone."""
    restricted = [user for user in recipients if _who_can_message(user) != Profile.WhoCanMessage.EVERYONE]
    if not restricted:
        return {}
    only_followed = [user.pk for user in restricted if _who_can_message(user) == Profile.WhoCanMessage.FOLLOWING]
    follow_sender = set()
    if only_followed:
        follow_sender = set(
            Follow.objects.filter(follower_id__in=only_followed, followee=sender).values_list("follower_id", flat=True)
        )
    refusals = {}
    for user in restricted:
        if user.pk in follow_sender:
            continue
        if _who_can_message(user) == Profile.WhoCanMessage.FOLLOWING:
            refusals[user.pk] = f"{name_of(user)} accepts messages only from people they follow."
        else:
            refusals[user.pk] = f"{name_of(user)} does not accept messages."
    return refusals


def direct_message_refusal(*, sender, recipient) -> str | None:
    """Why `sender` may not write to `recipient` one to one, or None. The recipient's setting decides, except in a
    1:1 conversation the recipient started or wrote in: having taken part, they keep it open whatever they choose
    later (blocking is the way to end one), while a stranger's unanswered conversation closes with the setting."""
    refusal = message_refusals(sender=sender, recipients=[recipient]).get(recipient.pk)
    if refusal is None:
        return None
    took_part = Conversation.objects.filter(direct_key=direct_key_for(sender, recipient)).filter(
        Q(created_by=recipient) | Exists(Message.objects.filter(conversation=OuterRef("pk"), sender=recipient))
    )
    return None if took_part.exists() else refusal


def participant_for(*, user, conversation: Conversation) -> Participant | None:
    if user is None or not user.is_authenticated:
        return None
    return Participant.objects.filter(conversation=conversation, user=user).first()


def unread_messages(*, participant: Participant) -> QuerySet[Message]:
    """Messages from others newer than the participant's read mark (a deleted one has nothing left to read)."""
    return Message.objects.filter(
        conversation_id=participant.conversation_id,
        created_at__gt=participant.last_read_at or NEVER,
        deleted_at__isnull=True,
    ).exclude(sender_id=participant.user_id)


def conversation_list(*, user) -> QuerySet[Conversation]:
    """The user's conversations, latest activity first, with the last message (its text is empty and
    last_message_is_deleted true once deleted), unread count (deleted messages left out) and participants.

    Two queries whatever the number of conversations: the annotated list and the prefetched participants
    (conversations_with_last_senders adds one for the last senders themselves).
    """
    unread = (
        Message.objects.filter(
            conversation=OuterRef("pk"), created_at__gt=OuterRef("my_read_mark"), deleted_at__isnull=True
        )
        .exclude(sender=user)
        .order_by()
        .values("conversation")
        .annotate(count=Count("pk"))
        .values("count")
    )
    last_message = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        Conversation.objects.annotate(me=FilteredRelation("participants", condition=Q(participants__user=user)))
        .filter(me__isnull=False)
        .annotate(
            my_read_mark=Coalesce(F("me__last_read_at"), Value(NEVER)),
            activity_at=Coalesce("last_message_at", "created_at"),
            unread_count=Coalesce(Subquery(unread), 0),
            last_message_text=Subquery(last_message.values("text")[:1]),
            last_message_sender_id=Subquery(last_message.values("sender_id")[:1]),
            # what the pages call the sender: their display name, else their username (see accounts.models.name_of)
            last_message_sender_name=Subquery(
                last_message.values(
                    name=Coalesce(NullIf("sender__profile__display_name", Value("")), "sender__username")
                )[:1]
            ),
            last_message_is_deleted=Coalesce(
                Subquery(last_message.values(is_deleted=Q(deleted_at__isnull=False))[:1]), Value(False)
            ),
        )
        .prefetch_related(
            Prefetch("participants", queryset=Participant.objects.select_related("user__profile").order_by("id"))
        )
        .order_by("-activity_at", "-id")
    )


def conversations_with_last_senders(conversations) -> list[Conversation]:
    """Set `last_message_sender` on each conversation: the sender of its last message with their profile (None
    without messages), one query for them all. Not a prefetch of participants: a group's last sender may have left."""
    conversations = list(conversations)
    sender_ids = {c.last_message_sender_id for c in conversations if c.last_message_sender_id is not None}
    senders = get_user_model().objects.select_related("profile").in_bulk(sender_ids) if sender_ids else {}
    for conversation in conversations:
        conversation.last_message_sender = senders.get(conversation.last_message_sender_id)
    return conversations


def conversation_for(*, user, pk: int) -> Conversation | None:
    """One of the user's conversations (None if it does not exist or the user does not take part)."""
    if user is None or not user.is_authenticated:
        return None
    return conversation_list(user=user).filter(pk=pk).first()


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    return (
        Message.objects.filter(conversation=conversation)
        .select_related("sender__profile")
        .order_by("created_at", "id")
    )


def message_for(*, user, pk: int) -> Message | None:
    """A message of a conversation the user takes part in (None if it does not exist or the user is not, or no
    longer, a participant), with its sender and conversation."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Message.objects.select_related("sender__profile", "conversation")
        .filter(pk=pk, conversation__participants__user=user)
        .first()
    )


def messages_changed_since(*, conversation: Conversation, since, up_to: int) -> list[Message]:
    """Messages up to id `up_to` edited or deleted after `since`: what an open conversation page has to redraw."""
    return list(
        message_list(conversation=conversation).filter(
            Q(edited_at__gt=since) | Q(deleted_at__gt=since), pk__lte=up_to
        )
    )


def latest_messages(
    *, conversation: Conversation, limit: int = MESSAGES_PER_PAGE, before: int | None = None
) -> tuple[list[Message], bool]:
    """The newest `limit` messages (before message id `before`, if given), oldest first (the order a conversation
    page shows them), and whether earlier ones exist."""
    messages = message_list(conversation=conversation)
    if before is not None:
        messages = messages.filter(pk__lt=before)
    newest = list(messages.order_by("-created_at", "-id")[: limit + 1])
    return list(reversed(newest[:limit])), len(newest) > limit


def message_page_before(*, message: Message, limit: int = MESSAGES_PER_PAGE) -> int | None:
    """The `before` of the conversation page (latest_messages) that ends with this message, or None when it is among
    the newest `limit`, on the page a conversation opens with."""
    later_ids = list(
        Message.objects.filter(conversation_id=message.conversation_id, pk__gt=message.pk)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return later_ids[0] if len(later_ids) == limit else None


def unread_conversation_count(*, user) -> int:
    """Conversations with a (not deleted) message from someone else newer than the user's read mark (one query)."""
    newer_from_others = Message.objects.filter(
        conversation=OuterRef("conversation_id"),
        created_at__gt=Coalesce(OuterRef("last_read_at"), Value(NEVER)),
        deleted_at__isnull=True,
    ).exclude(sender=user)
    return Participant.objects.filter(user=user).filter(Exists(newer_from_others)).count()


def users_by_usernames(*, usernames, viewer) -> tuple[list, list[str]]:
    """Active users with these usernames (case-insensitive), and the usernames that match nobody.

    Someone who blocked the viewer counts as matching nobody, as for a missing or inactive account
    (accounts.selectors.user_get_visible does the same for one name), so the answer does not tell of the block.
    """
    wanted = {name.strip().lower(): name.strip() for name in usernames if name and name.strip()}
    if not wanted:
        return [], []
    users = list(
        get_user_model()
        .objects.annotate(username_lower=Lower("username"))
        .filter(username_lower__in=list(wanted), is_active=True)
        .exclude(blocking_set__blocked=viewer)
        .select_related("profile")  # their "Who can message me" (message_refusals)
    )
    found = {user.username.lower() for user in users}
    return users, [original for lowered, original in wanted.items() if lowered not in found]
