import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from analytics.models import Activity
from communities import services
from communities.models import Community, Membership
from communities.selectors import communities_of, community_list, community_members
from notifications.models import Notification
from socialnet.errors import Conflict
from tests.factories import CommunityFactory, MembershipFactory, PostFactory, TopicFactory, UserFactory

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


def test_post_remove_by_moderators(user, other_user, community):
    post = PostFactory(community=community, author=other_user)
    MembershipFactory(community=community, user=other_user)
    with pytest.raises(PermissionDenied):
        services.community_post_remove(actor=other_user, post=post)
    with pytest.raises(PermissionDenied):
        services.community_post_remove(actor=user, post=PostFactory())  # not a community post
    services.community_post_remove(actor=user, post=post)
    post.refresh_from_db()
    assert post.removed_at is not None and post.removed_by == user
    with pytest.raises(Conflict):
        services.community_post_remove(actor=user, post=post)
    assert verbs() == ["post_remove"]


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
