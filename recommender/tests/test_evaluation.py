import json
import math

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from recommender.baselines import LikeRate, MostPopular, RandomRecommender, RecentPopular
from recommender.evaluation import (
    RANDOM_EXPECTED,
    bootstrap_ci,
    evaluate,
    expected_random_hitrate,
    split_cutoff,
    top_k_excluding,
)
from recommender.tests.frames import day, make_frames
from tests.factories import LikeFactory, PostFactory, PostViewFactory, UserFactory


class ByPostId:
    """Orders by post id, ascending when descending=False: a fixed, hand-checkable ranking."""

    def __init__(self, name="by_id", descending=False):
        self.name = name
        self.sign = 1 if descending else -1
        self.fitted_on = None

    def fit(self, train, cutoff):
        self.fitted_on = (train, cutoff)

    def score(self, pairs, at):
        return self.sign * pairs["post_id"].to_numpy(float)

    def recommend(self, user_ids, at, k, exclude, eligible_post_ids):
        order = np.sort(eligible_post_ids)[:: -self.sign]
        return top_k_excluding(order, user_ids, k, exclude)


class FixedLists:
    name = "fixed"

    def __init__(self, posts):
        self.posts = posts
        self.received = None

    def fit(self, train, cutoff):
        self.train = train

    def recommend(self, user_ids, at, k, exclude, eligible_post_ids):
        self.received = (list(user_ids), exclude, set(eligible_post_ids.tolist()))
        return {int(u): list(self.posts) for u in user_ids}


def impressions_frames():
    # T falls on day 10 with test_fraction chosen below; everything before day 10 is training data.
    views = [(1, 1, 1), (1, 2, 2), (3, 3, 3)]
    views += [(1, p, 10 + p / 10) for p in range(1, 8)]  # user 1 shown 7 posts after T, warm
    views += [(2, p, 11 + p / 10) for p in range(1, 7)]  # user 2 shown 6 posts, cold
    views += [(3, p, 12 + p / 10) for p in range(1, 6)]  # user 3 shown only 5: not a test user
    likes = [(1, 5, 11), (1, 6, 11), (2, 1, 12), (3, 1, 13), (4, 2, 13)]
    return make_frames(posts={p: 0 for p in range(1, 8)}, views=views, likes=likes)


def test_split_cutoff_is_the_lower_quantile_of_interaction_times():
    frames = make_frames(posts={1: 0}, views=[(1, 1, d) for d in range(10)])
    assert split_cutoff(frames, 0.2) == day(7)
    assert split_cutoff(frames, 0.5) == day(4)


def test_impressions_metrics_match_hand_computation():
    frames = impressions_frames()
    result = evaluate(frames, [ByPostId()], protocol="impressions", cutoff=day(10), bootstrap=200)
    overall = result["impressions"]["by_id"]["overall"]
    # user 1: top 5 = posts 1..5, liked {5, 6}: one hit at rank 5. user 2: liked {1}: hit at rank 1.
    ndcg_user1 = (1 / math.log2(6)) / (1 + 1 / math.log2(3))
    assert overall["n_users"] == 2
    assert overall["hitrate"] == pytest.approx(1.0)
    assert overall["precision"] == pytest.approx(0.2)
    assert overall["recall"] == pytest.approx((0.5 + 1) / 2)
    assert overall["ndcg"] == pytest.approx((ndcg_user1 + 1) / 2)
    assert result["impressions"]["by_id"]["warm"]["n_users"] == 1
    assert result["impressions"]["by_id"]["cold"]["n_users"] == 1
    assert result["impressions"]["by_id"]["warm"]["ndcg"] == pytest.approx(ndcg_user1)
    # Exact random expectation: user 1 n=7, m=2; user 2 n=6, m=1.
    expected = (1 - 1 / math.comb(7, 5) + 1 - 1 / math.comb(6, 5)) / 2
    assert result["impressions"][RANDOM_EXPECTED]["overall"]["hitrate"] == (
        pytest.approx(expected)
    )

    reversed_result = evaluate(frames, [ByPostId(descending=True)], protocol="impressions", cutoff=day(10))
    # Descending: user 1 top 5 = 7..3 has 6 and 5 at ranks 2 and 3; user 2's top 5 = 6..2 misses post 1.
    reversed_overall = reversed_result["impressions"]["by_id"]["overall"]
    assert reversed_overall["hitrate"] == pytest.approx(0.5)
    assert reversed_overall["precision"] == pytest.approx((0.4 + 0) / 2)


def test_catalogue_counts_only_eligible_unseen_posts():
    frames = make_frames(
        posts={**{p: 0 for p in range(1, 9)}, 9: 15},
        views=[(1, 8, 1), (2, 2, 12), (5, 5, 2)],
        likes=[(1, 5, 12), (2, 9, 16), (2, 1, 16)],
    )
    fixed = FixedLists([9, 8, 1, 2, 3, 4, 5, 6])
    result = evaluate(frames, [fixed], protocol="catalogue", cutoff=day(10), bootstrap=100)
    users, exclude, eligible = fixed.received
    assert users == [1, 2]
    assert exclude == {1: {8}}
    assert eligible == set(range(1, 9))  # post 9 is created after T
    overall = result["catalogue"]["fixed"]["overall"]
    # user 1 gets 1..5 (post 9 ineligible, 8 seen): hit on 5 at rank 5; user 2 gets 8,1,2,3,4: hit on 1 at rank 2.
    assert overall["hitrate"] == pytest.approx(1.0)
    assert overall["precision"] == pytest.approx(0.2)
    assert overall["recall"] == pytest.approx(1.0)
    assert overall["ndcg"] == pytest.approx((1 / math.log2(6) + 1 / math.log2(3)) / 2)
    assert overall["coverage"] == pytest.approx(6 / 8)
    assert result["catalogue"]["fixed"]["warm"]["n_users"] == 1


