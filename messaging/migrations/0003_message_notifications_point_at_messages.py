"""A "sent you a message" notification points at its message (target "message") instead of its conversation.

Before, such a notification named only the conversation, and editing or deleting a message found its notifications
by sender, quoted text and time, which could pick another message's when the same text was sent twice. The old rows
are matched to their messages here once, the same way but with every row in view: per recipient, sender,
conversation and quoted text, the notifications, newest first, each take the newest message not yet taken that was
sent at or before them (a notification is written after its message commits). A row whose message is gone keeps no
target: its link falls back to the sender's profile, as for any notification without a target.
"""

from collections import defaultdict

from django.db import migrations
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Left

EXCERPT_LENGTH = 300  # what a message notification quotes (messaging.services._excerpt)
CONVERSATIONS_PER_BATCH = 500
UPDATES_PER_STATEMENT = 1000


def _messages_by_quote(Message, conversation_ids) -> dict:
    """(sender id, conversation id, quoted text) -> [(sent at, message id)], newest first."""
    messages = (
        Message.objects.filter(conversation_id__in=conversation_ids, deleted_at__isnull=True)
        .annotate(quote=Left("text", EXCERPT_LENGTH))
        .order_by("-created_at", "-id")
        .values_list("sender_id", "conversation_id", "quote", "created_at", "id")
    )
    by_quote = defaultdict(list)
    for sender_id, conversation_id, quote, created_at, message_id in messages.iterator():
        by_quote[(sender_id, conversation_id, quote)].append((created_at, message_id))
    return by_quote


def _set_targets(connection, table: str, matches: list) -> None:
    """Point each notification (id) at its message (id or None), a thousand rows per UPDATE ... FROM (VALUES ...)
    (PostgreSQL, SQLite 3.33+): bulk_update's CASE per row took minutes for 100,000 rows, one UPDATE per row 24 s."""
    with connection.cursor() as cursor:
        for start in range(0, len(matches), UPDATES_PER_STATEMENT):
            chunk = matches[start : start + UPDATES_PER_STATEMENT]
            cursor.execute(
                f"UPDATE {table} SET target_type = 'message', target_id = CAST(v.column2 AS bigint) "
                f"FROM (VALUES {', '.join(['(%s, %s)'] * len(chunk))}) AS v WHERE {table}.id = v.column1",
                [value for notification_id, message_id in chunk for value in (notification_id, message_id)],
            )


def point_at_messages(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Message = apps.get_model("messaging", "Message")
    legacy = Notification.objects.filter(verb="message", target_type="conversation", target_id__isnull=False)
    conversation_ids = sorted(set(legacy.values_list("target_id", flat=True)))
    for start in range(0, len(conversation_ids), CONVERSATIONS_PER_BATCH):
        batch = conversation_ids[start : start + CONVERSATIONS_PER_BATCH]
        by_quote = _messages_by_quote(Message, batch)
        taken = defaultdict(set)  # recipient id -> ids of the messages their notifications were matched to
        matches = []
        rows = legacy.filter(target_id__in=batch).order_by("-created_at", "-id")
        for pk, recipient_id, actor_id, conversation_id, text, created_at in rows.values_list(
            "pk", "recipient_id", "actor_id", "target_id", "text", "created_at"
        ).iterator():
            mine = taken[recipient_id]
            candidates = by_quote.get((actor_id, conversation_id, text), ())
            match = next((message for sent_at, message in candidates if sent_at <= created_at and message not in mine), None)
            if match is not None:
                mine.add(match)
            matches.append((pk, match))
        _set_targets(schema_editor.connection, Notification._meta.db_table, matches)


def point_at_conversations(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Message = apps.get_model("messaging", "Message")
    conversation = Message.objects.filter(pk=OuterRef("target_id")).values("conversation_id")[:1]
    Notification.objects.filter(verb="message", target_type="message").update(
        target_type="conversation", target_id=Subquery(conversation)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0002_message_edit_delete"),
        ("notifications", "0001_initial"),
    ]

    operations = [migrations.RunPython(point_at_messages, point_at_conversations)]
