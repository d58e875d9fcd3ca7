import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from analytics.models import Activity
from communities import services
from communities.models import Community, Membership
from communities.selectors import communities_of, community_list, community_members
from notifications.models import Notification
from posts.models import Like, Post
from posts.selectors import post_list
from posts.services import post_remove
from socialnet.errors import Conflict
from tests.factories import CommunityFactory, LikeFactory, MembershipFactory, PostFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=False)
Role = Membership.Role


@pytest.fixture
def community(user):
    """`user` owns it."""
    community = CommunityFactory(created_by=user)
    MembershipFactory(community=community, user=user, role=Role.OWNER)
    return community


def role_of(user, community):
    return Membership.objects.get(user=user, community=community).role


def verbs():
    return list(Activity.objects.order_by("id").values_list("verb", flat=True))


def test_create_makes_creator_owner_and_suggests_slug(user, django_capture_on_commit_callbacks):
    topic = TopicFactory(name="tech")
    community = services.community_create(creator=user, name="Chess Club", description=" Openings ", topic=topic)
    assert (community.slug, community.description, community.topic) == ("chess-club", "Openings", topic)
    assert role_of(user, community) == Role.OWNER
    assert verbs() == ["community_create"]
    second = services.community_create(creator=user, name="Chess club!")
    assert second.slug == "chess-club-2"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "Ok", "slug": "taken"}, "slug"),
        ({"name": "Ok", "slug": "Bad Slug"}, "slug"),
        ({"name": "Ok", "description": "d" * 2001}, "description"),
        ({"name": "!!!"}, "slug"),
    ],
)
def test_create_refuses_bad_input_and_changes_nothing(user, fields, field):
    CommunityFactory(slug="taken")
    with pytest.raises(ValidationError) as error:
        services.community_create(creator=user, **fields)
    assert field in error.value.message_dict
    assert Community.objects.count() == 1
    assert not Membership.objects.exists() and not Activity.objects.exists()