def test_expected_random_hitrate_matches_combinatorics_and_simulation():
    for n in range(1, 12):
        for m in range(0, n + 1):
            exact = 1 - math.comb(n - m, 5) / math.comb(n, 5) if n >= 5 else float(m > 0)
            assert expected_random_hitrate(np.array([n]), np.array([m]), 5)[0] == pytest.approx(exact)
    rng = np.random.default_rng(1)
    hits = [(rng.permutation(8)[:3] < 2).any() for _ in range(20000)]
    assert expected_random_hitrate(np.array([8]), np.array([2]), 3)[0] == pytest.approx(np.mean(hits), abs=0.01)


def test_bootstrap_ci_brackets_the_hit_rate():
    rng = np.random.default_rng(0)
    low, high = bootstrap_ci(np.array([1.0] * 30 + [0.0] * 70), rng, 2000)
    assert low < 0.3 < high
    assert 0.18 < low and high < 0.42


def test_baselines_never_see_the_future():
    base_views = [(u, p, 1 + (u + p) % 8) for u in range(1, 6) for p in range(1, 6)]
    base_likes = [(1, 1, 2), (2, 1, 3), (3, 2, 4), (2, 3, 9)]
    after = [(u, 6, 12) for u in range(1, 6)] + [(u, 2, 11) for u in range(1, 6)]
    frames = make_frames(posts={**{p: 0 for p in range(1, 6)}, 6: 11}, views=base_views, likes=base_likes)
    future = make_frames(posts={**{p: 0 for p in range(1, 6)}, 6: 11}, views=base_views + after,
                         likes=base_likes + after)
    cutoff = day(10)
    pairs = pd.DataFrame({"user_id": [1, 2, 3, 4], "post_id": [1, 2, 3, 6]})
    for recommender_class in (MostPopular, RecentPopular, LikeRate):
        plain, with_future = recommender_class(), recommender_class()
        plain.fit(frames.before(cutoff), cutoff)
        with_future.fit(future.before(cutoff), cutoff)
        np.testing.assert_array_equal(plain.score(pairs, cutoff), with_future.score(pairs, cutoff))

    spy, popular = ByPostId(name="spy"), MostPopular()
    result = evaluate(future, [spy, popular, RandomRecommender()], protocol="both", cutoff=cutoff)
    train, seen_cutoff = spy.fitted_on
    assert seen_cutoff == cutoff
    assert (train.likes["ts"] < cutoff).all() and (train.views["ts"] < cutoff).all()
    assert 6 not in set(train.posts["post_id"])
    recommended = popular.recommend(np.array([1, 2]), cutoff, 5, {}, np.arange(1, 6))
    assert all(6 not in posts for posts in recommended.values())
    assert set(result["catalogue"]) == {"spy", "most_popular", "random"}


def test_like_rate_is_smoothed_and_impressions_only():
    frames = make_frames(
        posts={1: 0, 2: 0},
        views=[(u, 1, 1) for u in range(1, 11)] + [(1, 2, 1)],
        likes=[(u, 1, 2) for u in range(1, 6)] + [(1, 2, 2)],
    )
    like_rate = LikeRate()
    like_rate.fit(frames, day(5))
    rate = 6 / 11
    expected = [(5 + 20 * rate) / (10 + 20), (1 + 20 * rate) / (1 + 20), rate]
    scores = like_rate.score(pd.DataFrame({"user_id": [1, 1, 1], "post_id": [1, 2, 3]}), day(5))
    np.testing.assert_allclose(scores, expected)
    result = evaluate(impressions_frames(), [like_rate], protocol="both", cutoff=day(10))
    assert "like_rate" not in result["catalogue"] and "like_rate" in result["impressions"]


@pytest.mark.django_db
def test_evaluate_recommender_command_prints_tables_and_writes_json(tmp_path, capsys):
    users = UserFactory.create_batch(3)
    posts = PostFactory.create_batch(12, created_at=day(0))
    for index, user in enumerate(users):
        for post_index, post in enumerate(posts):
            PostViewFactory(user=user, post=post, viewed_at=day(1 + post_index + index / 10))
        LikeFactory(user=user, post=posts[1], created_at=day(2.5))
        LikeFactory(user=user, post=posts[11 - index], created_at=day(12.5))
    out = tmp_path / "metrics.json"
    # Half the interactions fall before day 7: each user was then shown 6 more posts and liked one of them.
    call_command("evaluate_recommender", "--baselines-only", "--test-fraction", "0.5", "--json", str(out))
    printed = capsys.readouterr().out
    assert "catalogue protocol" in printed and "impressions protocol" in printed
    data = json.loads(out.read_text())
    assert set(data["catalogue"]) == {"random", "most_popular", "recent_popular"}
    assert data["impressions"]["most_popular"]["overall"]["n_users"] == 3
    assert 0 <= data["impressions"][RANDOM_EXPECTED]["overall"]["hitrate"] <= 1
