from datetime import date

import pandas as pd
import pytest
from django.utils import timezone

from recommender.data import engagement_counts, load_frames
from recommender.tests.frames import day
from tests.factories import (
    CommentFactory,
    ConversationFactory,
    FollowFactory,
    LikeFactory,
    MembershipFactory,
    MessageFactory,
    ParticipantFactory,
    PostFactory,
    PostViewFactory,
    RepostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    alice, bob, carol = UserFactory.create_batch(3)
    alice.profile.birth_date = date(1990, 6, 15)
    alice.profile.occupation = "engineer"
    alice.profile.save()
    post = PostFactory(author=bob, created_at=day(1), text="Markets rally, again")
    later_post = PostFactory(author=alice, created_at=day(5))
    removed = PostFactory(author=bob, created_at=day(1), removed_at=day(2))
    PostViewFactory(user=alice, post=post, viewed_at=day(2))
    PostViewFactory(user=alice, post=removed, viewed_at=day(2))
    PostViewFactory(user=carol, post=later_post, viewed_at=day(6))
    LikeFactory(user=alice, post=post, created_at=day(3))
    LikeFactory(user=carol, post=later_post, created_at=day(6))
    FollowFactory(follower=alice, followee=bob)
    MembershipFactory(user=alice)
    MembershipFactory(user=bob, is_banned=True)
    conversation = ConversationFactory()
    for user in (alice, bob, carol):
        ParticipantFactory(conversation=conversation, user=user)
    MessageFactory(conversation=conversation, sender=alice, created_at=day(2))
    CommentFactory(post=post, author=carol, created_at=day(3))
    CommentFactory(post=post, author=carol, created_at=day(4))
    CommentFactory(post=post, author=alice, deleted_at=day(4))
    RepostFactory(user=carol, post=post, created_at=day(4))
    return {"alice": alice, "bob": bob, "carol": carol, "post": post, "later_post": later_post, "removed": removed}


def test_load_frames_extracts_every_table_with_types(network, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        frames = load_frames()
    alice, post = network["alice"], network["post"]
    users = frames.users.set_index("user_id")
    assert users.loc[alice.pk, "occupation"] == "engineer"
    assert users.loc[alice.pk, "age"] == pytest.approx(timezone.now().year - 1990 - (timezone.now().date() < date(
        timezone.now().year, 6, 15)))
    assert pd.isna(users.loc[network["bob"].pk, "age"])
    assert str(frames.views["ts"].dtype) == "datetime64[ns, UTC]"
    assert frames.views["user_id"].dtype == "int64"
    assert set(frames.posts["post_id"]) == {post.pk, network["later_post"].pk}  # removed post excluded
    assert frames.posts.set_index("post_id").loc[post.pk, "text"] == "Markets rally, again"
    assert len(frames.views) == 2 and len(frames.likes) == 2
    assert frames.follows[["follower_id", "followee_id"]].values.tolist() == [[alice.pk, network["bob"].pk]]
    assert frames.memberships["user_id"].tolist() == [alice.pk]  # banned member excluded
    assert sorted(frames.messages["recipient_id"]) == sorted([network["bob"].pk, network["carol"].pk])
    assert (frames.messages["sender_id"] == alice.pk).all()
    assert len(frames.comments) == 2 and len(frames.reposts) == 1


def test_before_and_until_cut_at_the_same_time(network):
    frames = load_frames()
    cut = frames.before(day(5))
    until = load_frames(until=day(5))
    assert set(cut.posts["post_id"]) == set(until.posts["post_id"]) == {network["post"].pk, network["later_post"].pk}
    assert len(cut.views) == len(until.views) == 1
    assert len(cut.likes) == len(until.likes) == 1
    assert len(cut.comments) == len(until.comments) == 2
    assert len(frames.before(day(3)).likes) == 0  # a like at exactly T is test data
    assert frames.before(day(1)).posts["post_id"].tolist() == [network["post"].pk]  # created at T: known at T


def test_engagement_counts(network):
    counts = engagement_counts(load_frames())
    post_row = counts["post"].set_index("post_id").loc[network["post"].pk]
    assert (post_row["comments"], post_row["reposts"]) == (2, 1)
    carol = counts["user"].set_index("user_id").loc[network["carol"].pk]
    assert (carol["comments"], carol["reposts"]) == (2, 1)
    pair = counts["user_author"].set_index(["user_id", "author_id"]).loc[(network["carol"].pk, network["bob"].pk)]
    assert (pair["comments"], pair["reposts"]) == (2, 1)


def test_load_frames_on_an_empty_database():
    frames = load_frames()
    assert frames.views.empty and frames.likes.empty and frames.posts.empty
    assert list(frames.likes.columns) == ["user_id", "post_id", "ts"]
    assert engagement_counts(frames)["post"].empty
