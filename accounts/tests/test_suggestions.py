"""People you may know: friends of friends first, then the most-followed people."""

import pytest
from django.core.cache import cache

from accounts.models import Follow
from accounts.selectors import follow_suggestions
from tests.factories import BlockFactory, FollowFactory, UserFactory

pytestmark = pytest.mark.django_db


def follow(follower, *followees):
    for followee in followees:
        FollowFactory(follower=follower, followee=followee)


def test_friends_of_friends_come_first_ranked_by_how_many_you_follow_follow_them(user):
    anna, bob, carol = UserFactory(), UserFactory(), UserFactory()
    liked_by_two, liked_by_one, blocked, blocker, gone = (UserFactory() for _ in range(5))
    gone.is_active = False
    gone.save()
    follow(user, anna, bob, carol)
    follow(anna, liked_by_two, liked_by_one, blocked, blocker, gone, bob, user)
    follow(bob, liked_by_two, blocked, blocker, gone)
    BlockFactory(blocker=user, blocked=blocked)
    BlockFactory(blocker=blocker, blocked=user)

    suggestions = follow_suggestions(user=user)

    assert [s.person for s in suggestions] == [liked_by_two, liked_by_one]  # then nobody else is followed by anyone
    assert (suggestions[0].mutual, suggestions[0].via) == (2, bob)  # bob followed them last
    assert suggestions[0].reason == f"Followed by {bob.profile.name} and 1 other you follow"
    assert suggestions[1].reason == f"Followed by {anna.profile.name}"


def test_without_a_network_the_most_followed_people_fill_in(user):
    star, known, rising = UserFactory(), UserFactory(), UserFactory()
    for _ in range(3):
        follow(UserFactory(), star, known)
    follow(user, known)  # already followed: not suggested, however popular
    follow(star, rising)
    cache.clear()

    suggestions = follow_suggestions(user=user, limit=5)

    assert [s.person for s in suggestions] == [star, rising]  # 3 followers, then 1; nobody else has any
    assert {s.reason for s in suggestions} == {"Popular on socialnet"}


def test_the_feed_shows_them_and_following_from_there_redraws_the_row(auth_client, user, other_user):
    friend = UserFactory()
    follow(user, friend)
    follow(friend, other_user)

    page = auth_client.get("/").content.decode()
    assert "People you may know" in page and f'id="suggestion-{other_user.pk}"' in page

    row = auth_client.post(
        f"/accounts/u/{other_user.username}/follow/", {"shown_as": "suggestion"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert Follow.objects.filter(follower=user, followee=other_user).exists()
    assert row.strip().startswith(f'<div class="suggestion actions" id="suggestion-{other_user.pk}">')
    assert ">Following</button>" in row and 'name="action" value="unfollow"' in row


def test_suggesting_costs_the_same_queries_whatever_the_network_size(user, django_assert_num_queries):
    def grow(n):
        friends = [UserFactory() for _ in range(n)]
        follow(user, *friends)
        for friend in friends:
            follow(friend, *[UserFactory() for _ in range(2)])

    grow(1)
    follow_suggestions(user=user)  # fills the popular-people cache
    with django_assert_num_queries(5) as small:
        assert len(follow_suggestions(user=user)) == 2
    grow(10)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(follow_suggestions(user=user)) == 3


def test_the_api_lists_them_with_the_reason_and_refuses_a_bad_limit(auth_api_client, user, other_user):
    friend = UserFactory()
    follow(user, friend)
    follow(friend, other_user)

    response = auth_api_client.get("/api/v1/me/suggestions/?limit=1")
    assert response.status_code == 200
    assert response.json() == [{
        "user": {
            "id": other_user.pk, "username": other_user.username, "display_name": other_user.profile.name,
            "avatar_url": None,
        },
        "mutual": 1,
        "reason": f"Followed by {friend.profile.name}",
    }]
    assert auth_api_client.get("/api/v1/me/suggestions/?limit=0").json() == {
        "limit": ["Ensure this value is greater than or equal to 1."]
    }
