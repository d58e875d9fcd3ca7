from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Block, Follow, Profile, User
from accounts.services import (
    account_delete,
    block_add,
    block_remove,
    device_os_from_user_agent,
    follow_add,
    follow_remove,
    profile_update,
    traffic_source_from,
    user_deactivate,
    user_login_record,
    user_register,
)
from accounts.tests.footprint import build_footprint, friend_state, leaver_rows
from analytics.models import Activity
from communities.models import Community, Membership
from communities.selectors import owned_communities_with_successors
from messaging.models import Conversation
from notifications.models import Notification
from socialnet.errors import Conflict
from tests.factories import (
    PASSWORD,
    BlockFactory,
    CommunityFactory,
    ConversationFactory,
    FollowFactory,
    MembershipFactory,
    MessageFactory,
    ParticipantFactory,
    PostFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

IPHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
ANDROID_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36"


Role = Membership.Role
# Measured: see test_account_delete_query_count_does_not_grow_with_what_the_account_left.
ACCOUNT_DELETE_MAX_QUERIES = 60


def verbs(actor):
    return list(Activity.objects.filter(actor=actor).order_by("id").values_list("verb", flat=True))


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (ANDROID_UA, "Android"),
        (IPHONE_UA, "iOS"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120", "Windows"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605", "macOS"),
        ("Mozilla/5.0 (X11; Linux x86_64) Firefox/121", "Linux"),
        ("curl/8.0", "other"),
        ("", "other"),
    ],
)
def test_device_os_from_user_agent(user_agent, expected):
    assert device_os_from_user_agent(user_agent) == expected


@pytest.mark.parametrize(
    ("utm_source", "referer", "expected"),
    [
        ("ads", "", "ads"),
        ("CPC", "https://www.google.com/", "ads"),
        ("organic", "", "organic"),
        ("newsletter", "", "other"),
        ("", "https://www.google.com/search?q=socialnet", "organic"),
        ("", "https://someblog.example/post", "other"),
        ("", "", "organic"),
    ],
)
def test_traffic_source(utm_source, referer, expected):
    assert traffic_source_from(utm_source=utm_source, referer=referer) == expected


def test_register_creates_user_profile_and_activity():
    user = user_register(
        username="alice", email="alice@example.com", password=PASSWORD, user_agent=IPHONE_UA, utm_source="ads"
    )
    assert user.check_password(PASSWORD)
    assert (user.profile.os, user.profile.source) == ("iOS", "ads")
    assert verbs(user) == ["register"]


def test_register_rejects_taken_username_case_insensitively():
    UserFactory(username="Alice")
    with pytest.raises(ValidationError) as excinfo:
        user_register(username="aLICE", email="a@example.com", password=PASSWORD)
    assert "username" in excinfo.value.message_dict
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_register_validates_every_field_at_once():
    with pytest.raises(ValidationError) as excinfo:
        user_register(username="bad name!", email="not-an-email", password="123")
    assert set(excinfo.value.message_dict) == {"username", "email", "password"}
    assert not User.objects.exists()
    assert not Activity.objects.exists()


def test_profile_update_changes_fields_and_records_activity():
    user = UserFactory()
    sport, tech = TopicFactory(name="sport"), TopicFactory(name="tech")
    profile_update(
        user=user,
        display_name="Alice A.",
        bio="Hi",
        birth_date=date(1990, 5, 1),
        interests=[sport, tech],
        email="n@e.io",
    )
    user.refresh_from_db()
    assert user.profile.display_name == "Alice A."
    assert user.email == "n@e.io"
    assert set(user.profile.interests.values_list("name", flat=True)) == {"sport", "tech"}
    activity = Activity.objects.get(actor=user, verb="profile_update")
    assert set(activity.context["fields"]) == {"display_name", "bio", "birth_date", "email", "interests"}


def test_profile_update_rejects_bad_values_and_changes_nothing():
    user = UserFactory()
    with pytest.raises(ValidationError) as excinfo:
        profile_update(user=user, gender="robot", birth_date=date.today() + timedelta(days=1), display_name="x" * 101)
    assert set(excinfo.value.message_dict) == {"gender", "birth_date", "display_name"}
    with pytest.raises(ValidationError):
        profile_update(user=user, os="Android")
    assert Profile.objects.get(user=user).gender == "female"
    assert not Activity.objects.filter(verb="profile_update").exists()


def test_follow_add_records_activity_and_notifies(django_capture_on_commit_callbacks):
    alice, bob = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        follow_add(follower=alice, followee=bob)
    assert Follow.objects.filter(follower=alice, followee=bob).exists()
    assert verbs(alice) == ["follow"]
    notification = Notification.objects.get(recipient=bob)
    assert (notification.actor, notification.verb) == (alice, "follow")


