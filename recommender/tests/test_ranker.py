import io

import numpy as np
import pandas as pd
import pytest

from recommender.baselines import baseline_recommenders
from recommender.evaluation import evaluate
from recommender.ranker import (
    CLEAR_WIN_P,
    VALIDATION_SHARES,
    WARM_STRATEGIES,
    LightGBMRecommender,
    best_positions,
    choose_strategy,
    interleave,
    spread_page,
)

from .model_frames import synthetic_frames


@pytest.fixture(scope="module")
def frames():
    return synthetic_frames(users=150, posts=300, views_per_user=80)


@pytest.fixture(scope="module")
def fitted(frames):
    model = LightGBMRecommender()
    model.fit(frames, frames.interaction_times().max() + np.timedelta64(1, "s"))
    return model


def hitrate(result, protocol, name):
    return result[protocol][name]["overall"]["hitrate"]


def test_model_beats_the_baselines_on_both_protocols(frames):
    result = evaluate(frames, [LightGBMRecommender(), *baseline_recommenders()], protocol="both", bootstrap=50)
    for protocol in ("catalogue", "impressions"):
        best = max(hitrate(result, protocol, name) for name in result[protocol] if name not in ("lightgbm",
                                                                                              "random_expected"))
        assert hitrate(result, protocol, "lightgbm") > best


def test_training_labels_come_after_the_features(frames):
    model = LightGBMRecommender()
    cutoff = frames.interaction_times().quantile(0.8)
    model.fit(frames.before(cutoff), cutoff)
    window_start = model.label_window_start(frames.before(cutoff), cutoff)
    assert window_start < cutoff
    assert model.tables.liked.sum() == len(frames.likes[frames.likes["ts"] < cutoff])
    assert model.impression_model is not None  # the synthetic log is a random feed: most impressions not liked


def test_rank_user_returns_unseen_posts_with_reasons(fitted, frames):
    seen = set(frames.views.loc[frames.views["user_id"] == 1, "post_id"].tolist())
    post_ids, reasons = fitted.rank_user(user_id=1, k=5, exclude_post_ids=seen)
    assert len(post_ids) == 5 and not seen & set(post_ids)
    assert set(reasons) == set(post_ids) and all(reasons.values())


def test_a_page_shows_each_authors_best_post_before_anyones_second():
    order = np.array([4, 0, 3, 1, 2])  # positions, best first
    authors = np.array([7, 8, 9, 7, 7])  # author of position 0..4
    topics = np.arange(5)  # all different: only authors matter
    assert spread_page(order, authors, topics, 5).tolist() == [4, 1, 2, 0, 3]
    assert spread_page(order, authors, topics, 3).tolist() == [4, 1, 2]


def test_a_page_gives_one_topic_at_most_two_of_five_places_while_others_have_candidates():
    order = np.arange(8)  # best first
    authors = np.arange(8)
    topics = np.array([0, 0, 0, 0, 1, 0, 2, 0])
    assert spread_page(order, authors, topics, 5).tolist() == [0, 1, 4, 6, 2]
    only_one_topic = np.zeros(8, dtype=int)
    assert spread_page(order, authors, only_one_topic, 5).tolist() == [0, 1, 2, 3, 4]  # never a shorter page


def test_an_over_fetched_page_is_spread_in_every_block_of_five():
    """The feed asks for more than a page and cuts it: each block of five is spread on its own."""
    order = np.arange(12)
    topics = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2])
    assert spread_page(order, np.arange(12), topics, 10).tolist() == [0, 1, 8, 9, 10, 2, 3, 11, 4, 5]


def test_ranked_pages_spread_over_authors_and_topics(fitted, frames):
    post_ids, _ = fitted.rank_user(user_id=2, k=5, exclude_post_ids=set())
    posts = frames.posts.set_index("post_id").loc[post_ids]
    assert posts["author_id"].is_unique
    assert posts["topic"].value_counts().max() <= 2


def test_new_user_is_served_from_popularity(fitted):
    post_ids, reasons = fitted.rank_user(user_id=987_654, k=5, exclude_post_ids=set())
    assert len(post_ids) == 5


