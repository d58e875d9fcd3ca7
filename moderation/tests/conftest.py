from dataclasses import dataclass

import pytest

from communities.models import Membership
from moderation.services import report_create
from tests.factories import CommentFactory, CommunityFactory, MembershipFactory, PostFactory, UserFactory


@dataclass
class Scene:
    """A community with an owner and a moderator; its member `author` wrote a post there (with a comment) and one on
    their wall; `reporter` and `reporter2` report things; `staff` handles everything."""

    community: object
    owner: object
    moderator: object
    author: object
    reporter: object
    reporter2: object
    staff: object
    post: object
    comment: object
    wall_post: object


@pytest.fixture
def scene(db):
    community = CommunityFactory(slug="club", name="Club")
    owner, moderator, author = (UserFactory(username=name) for name in ("owner", "moder", "author"))
    MembershipFactory(community=community, user=owner, role=Membership.Role.OWNER)
    MembershipFactory(community=community, user=moderator, role=Membership.Role.MODERATOR)
    MembershipFactory(community=community, user=author)
    post = PostFactory(author=author, community=community, text="a community post")
    return Scene(
        community=community,
        owner=owner,
        moderator=moderator,
        author=author,
        reporter=UserFactory(username="reporter"),
        reporter2=UserFactory(username="reporter2"),
        staff=UserFactory(username="staff", is_staff=True),
        post=post,
        comment=CommentFactory(post=post, author=author, text="a comment"),
        wall_post=PostFactory(author=author, text="a wall post"),
    )


@pytest.fixture
def add_reported(scene, settings):
    """add(n): n more community posts, each reported twice (with and without a note), with a reported comment and a
    reported author: three more queue entries for staff, two for the community's moderators."""
    settings.RATE_LIMIT_ENABLED = False  # the same two people report everything

    def add(n):
        for _ in range(n):
            post = PostFactory(community=scene.community)
            report_create(reporter=scene.reporter, target=post, reason="spam", note="look")
            report_create(reporter=scene.reporter2, target=post, reason="hate")
            report_create(reporter=scene.reporter, target=CommentFactory(post=post), reason="hate", note="this too")
            report_create(reporter=scene.reporter, target=post.author, reason="other")

    return add
