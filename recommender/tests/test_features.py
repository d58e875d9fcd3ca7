import numpy as np
import pandas as pd

from recommender.candidates import candidate_posts
from recommender.features import FEATURE_NAMES, build_tables, pair_features

from .model_frames import START, synthetic_frames

COLUMN = {name: index for index, name in enumerate(FEATURE_NAMES)}


def features_for(tables, user_id, post_ids, at):
    users = tables.user_index(np.full(len(post_ids), user_id))
    return pair_features(tables, users, tables.post_index(post_ids), at)


def test_social_and_taste_features_describe_the_pair():
    frames = synthetic_frames(users=40, posts=120, views_per_user=60)
    at = frames.interaction_times().max() + pd.Timedelta(seconds=1)
    tables = build_tables(frames, at)
    authors = set(frames.posts["author_id"])
    follow = frames.follows[frames.follows["followee_id"].isin(authors)].iloc[0]
    follower, followee = int(follow["follower_id"]), int(follow["followee_id"])
    by_followee = frames.posts.loc[frames.posts["author_id"] == followee, "post_id"].to_numpy()
    followed = set(frames.follows.loc[frames.follows["follower_id"] == follower, "followee_id"])
    other = frames.posts.loc[~frames.posts["author_id"].isin(followed), "post_id"].to_numpy()[:5]
    assert (features_for(tables, follower, by_followee, at)[:, COLUMN["follows_author"]] == 1).all()
    assert (features_for(tables, follower, other, at)[:, COLUMN["follows_author"]] == 0).all()

    liker = int(frames.likes["user_id"].value_counts().index[0])
    liked_topics = frames.likes[frames.likes["user_id"] == liker].merge(frames.posts, on="post_id")["topic"]
    favourite = liked_topics.value_counts().index[0]
    in_topic = frames.posts.loc[frames.posts["topic"] == favourite, "post_id"].to_numpy()[:20]
    off_topic = frames.posts.loc[frames.posts["topic"] != favourite, "post_id"].to_numpy()[:20]
    rows_in, rows_off = features_for(tables, liker, in_topic, at), features_for(tables, liker, off_topic, at)
    for name in ("topic_like_share", "text_similarity"):
        assert rows_in[:, COLUMN[name]].mean() > rows_off[:, COLUMN[name]].mean()
    assert rows_in.shape == (len(in_topic), len(FEATURE_NAMES))


def test_tables_only_know_the_past():
    frames = synthetic_frames(users=30, posts=80, views_per_user=40)
    t = frames.interaction_times().quantile(0.5)
    tables = build_tables(frames.before(t), t)
    assert tables.post_ids.max() <= frames.posts.loc[frames.posts["created_at"] <= t, "post_id"].max()
    assert tables.liked.sum() == len(frames.likes[frames.likes["ts"] < t].drop_duplicates(["user_id", "post_id"]))


def test_unknown_user_gets_the_blank_row_and_cohort_popularity():
    frames = synthetic_frames(users=30, posts=80, views_per_user=40)
    tables = build_tables(frames, START + pd.Timedelta(days=40))
    assert tables.user_index([999_999])[0] == tables.blank_user
    row = features_for(tables, 999_999, frames.posts["post_id"].to_numpy()[:5], START + pd.Timedelta(days=40))
    assert np.isnan(row[:, COLUMN["gender"]]).all()
    assert (row[:, COLUMN["user_likes"]] == 0).all()


def test_candidates_come_from_several_sources_and_skip_excluded_posts():
    frames = synthetic_frames(users=40, posts=200, views_per_user=30)
    tables = build_tables(frames, frames.interaction_times().max())
    user = int(tables.user_index([1])[0])
    allowed = np.ones(len(tables.post_ids), dtype=bool)
    allowed[tables.seen[user].indices] = False
    candidates = candidate_posts(tables, user, allowed)
    assert len(candidates) > 50
    assert allowed[candidates].all()
    assert len(np.unique(candidates)) == len(candidates)


def test_posts_known_by_content_only_get_topic_and_author_features():
    frames = synthetic_frames(users=40, posts=160, views_per_user=50)
    t = frames.interaction_times().quantile(0.6)
    tables = build_tables(frames.before(t), t)
    later = frames.posts[frames.posts["created_at"] > t]
    assert (tables.post_index(later["post_id"]) == -1).all()

    extended = tables.with_posts(later)
    assert extended.post_index(later["post_id"]).min() >= len(tables.post_ids)
    assert (extended.post_index(tables.post_ids) == np.arange(len(tables.post_ids))).all()
    liker = int(frames.likes.loc[frames.likes["ts"] < t, "user_id"].value_counts().index[0])
    favourite = int(np.argmax(tables.user_topic_rate[tables.user_index([liker])[0]]))
    rows = features_for(extended, liker, later["post_id"].to_numpy(), t)
    in_favourite = extended.post_topic[extended.post_index(later["post_id"])] == favourite
    assert rows[in_favourite, COLUMN["topic_like_rate"]].min() > rows[~in_favourite, COLUMN["topic_like_rate"]].max()
    assert (rows[:, COLUMN["likes"]] == 0).all() and (rows[:, COLUMN["post_age_hours"]] == 0).all()
    assert np.abs(rows[:, COLUMN["text_similarity"]]).max() > 0  # texts go through the fitted TF-IDF model


def test_ease_scores_per_person_are_the_closed_form_and_the_pair_feature():
    frames = synthetic_frames(users=40, posts=120, views_per_user=60)
    at = frames.interaction_times().max() + pd.Timedelta(seconds=1)
    tables = build_tables(frames, at)
    assert len(tables.ease_posts) and len(tables.seen_ease_posts)
    liker = int(frames.likes["user_id"].value_counts().index[0])
    user = int(tables.user_index([liker])[0])
    liked = tables.liked[user].toarray().ravel()[tables.ease_posts]
    expected = np.zeros(len(tables.post_ids), dtype=np.float32)
    expected[tables.ease_posts] = liked @ tables.ease_weights
    np.testing.assert_allclose(tables.ease_scores(user), expected, rtol=1e-5, atol=1e-6)
    pairs = features_for(tables, liker, tables.post_ids, at)[:, COLUMN["ease_score"]]
    np.testing.assert_allclose(pairs, expected, rtol=1e-5, atol=1e-6)

    seen = tables.seen[user].toarray().ravel()[tables.seen_ease_posts]
    looked = np.zeros(len(tables.post_ids), dtype=np.float32)
    looked[tables.seen_ease_posts] = seen @ tables.seen_ease_weights
    np.testing.assert_allclose(tables.seen_like_scores(user), np.maximum(looked, 0) * tables.post_like_rate,
                               rtol=1e-5, atol=1e-6)
    assert build_tables(frames, at, orderings=False).seen_ease_posts is None  # training examples skip it
