import io

import numpy as np
import pytest

from recommender.baselines import baseline_recommenders
from recommender.evaluation import evaluate
from recommender.ranker import LightGBMRecommender

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
