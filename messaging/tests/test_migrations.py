import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from notifications.models import Notification
from tests.factories import ConversationFactory, MessageFactory, NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db
# Called directly, as tests/test_smoke.py does with the topics migration: the rows are written by the test.
migration = importlib.import_module("messaging.migrations.0003_message_notifications_point_at_messages")


def test_old_message_notifications_are_matched_to_their_messages_and_back():
    sender, early, late = UserFactory.create_batch(3)
    group = ConversationFactory(is_group=True, title="Team")
    start = timezone.now() - timedelta(hours=1)

    def send(text, minutes, **fields):
        at = start + timedelta(minutes=minutes)
        return MessageFactory(conversation=group, sender=sender, text=text, created_at=at, **fields)

    def notify(recipient, text, minutes):
        at = start + timedelta(minutes=minutes)
        return NotificationFactory(
            recipient=recipient, actor=sender, verb="message", target_type="conversation", target_id=group.pk,
            text=text, created_at=at,
        )

    before_late_joined = send("hi", 0)
    first, second = send("hi", 10), send("hi", 10)  # one transaction, one clock reading
    long_text = send("x" * 400, 20)
    send("", 30, deleted_at=timezone.now())  # a deleted message: its notifications went with it
    old = [
        notify(early, "hi", 1),  # `late` was not in the group yet
        notify(early, "hi", 11),
        notify(early, "hi", 11),
        notify(late, "hi", 11),
        notify(late, "hi", 11),
        notify(early, "x" * 300, 21),  # a notification quotes the first 300 characters
        notify(early, "no such message", 40),
    ]
    unrelated = NotificationFactory(recipient=early, verb="follow", target_type="user", target_id=sender.pk)

    with connection.schema_editor() as schema_editor:
        migration.point_at_messages(apps, schema_editor)

    def targets(rows):
        now = Notification.objects.filter(pk__in=[row.pk for row in rows]).order_by("id")
        return [(row.target_type, row.target_id) for row in now]

    assert targets(old) == [
        ("message", before_late_joined.pk),
        ("message", first.pk),
        ("message", second.pk),
        ("message", first.pk),
        ("message", second.pk),
        ("message", long_text.pk),
        ("message", None),  # nothing to point at: the link falls back to the sender's profile
    ]
    assert targets([unrelated]) == [("user", sender.pk)]

    with connection.schema_editor() as schema_editor:
        migration.point_at_conversations(apps, schema_editor)
    assert targets(old) == [("conversation", group.pk)] * 6 + [("conversation", None)]