def test_follow_twice_conflicts_and_self_follow_is_invalid():
    alice, bob = UserFactory(), UserFactory()
    follow_add(follower=alice, followee=bob)
    with pytest.raises(Conflict):
        follow_add(follower=alice, followee=bob)
    with pytest.raises(ValidationError):
        follow_add(follower=alice, followee=alice)
    assert Follow.objects.count() == 1
    assert verbs(alice) == ["follow"]


def test_follow_is_forbidden_across_a_block():
    alice, bob = UserFactory(), UserFactory()
    BlockFactory(blocker=bob, blocked=alice)
    with pytest.raises(PermissionDenied):
        follow_add(follower=alice, followee=bob)
    assert not Follow.objects.exists()


def test_follow_remove_is_idempotent():
    follow = FollowFactory()
    follow_remove(follower=follow.follower, followee=follow.followee)
    follow_remove(follower=follow.follower, followee=follow.followee)
    assert not Follow.objects.exists()
    assert verbs(follow.follower) == ["unfollow"]


def test_block_removes_follows_both_ways_and_unblock():
    alice, bob = UserFactory(), UserFactory()
    FollowFactory(follower=alice, followee=bob)
    FollowFactory(follower=bob, followee=alice)
    block_add(blocker=alice, blocked=bob)
    assert not Follow.objects.exists()
    with pytest.raises(Conflict):
        block_add(blocker=alice, blocked=bob)
    block_remove(blocker=alice, blocked=bob)
    assert not Block.objects.exists()
    assert verbs(alice) == ["block", "unblock"]


def test_block_self_is_invalid():
    alice = UserFactory()
    with pytest.raises(ValidationError):
        block_add(blocker=alice, blocked=alice)
    assert not Activity.objects.exists()


def test_login_signal_records_activity(client):
    user = UserFactory()
    client.force_login(user)
    assert verbs(user) == ["login"]
    user.refresh_from_db()
    assert user.last_login is not None


# Deleting one's own account (account_delete, over user_delete)


def test_account_delete_removes_the_account_and_what_it_left_but_not_the_friends_data(
    django_capture_on_commit_callbacks,
):
    footprint = build_footprint()
    leaver_id, before = footprint.leaver.pk, friend_state(footprint)
    assert all(leaver_rows(leaver_id).values())
    user_login_record(user=footprint.leaver, ip_address="203.0.113.9")
    actions = Activity.objects.filter(actor=footprint.leaver)
    action_ids = set(actions.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=footprint.leaver, password=PASSWORD)

    assert not User.objects.filter(pk=leaver_id).exists()
    # Its actions still count for analytics, with no actor and no details (the login's IP address).
    kept = Activity.objects.filter(pk__in=action_ids)
    assert kept.count() == len(action_ids) and not kept.exclude(actor=None).exists()
    assert not kept.exclude(context={}).exists()  # the club's hand-over, recorded after, keeps who got it
    assert Activity.objects.get(verb="ownership_transfer").context["user_id"] == footprint.friend.pk
    assert leaver_rows(leaver_id) == dict.fromkeys(leaver_rows(leaver_id), 0)
    assert friend_state(footprint) == before
    # The club passed to the friend, who is told; the 1:1 conversation stays for the friend.
    assert Membership.objects.get(community=footprint.club, user=footprint.friend).role == Role.OWNER
    notice = Notification.objects.get(recipient=footprint.friend, verb="role")
    assert notice.actor_id is None and "you now own" in notice.text
    assert list(footprint.chat.messages.values_list("text", flat=True)) == ["from the friend"]


@pytest.mark.parametrize("password", ["", "wrong-password-1", PASSWORD.upper()])
def test_account_delete_with_a_wrong_password_changes_nothing(password):
    footprint = build_footprint()
    leaver_id, before = footprint.leaver.pk, leaver_rows(footprint.leaver.pk)
    with pytest.raises(ValidationError) as error:
        account_delete(user=footprint.leaver, password=password)
    assert error.value.message_dict == {"password": ["The password is not correct."]}
    assert User.objects.filter(pk=leaver_id).exists() and leaver_rows(leaver_id) == before


