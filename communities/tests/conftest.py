import pytest

from communities.models import Membership
from tests.factories import CommunityFactory, MembershipFactory, PostFactory, TopicFactory, UserFactory

Role = Membership.Role
ACTORS = ["anonymous", "non_member", "member", "banned", "moderator", "owner", "staff"]


@pytest.fixture
def community_world(db):
    """One community with a user in every position of the permission matrix, a target member and a post."""
    community = CommunityFactory(name="Chess Club", slug="chess")
    users = {"anonymous": None, "non_member": UserFactory(), "staff": UserFactory(is_staff=True)}
    for name, role, banned in [
        ("owner", Role.OWNER, False),
        ("moderator", Role.MODERATOR, False),
        ("member", Role.MEMBER, False),
        ("banned", Role.MEMBER, True),
        ("target", Role.MEMBER, False),
    ]:
        users[name] = MembershipFactory(community=community, role=role, is_banned=banned).user
    post = PostFactory(community=community, author=users["target"], topic=TopicFactory(name="tech"))
    return {"community": community, "users": users, "post": post}


@pytest.fixture
def world_state(community_world):
    """A snapshot of everything the community actions may change, to check that refused actions changed nothing."""
    from analytics.models import Activity
    from posts.models import Post

    def snapshot():
        community = community_world["community"]
        community.refresh_from_db()
        return (
            (community.name, community.description, community.topic_id),
            sorted(Membership.objects.values_list("user_id", "role", "is_banned")),
            sorted(Post.objects.values_list("id", "removed_at")),
            Activity.objects.count(),
        )

    return snapshot
