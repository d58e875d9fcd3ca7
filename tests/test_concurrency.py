"""Concurrency: the same write from several threads at once leaves one row; concurrent sends lose nothing.

The 1:1 conversation race is covered by messaging/tests/test_services.py and the like race by
posts/tests/test_services.py; this file covers follows, community joins and concurrent messages.
"""

import threading
import time
from contextlib import contextmanager
from functools import partial

import pytest
from django.db import connection, transaction
from django.db.models import Max
from django.http import Http404
from rest_framework.test import APIClient

from accounts.models import Follow
from accounts.services import account_delete, follow_add
from analytics.models import Activity
from communities.models import Membership
from communities.services import community_delete, community_join, community_leave
from messaging.models import Conversation, Message
from messaging.services import message_send
from notifications.models import Notification
from posts.models import Post
from posts.services import post_create
from socialnet.errors import Conflict
from tests.factories import (
    PASSWORD,
    CommunityFactory,
    ConversationFactory,
    MembershipFactory,
    ParticipantFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def run_concurrently(target, calls: list[dict]) -> list:
    """Call target(**kwargs) for each kwargs in its own thread, all released at once; results or exceptions."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, kwargs):
        try:
            barrier.wait()
            outcomes[index] = target(**kwargs)
        except Exception as exc:  # returned to the test: a thread's exception is otherwise lost
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, kwargs)) for i, kwargs in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_five_concurrent_follows_leave_one_row_and_clean_conflicts():
    follower, followee = UserFactory(), UserFactory()
    outcomes = run_concurrently(follow_add, [{"follower": follower, "followee": followee}] * 5)
    assert sum(isinstance(o, Follow) for o in outcomes) == 1
    assert sum(isinstance(o, Conflict) for o in outcomes) == 4
    assert Follow.objects.filter(follower=follower, followee=followee).count() == 1
    assert Activity.objects.filter(actor=follower, verb="follow").count() == 1
    assert Notification.objects.filter(recipient=followee, verb="follow").count() == 1


def test_five_concurrent_joins_leave_one_membership():
    community, user = CommunityFactory(), UserFactory()
    outcomes = run_concurrently(community_join, [{"user": user, "community": community}] * 5)
    assert sum(isinstance(o, Membership) for o in outcomes) == 1
    assert sum(isinstance(o, Conflict) for o in outcomes) == 4
    assert Membership.objects.filter(community=community, user=user).count() == 1
    assert Activity.objects.filter(actor=user, verb="community_join").count() == 1


def test_concurrent_api_follow_and_join_answer_201_or_409_never_500():
    follower, followee, community = UserFactory(), UserFactory(), CommunityFactory()

    def post(url):
        client = APIClient()
        client.force_authenticate(follower)
        return client.post(url).status_code

    follow_url = f"/api/v1/users/{followee.username}/follow/"
    join_url = f"/api/v1/communities/{community.slug}/join/"
    statuses = run_concurrently(post, [{"url": follow_url}] * 5 + [{"url": join_url}] * 5)
    assert sorted(statuses[:5]) == [201, 409, 409, 409, 409]
    assert sorted(statuses[5:]) == [201, 409, 409, 409, 409]
    assert Follow.objects.filter(follower=follower, followee=followee).count() == 1
    assert Membership.objects.filter(community=community, user=follower).count() == 1


def test_two_participants_sending_at_once_lose_no_message():
    first, second = UserFactory(), UserFactory()
    conversation = ConversationFactory(direct_key=f"{min(first.pk, second.pk)}:{max(first.pk, second.pk)}")
    ParticipantFactory(conversation=conversation, user=first)
    ParticipantFactory(conversation=conversation, user=second)

    def send_many(sender):
        return [message_send(sender=sender, conversation=conversation, text=f"{sender.pk}-{i}") for i in range(8)]

    outcomes = run_concurrently(send_many, [{"sender": first}, {"sender": second}] * 2)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert Message.objects.filter(conversation=conversation).count() == 32
    assert Message.objects.filter(conversation=conversation, sender=first).count() == 16
    conversation = Conversation.objects.get(pk=conversation.pk)
    latest = Message.objects.filter(conversation=conversation).aggregate(latest=Max("created_at"))["latest"]
    assert conversation.last_message_at == latest
    assert Activity.objects.filter(verb="message_send").count() == 32


@contextmanager
def uncommitted_in_another_connection(write, hold_seconds: float = 0.5):
    """Run `write()` in a transaction of another thread's connection and keep it uncommitted for `hold_seconds`
    while the body runs: the body meets the write in flight, as a concurrent request would."""
    done = threading.Event()

    def hold():
        try:
            with transaction.atomic():
                write()
                done.set()
                time.sleep(hold_seconds)
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert done.wait(10)
    try:
        yield
    finally:
        thread.join()


def test_a_post_written_while_its_community_is_deleted_is_a_404_not_a_500():
    """The member passed the membership check before the deletion committed; the insert's foreign key then fails at
    commit. The writer is told the community is gone, and nothing is left behind."""
    owner, member, topic = UserFactory(), UserFactory(), TopicFactory()
    community = CommunityFactory(created_by=owner)
    MembershipFactory(community=community, user=owner, role="owner")
    MembershipFactory(community=community, user=member)
    # Another request has its own instance of the community (deleting one clears its pk).
    deletion = partial(community_delete, actor=owner, community=type(community).objects.get(pk=community.pk))
    with uncommitted_in_another_connection(deletion), pytest.raises(Http404):
        post_create(author=member, text="hello", topic=topic, community=community)
    assert not Post.objects.filter(author=member).exists()
    assert not Activity.objects.filter(actor=member, verb="post_create").exists()


def test_an_owner_deleting_their_account_while_the_successor_leaves_hands_over_to_the_next():
    """The successor's leave is in flight (not committed) when the owner deletes their account: the hand-over waits
    for it and passes the community to the next member instead of to someone who is gone."""
    owner, first, second = UserFactory(), UserFactory(), UserFactory()
    community = CommunityFactory(created_by=owner)
    MembershipFactory(community=community, user=owner, role="owner")
    MembershipFactory(community=community, user=first, role="moderator")  # the successor
    MembershipFactory(community=community, user=second)
    with uncommitted_in_another_connection(partial(community_leave, user=first, community=community)):
        account_delete(user=owner, password=PASSWORD)
    owners = list(Membership.objects.filter(community=community, role="owner").values_list("user_id", flat=True))
    assert owners == [second.pk]