def test_save_and_load_round_trip(fitted, frames):
    buffer = io.BytesIO()
    fitted.save(buffer)
    buffer.seek(0)
    loaded = LightGBMRecommender.load(buffer)
    pairs = frames.views[["user_id", "post_id"]].head(50)
    at = frames.interaction_times().max()
    assert np.allclose(loaded.score(pairs, at), fitted.score(pairs, at))
    assert loaded.progress is None


def test_posts_newer_than_the_model_are_scored_by_their_content(frames):
    cutoff = frames.interaction_times().quantile(0.8)
    model = LightGBMRecommender()
    model.fit(frames.before(cutoff), cutoff)
    later = frames.posts[frames.posts["created_at"] > cutoff]
    pairs = frames.views[frames.views["post_id"].isin(later["post_id"])][["user_id", "post_id"]].head(200)
    assert len(set(model.score(pairs, cutoff))) == 1  # without content: all the median score
    with_content = model.score(pairs.merge(later, on="post_id", how="left"), cutoff)
    assert len(set(with_content.round(6))) > 10


def test_impression_model_learns_from_several_windows(frames):
    model = LightGBMRecommender(impression_windows=3, impression_window_share=0.1)
    cutoff = frames.interaction_times().max()
    starts = model.impression_window_starts(frames, cutoff)
    assert len(starts) == 3 and starts == sorted(starts) and starts[-1] < cutoff
    rows = model.impression_examples(frames, cutoff)
    in_windows = frames.views[frames.views["ts"] >= starts[0]].drop_duplicates(["user_id", "post_id", "ts"])
    assert 0.9 * len(in_windows) <= len(rows["label"]) <= len(in_windows)
    assert 0 < rows["label"].mean() < 0.5


def test_catalogue_orderings_are_chosen_on_pooled_validation_before_the_cutoff(fitted, frames):
    validation = fitted.fit_info["strategy_validation"]
    assert len(validation["cutoffs"]) == len(VALIDATION_SHARES)
    assert max(pd.Timestamp(c) for c in validation["cutoffs"]) < frames.interaction_times().max()
    warm = validation["warm"]
    assert set(warm["orderings"]) == set(WARM_STRATEGIES) and warm["users"] > 0
    assert fitted.catalogue_strategies == {"warm": warm["chosen"], "cold": validation["cold"]["chosen"]}
    # The synthetic log is a random feed: the learned model, not EASE, finds what people liked among what they saw.
    assert warm["chosen"] == "model" and warm["orderings"]["model"]["p_value"] < CLEAR_WIN_P

    eligible = frames.posts["post_id"].to_numpy()
    most_liked = frames.likes["post_id"].value_counts()
    lists = fitted.recommend([987_654], frames.interaction_times().max(), 3, {}, eligible,
                             strategies={"warm": "model", "cold": "popular"})
    assert most_liked.reindex(lists[987_654]).tolist() == most_liked.iloc[:3].tolist()  # a person without history


def test_interleave_fills_places_in_turn_skipping_placed_items():
    orders = [np.array([1, 2, 3]), np.array([1, 4]), np.array([5])]
    assert interleave(orders, 5).tolist() == [1, 4, 5, 2, 3]  # 1 is placed once; exhausted orderings yield
    assert interleave(orders, 2).tolist() == [1, 4]
    assert interleave([np.array([7]), np.array([7])], 3).tolist() == [7]  # fewer distinct items than places


def test_best_positions_is_the_head_of_a_full_sort():
    rng = np.random.default_rng(3)
    values = rng.integers(0, 4, 500).astype(float)  # many ties, broken by the tiebreak, then by position
    tiebreak = rng.integers(0, 3, 500).astype(float)
    positions = np.sort(rng.choice(500, 300, replace=False))
    full = positions[np.lexsort((-tiebreak[positions], -values[positions]))]
    for limit in (1, 7, 120, 300, 400):
        assert best_positions(positions, values, tiebreak, limit).tolist() == full[:limit].tolist()