def test_update_only_by_owner(user, other_user, community):
    MembershipFactory(community=community, user=other_user, role=Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        services.community_update(actor=other_user, community=community, name="Hijacked", description="")
    services.community_update(actor=user, community=community, name="Renamed", description="New", topic=None)
    community.refresh_from_db()
    assert (community.name, community.description, community.topic) == ("Renamed", "New", None)
    with pytest.raises(ValidationError):
        services.community_update(actor=user, community=community, name="", description="")
    assert verbs() == ["community_update"]


def test_join_twice_conflicts_and_leave(other_user, community):
    services.community_join(user=other_user, community=community)
    with pytest.raises(Conflict):
        services.community_join(user=other_user, community=community)
    assert role_of(other_user, community) == Role.MEMBER
    services.community_leave(user=other_user, community=community)
    assert not Membership.objects.filter(user=other_user).exists()
    with pytest.raises(Conflict):
        services.community_leave(user=other_user, community=community)
    assert verbs() == ["community_join", "community_leave"]


def test_owner_cannot_leave(user, community):
    with pytest.raises(Conflict, match="transfer ownership"):
        services.community_leave(user=user, community=community)
    assert role_of(user, community) == Role.OWNER


def test_ban_keeps_user_out_until_unbanned(user, other_user, community, django_capture_on_commit_callbacks):
    MembershipFactory(community=community, user=other_user, role=Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        services.community_ban(actor=user, community=community, user=other_user)
    membership = Membership.objects.get(user=other_user, community=community)
    assert membership.is_banned and membership.role == Role.MEMBER
    assert Notification.objects.get(recipient=other_user).verb == "role"
    with pytest.raises(PermissionDenied):
        services.community_join(user=other_user, community=community)
    with pytest.raises(Conflict):
        services.community_leave(user=other_user, community=community)  # leaving must not erase the ban
    with pytest.raises(Conflict):
        services.community_ban(actor=user, community=community, user=other_user)
    services.community_unban(actor=user, community=community, user=other_user)
    services.community_join(user=other_user, community=community)
    assert verbs() == ["community_ban", "community_unban", "community_join"]


def test_ban_a_non_member_prevents_joining(user, other_user, community):
    services.community_ban(actor=user, community=community, user=other_user)
    with pytest.raises(PermissionDenied):
        services.community_join(user=other_user, community=community)


def test_moderator_cannot_ban_owner_or_moderators(user, community):
    moderator, other_moderator, member = UserFactory(), UserFactory(), UserFactory()
    MembershipFactory(community=community, user=moderator, role=Role.MODERATOR)
    MembershipFactory(community=community, user=other_moderator, role=Role.MODERATOR)
    MembershipFactory(community=community, user=member)
    with pytest.raises(Conflict, match="owner"):
        services.community_ban(actor=moderator, community=community, user=user)
    with pytest.raises(PermissionDenied, match="owner"):
        services.community_ban(actor=moderator, community=community, user=other_moderator)
    with pytest.raises(PermissionDenied):
        services.community_ban(actor=member, community=community, user=moderator)
    assert not Membership.objects.filter(is_banned=True).exists() and not Activity.objects.exists()
    services.community_ban(actor=moderator, community=community, user=member)
    assert Membership.objects.get(user=member).is_banned


def test_staff_moderates_any_community(staff_user, other_user, community):
    MembershipFactory(community=community, user=other_user, role=Role.MODERATOR)
    services.community_ban(actor=staff_user, community=community, user=other_user)
    assert Membership.objects.get(user=other_user).is_banned


def test_moderator_roles_by_owner_only(user, other_user, community, django_capture_on_commit_callbacks):
    MembershipFactory(community=community, user=other_user)
    with pytest.raises(PermissionDenied):
        services.moderator_add(actor=other_user, community=community, user=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.moderator_add(actor=user, community=community, user=other_user)
    assert role_of(other_user, community) == Role.MODERATOR
    with pytest.raises(Conflict):
        services.moderator_add(actor=user, community=community, user=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.moderator_remove(actor=user, community=community, user=other_user)
    assert role_of(other_user, community) == Role.MEMBER
    with pytest.raises(Conflict):
        services.moderator_remove(actor=user, community=community, user=other_user)
    assert Notification.objects.filter(recipient=other_user, verb="role").count() == 2
    assert verbs() == ["moderator_add", "moderator_remove"]


def test_moderator_add_needs_an_active_member(user, other_user, community):
    with pytest.raises(Conflict, match="not a member"):
        services.moderator_add(actor=user, community=community, user=other_user)
    MembershipFactory(community=community, user=other_user, is_banned=True)
    with pytest.raises(Conflict, match="not a member"):
        services.moderator_add(actor=user, community=community, user=other_user)


def test_ownership_transfer(user, other_user, community, django_capture_on_commit_callbacks):
    MembershipFactory(community=community, user=other_user)
    with pytest.raises(PermissionDenied):
        services.ownership_transfer(actor=other_user, community=community, new_owner=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.ownership_transfer(actor=user, community=community, new_owner=other_user)
    assert (role_of(user, community), role_of(other_user, community)) == (Role.MODERATOR, Role.OWNER)
    assert Notification.objects.get(recipient=other_user).verb == "role"
    services.community_leave(user=user, community=community)  # a former owner may leave
    assert verbs() == ["ownership_transfer", "community_leave"]


def test_ownership_transfer_to_non_member_refused(user, other_user, community):
    with pytest.raises(Conflict):
        services.ownership_transfer(actor=user, community=community, new_owner=other_user)
    assert role_of(user, community) == Role.OWNER


def test_selectors_count_members_and_list_user_communities(user, other_user, community):
    MembershipFactory(community=community, user=other_user)
    MembershipFactory(community=community, is_banned=True)
    empty = CommunityFactory(name="Quiet place", description="")
    counts = {c.slug: c.member_count for c in community_list()}
    assert counts == {community.slug: 2, empty.slug: 0}
    assert [c.slug for c in community_list(query="quiet")] == [empty.slug]
    mine = list(communities_of(user=other_user))
    assert [(c.slug, c.member_count, c.my_role) for c in mine] == [(community.slug, 2, Role.MEMBER)]
    assert [m.user for m in community_members(community=community)] == [user, other_user]


def _community_with(*, owner, members: int, posts: int) -> Community:
    """A community of `owner` with a moderator, `members` members, a banned user and `posts` posts (one removed)."""
    community = CommunityFactory(created_by=owner)
    MembershipFactory(community=community, user=owner, role=Role.OWNER)
    MembershipFactory(community=community, role=Role.MODERATOR)
    MembershipFactory(community=community, is_banned=True)
    authors = [MembershipFactory(community=community).user for _ in range(members)]
    for index in range(posts):
        PostFactory(community=community, author=authors[index % members])
    return community


def test_owner_deletes_the_community(user, django_capture_on_commit_callbacks):
    community = _community_with(owner=user, members=2, posts=3)
    moderator, banned = (Membership.objects.get(community=community, role=Role.MODERATOR).user,
                         Membership.objects.get(community=community, is_banned=True).user)
    members = set(Membership.objects.filter(community=community, role=Role.MEMBER, is_banned=False)
                  .values_list("user_id", flat=True))
    posts = list(Post.objects.filter(community=community))
    removed_earlier = posts[0]
    post_remove(actor=moderator, post=removed_earlier)
    removed_earlier.refresh_from_db()
    wall_post = PostFactory(author=posts[1].author)  # the author's own wall: not the community's
    LikeFactory(post=posts[1])
    community_id = community.pk

    with django_capture_on_commit_callbacks(execute=True):
        services.community_delete(actor=user, community=community)

    assert not Community.objects.filter(pk=community_id).exists()
    assert not Membership.objects.filter(community_id=community_id).exists()  # the ban too
    # Gone from every list as removed posts are; their likes stay (the analytics roll-ups count them).
    assert set(post_list().values_list("id", flat=True)) == {wall_post.pk}
    for post in posts[1:]:
        post.refresh_from_db()
        assert (post.removed_by, post.community) == (user, None) and post.removed_at is not None
    assert Post.objects.values_list("removed_at", "removed_by").get(pk=removed_earlier.pk) == (
        removed_earlier.removed_at, moderator.pk
    )
    assert Like.objects.filter(post=posts[1]).exists()
    # The moderator and the members are told; the owner who deleted it and the banned user are not.
    notified = Notification.objects.filter(text__startswith=f"{community.name} was deleted")
    assert set(notified.values_list("recipient_id", flat=True)) == members | {moderator.pk}
    assert not Notification.objects.filter(recipient__in=[user, banned]).exists()
    assert {(n.actor, n.verb) for n in notified} == {(user, "role")}
    activity = Activity.objects.get(verb="community_delete")
    assert (activity.actor, activity.target_id) == (user, community_id)
    assert activity.context == {"slug": community.slug, "members": 4, "posts_removed": 2}
    # The address is free again.
    assert services.community_create(creator=user, name="Again", slug=community.slug).slug == community.slug


def test_staff_delete_any_community_and_the_owner_is_told(user, staff_user, django_capture_on_commit_callbacks):
    community = _community_with(owner=user, members=1, posts=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.community_delete(actor=staff_user, community=community)
    assert not Community.objects.exists()
    assert Notification.objects.filter(recipient=user, actor=staff_user).count() == 1
    assert Post.objects.get().removed_by == staff_user


@pytest.mark.parametrize("who", ["moderator", "member", "banned", "stranger"])
def test_only_the_owner_or_staff_delete(user, who, django_capture_on_commit_callbacks):
    community = _community_with(owner=user, members=1, posts=1)
    actor = {
        "moderator": lambda: Membership.objects.get(community=community, role=Role.MODERATOR).user,
        "member": lambda: Membership.objects.get(community=community, role=Role.MEMBER, is_banned=False).user,
        "banned": lambda: Membership.objects.get(community=community, is_banned=True).user,
        "stranger": UserFactory,
    }[who]()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.community_delete(actor=actor, community=community)
    assert Membership.objects.filter(community=community).count() == 4
    assert not Post.objects.filter(removed_at__isnull=False).exists()
    assert not Notification.objects.exists() and not Activity.objects.exists()


def test_deleting_a_community_already_gone_is_a_404(user):
    community = _community_with(owner=user, members=1, posts=0)
    Community.objects.filter(pk=community.pk).delete()  # by a concurrent request
    with pytest.raises(Http404):
        services.community_delete(actor=user, community=community)


def _delete_queries(owner, *, members: int, posts: int) -> list[str]:
    community = _community_with(owner=owner, members=members, posts=posts)
    with CaptureQueriesContext(connection) as queries, TestCase.captureOnCommitCallbacks(execute=True):
        services.community_delete(actor=owner, community=community)
    return [query["sql"] for query in queries]


def test_delete_query_count_does_not_grow_with_members_and_posts(user):
    few = _delete_queries(user, members=1, posts=1)
    many = _delete_queries(user, members=30, posts=60)
    assert len(many) == len(few) <= 15
    assert any(sql.endswith("FOR UPDATE") for sql in few)
    assert Notification.objects.count() == 2 + 31  # the moderator and the members of both, in one INSERT each