def test_wrong_passwords_are_throttled_like_logging_in(user, settings):
    """A session left open cannot be used to guess its password: after AXES_FAILURE_LIMIT wrong ones even the right
    one is refused until the cool-off ends, and nothing is deleted."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        with pytest.raises(ValidationError):
            account_delete(user=user, password="wrong-password-1")
    with pytest.raises(ValidationError) as error:
        account_delete(user=user, password=PASSWORD)
    assert error.value.message_dict == {"password": ["Too many wrong passwords. Try again in 15 minutes."]}
    assert User.objects.filter(pk=user.pk).exists()
    cache.delete(f"password-failures:{user.pk}")  # the cool-off's end
    account_delete(user=user, password=PASSWORD)
    assert not User.objects.filter(pk=user.pk).exists()


def test_owned_community_passes_to_the_longest_standing_moderator_then_member(user):
    now = timezone.now()
    first, second, third = (CommunityFactory(name=name, created_by=user) for name in ("First", "Second", "Third"))
    for community in (first, second, third):
        MembershipFactory(community=community, user=user, role=Role.OWNER, joined_at=now - timedelta(days=30))

    def join(community, days_ago, **extra):
        return MembershipFactory(community=community, joined_at=now - timedelta(days=days_ago), **extra).user

    # First: a moderator beats a longer-standing member; of two moderators the earlier one wins.
    join(first, 20)
    early_mod = join(first, 10, role=Role.MODERATOR)
    join(first, 5, role=Role.MODERATOR)
    # Second: no moderator, so the longest-standing member; banned people never inherit.
    join(second, 25, is_banned=True)
    old_member = join(second, 15)
    join(second, 3)
    # Third: nobody but a banned user and the owner: the community goes, a former member's post stays.
    banned = join(third, 12, is_banned=True)
    stray_post = PostFactory(author=banned, community=third)

    successors = {c.name: c.successor for c in owned_communities_with_successors(owner=user)}
    assert successors == {"First": early_mod, "Second": old_member, "Third": None}

    account_delete(user=user, password=PASSWORD)

    owners = dict(Membership.objects.filter(role=Role.OWNER).values_list("community__name", "user_id"))
    assert owners == {"First": early_mod.pk, "Second": old_member.pk}
    assert not Community.objects.filter(pk=third.pk).exists()
    stray_post.refresh_from_db()
    assert stray_post.community_id is None
    transfers = Activity.objects.filter(verb="ownership_transfer").values_list("actor_id", "context")
    assert sorted(context["user_id"] for _, context in transfers) == sorted([early_mod.pk, old_member.pk])
    assert {actor for actor, _ in transfers} == {None}  # the account is gone, the event stays


def test_conversations_nobody_else_is_left_in_go_with_the_account(user, other_user):
    alone = ConversationFactory()
    ParticipantFactory(conversation=alone, user=user)
    MessageFactory(conversation=alone, sender=user)
    shared = ConversationFactory(is_group=True, title="trio", created_by=user)
    for person in (user, other_user):
        ParticipantFactory(conversation=shared, user=person)

    account_delete(user=user, password=PASSWORD)

    assert not Conversation.objects.filter(pk=alone.pk).exists()
    shared.refresh_from_db()
    assert shared.created_by_id is None
    assert list(shared.participants.values_list("user_id", flat=True)) == [other_user.pk]


def test_account_delete_query_count_does_not_grow_with_what_the_account_left():
    """The cascade deletes row sets, never row by row: 5 times the posts, comments, likes... cost the same queries."""
    counts = []
    for n in (1, 5):
        leaver = build_footprint(n).leaver
        with CaptureQueriesContext(connection) as queries:
            account_delete(user=leaver, password=PASSWORD)
        counts.append(len(queries))
    print(f"account_delete queries for 1x and 5x the footprint: {counts}")
    assert counts[0] == counts[1], counts
    assert counts[1] <= ACCOUNT_DELETE_MAX_QUERIES, counts


def test_staff_deactivate_an_account_which_then_cannot_sign_in(client, user, other_user, staff_user, password):
    Token.objects.create(user=user)
    client.force_login(user)
    with pytest.raises(PermissionDenied):
        user_deactivate(actor=other_user, user=user)
    with pytest.raises(Conflict):
        user_deactivate(actor=staff_user, user=UserFactory(is_staff=True))
    user_deactivate(actor=staff_user, user=user)
    user.refresh_from_db()
    assert not user.is_active and not Token.objects.filter(user=user).exists()
    assert Activity.objects.filter(verb="user_deactivate", actor=staff_user, target_id=user.pk).count() == 1
    settings_page = reverse("accounts:profile_edit")
    assert client.get(settings_page)["Location"].startswith(reverse("accounts:login"))  # its session ended
    client.post(reverse("accounts:login"), {"username": user.username, "password": password})
    assert client.get(settings_page).status_code == 302  # and it cannot sign in again
    with pytest.raises(Conflict, match="already deactivated"):
        user_deactivate(actor=staff_user, user=user)