def test_portfolio_hedges_across_two_views_of_taste_and_recent_likes(fitted, frames):
    at = frames.interaction_times().max()
    user_id = int(frames.likes["user_id"].value_counts().index[0])
    user = int(fitted.tables.user_index([user_id])[0])
    eligible_ids = frames.posts["post_id"].to_numpy()
    seen = set(frames.views.loc[frames.views["user_id"] == user_id, "post_id"].tolist())
    allowed = fitted._allowed(seen)
    lists = fitted.recommend([user_id], at, 5, {user_id: seen}, eligible_ids, strategies={"warm": "portfolio"})
    ids = fitted.tables.post_ids
    ease, seen_like = (ids[fitted._personal_order(name, user, allowed, 20)] for name in ("ease", "seen_like"))
    recent = ids[fitted._popularity_order("recent_popular", allowed)]
    portfolio = lists[user_id]
    assert len(portfolio) == 5 and not set(portfolio) & seen
    assert portfolio[0] == ease[0]
    assert portfolio[1] == next(p for p in seen_like if p != portfolio[0])
    assert portfolio[4] == next(p for p in recent if p not in portfolio[:4])


def test_an_ordering_replaces_the_default_only_when_clearly_better():
    default = np.array([1] * 10 + [0] * 30, dtype=bool)
    slightly_better = default.copy()
    slightly_better[10:14] = True  # 4 more users hit, none lost: p = 1/16
    clearly_better = default.copy()
    clearly_better[10:22] = True  # 12 more users hit, one lost: p < 0.01
    clearly_better[0] = False
    much_better = default.copy()
    much_better[10:30] = True

    kept = choose_strategy({"ease": default, "model": slightly_better}, "ease")
    assert kept["chosen"] == "ease" and kept["orderings"]["model"] == {
        "hits": 14, "wins": 4, "losses": 0, "p_value": pytest.approx(1 / 16)}
    assert choose_strategy({"ease": default, "model": clearly_better}, "ease")["chosen"] == "model"
    chosen = choose_strategy({"ease": default, "model": clearly_better, "popular": much_better}, "ease")
    assert chosen["chosen"] == "popular" and chosen["users"] == 40
    assert choose_strategy({"popular": np.zeros(0, bool), "recent_popular": np.zeros(0, bool)},
                           "popular")["chosen"] == "popular"  # no validation users: the default


def test_per_user_hits_match_the_hit_rates(frames):
    result = evaluate(frames, baseline_recommenders()[:2], protocol="both", bootstrap=0, per_user=True)
    for protocol in ("catalogue", "impressions"):
        per_user = result["per_user"][protocol]
        assert len(per_user["user_id"]) == result[protocol]["random"]["overall"]["n_users"]
        popular = result[protocol]["most_popular"]["overall"]["hitrate"]
        assert np.mean(per_user["most_popular"]) == pytest.approx(popular)
        assert min(per_user["interactions_before"]) >= 0


def test_candidates_never_shown_are_sampled_per_like_and_shown_rows_all_kept(frames):
    t1 = LightGBMRecommender().label_window_start(frames, frames.interaction_times().max())
    every = LightGBMRecommender(negatives_per_like=None).training_examples(frames, t1)
    sampled = LightGBMRecommender(negatives_per_like=2).training_examples(frames, t1)

    def rows(examples, mask):
        return set(zip(examples["user"][mask].tolist(), examples["post"][mask].tolist(), strict=True))

    kept = every["label"] | every["shown"]
    assert rows(sampled, sampled["label"] | sampled["shown"]) == rows(every, kept)
    unshown = pd.Series(~(sampled["label"] | sampled["shown"])).groupby(sampled["user"]).sum()
    likes = pd.Series(sampled["label"]).groupby(sampled["user"]).sum()
    assert (unshown <= 2 * likes).all() and unshown.sum() < (~kept).sum()


def test_no_impression_windows_means_no_impression_model(frames):
    model = LightGBMRecommender(impression_windows=0, validate_strategies=False)
    model.fit(frames, frames.interaction_times().max())
    assert model.impression_model is None and model.feed_model is model.model
