"""The LightGBM ranker: candidates from several sources, ordered by a gradient-boosted like-probability model.

Training never looks past the cutoff it is given: features come from data before t1, labels from likes in
[t1, cutoff), and the number of trees is chosen by early stopping on users held out of that same window.
"""

import copy
import logging
import math
import os
from dataclasses import asdict, replace
from datetime import datetime

import joblib
import lightgbm as lgb
import numpy as np
import pandas as pd
from django.utils import timezone
from scipy.stats import binomtest

from .candidates import CandidateMix, candidate_posts
from .data import POST_COLUMNS, Frames
from .evaluation import make_split, top_k_excluding
from .features import (
    CATEGORICAL_FEATURES,
    FEATURE_NAMES,
    POST_NUMERIC,
    PROFILE_CATEGORIES,
    USER_NUMERIC,
    FeatureTables,
    build_tables,
    pair_features,
    row_entries,
)

logger = logging.getLogger(__name__)

DEFAULT_PARAMS = {
    # At most 200 trees at 0.1: the same hit rates as 400 at 0.05 at medium with fewer than half the trees to fit
    # and to score (docs/PERFORMANCE.md).
    "n_estimators": 200,
    "learning_rate": 0.1,
    "num_leaves": 31,
    "min_child_samples": 40,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    # Threads for fitting: every core of the training machine (OMP_WAIT_POLICY=PASSIVE keeps idle threads
    # from spinning against web processes; see socialnet/settings.py).
    "n_jobs": int(os.environ.get("RECOMMENDER_TRAINING_THREADS", os.cpu_count() or 1)),
}
EARLY_STOPPING_ROUNDS = 30
PROMOTION_K = 5  # the k the catalogue orderings are validated at (the promotion metric's)
VALIDATION_USER_SHARE = 0.2
PREDICT_CHUNK = 200_000
# Catalogue orderings per segment. Each segment keeps its default unless validation shows another ordering clearly
# better: all-time popularity for people without history (what the literature and the baselines suggest), the
# portfolio below for people with history (EASE, the strongest simple collaborative method in published comparisons,
# hedged with a second view of taste and recent popularity; the learned model has to earn its place on validation).
WARM_STRATEGIES = ("portfolio", "ease", "model", "recent_popular", "popular")
COLD_STRATEGIES = ("popular", "recent_popular")
DEFAULT_STRATEGIES = {"warm": "portfolio", "cold": "popular"}
# The portfolio fills the k places in turn from these orderings, each skipping posts already placed: a hit needs one
# liked post among k, so hedging across two views of the person's taste and what is liked now beats betting all k
# places on one. Chosen on MovieLens development folds that precede both test windows (docs/warm_orderings.py).
PORTFOLIO = ("ease", "seen_like", "ease", "seen_like", "recent_popular")
# Validation cutoffs, as shares of the training interactions before the end, whose per-user hits are pooled.
VALIDATION_SHARES = (0.1, 0.2, 0.3)
# People whose orderings are compared per validation split (a seeded sample beyond it): ordering the catalogue for
# every liker of a large network three times over cost more than the rest of training. 3,000 pooled people still
# separate a clear winner (the 5k network's model: 38 hits vs the default's 2 of 2,942).
VALIDATION_MAX_USERS = 1000
# An ordering replaces the default when a one-sided sign test on the users only one of them hits gives p below this.
CLEAR_WIN_P = 0.05

# A served page gives one topic at most this share (at least 2) of every SPREAD_BLOCK places while other topics have
# candidates.
TOPIC_SHARE_PER_PAGE = 0.4
SPREAD_BLOCK = 5

# Features that explain a recommendation, and the reason shown for each; user-only features explain nothing.
REASONS = {
    "follows_author": "from someone you follow",
    "in_community": "from a community you joined",
    "messaged_author": "from someone you talk to",
    "engaged_author": "from someone you talk to",
    "liked_author": "from an author you liked before",
    "viewed_author": "from an author you liked before",
    "text_similarity": "similar to posts you liked",
    "colike_score": "liked by people with similar taste",
    "topic": "because you like {topic}",
    "topic_like_share": "because you like {topic}",
    "topic_like_rate": "because you like {topic}",
    "cohort_like_share": "popular with people like you",
    "cohort_like_rate": "popular with people like you",
    "cohort_topic_rate": "popular with people like you",
    "user_topic_lift": "because you like {topic}",
    "expected_like_rate": "because you like {topic}",
    "residual_score": "liked by people with similar taste",
    "post_age_hours": "new in {topic}",
}
DEFAULT_REASON = "popular in {topic}"
# These explain a post only when they are present (a zero "follows" cannot be why a post was shown).
PRESENCE_FEATURES = ("follows_author", "in_community", "messaged_author", "engaged_author", "liked_author")
_NOT_REASONS = set(PROFILE_CATEGORIES) | set(USER_NUMERIC)


def interactions_quantile(frames: Frames, share: float) -> pd.Timestamp:
    """The interaction time below which `share` of the interactions (views and likes) fall: an actual event time."""
    times = frames.interaction_times().sort_values(ignore_index=True)
    if times.empty:
        raise ValueError("no interactions before the cutoff to train on")
    return times.iloc[int((len(times) - 1) * share)]


def choose_strategy(hits: dict[str, np.ndarray], default: str) -> dict:
    """The default ordering unless another is clearly better on the same validation users (a one-sided sign test
    on the users exactly one of the two hits, p < CLEAR_WIN_P); among clear winners the most hits win.

    hits: ordering -> 0/1 hit per validation user, in the same user order for every ordering.
    """
    orderings = {}
    for strategy, strategy_hits in hits.items():
        wins = int((strategy_hits & ~hits[default]).sum())
        losses = int((~strategy_hits & hits[default]).sum())
        p_value = float(binomtest(wins, wins + losses, 0.5, alternative="greater").pvalue) if wins + losses else 1.0
        orderings[strategy] = {"hits": int(strategy_hits.sum()), "wins": wins, "losses": losses, "p_value": p_value}
    clear = [s for s in hits if s != default and orderings[s]["p_value"] < CLEAR_WIN_P]
    return {
        "chosen": max(clear, key=lambda s: orderings[s]["hits"]) if clear else default,
        "default": default,
        "users": int(len(hits[default])),
        "orderings": orderings,
    }


def _posts_by_user(events: pd.DataFrame) -> dict[int, np.ndarray]:
    return {int(user): posts.to_numpy(np.int64) for user, posts in events.groupby("user_id")["post_id"]}


def best_positions(positions: np.ndarray, values: np.ndarray, tiebreak: np.ndarray, limit: int) -> np.ndarray:
    """The `limit` of these (ascending) positions with the highest values, best first; equal values by the higher
    tiebreak, then the lower position: the head of a full lexsort, sorting only what can be in it."""
    if limit < len(positions):
        candidate_values = values[positions]
        kth = np.partition(candidate_values, len(positions) - limit)[len(positions) - limit]
        positions = positions[candidate_values >= kth]  # the limit best, and every post tied with the last of them
    return positions[np.lexsort((-tiebreak[positions], -values[positions]))][:limit]


def interleave(orders: list[np.ndarray], k: int) -> np.ndarray:
    """k distinct items: place i takes the first item of orders[i % len(orders)] not placed yet; an exhausted
    ordering yields its places to the next ones."""
    placed: list = []
    taken = set()
    cursors = [0] * len(orders)
    while len(placed) < k:
        progressed = False
        for slot, order in enumerate(orders):
            while cursors[slot] < len(order) and order[cursors[slot]] in taken:
                cursors[slot] += 1
            if cursors[slot] < len(order):
                placed.append(order[cursors[slot]])
                taken.add(order[cursors[slot]])
                progressed = True
                if len(placed) == k:
                    break
        if not progressed:
            break
    return np.asarray(placed, dtype=np.int64)


def spread_page(order: np.ndarray, authors: np.ndarray, topics: np.ndarray, k: int) -> np.ndarray:
    """The first k of `order` (positions, best first), spread over people and topics: a post waits while its author
    is already placed or its topic already holds TOPIC_SHARE_PER_PAGE of the current block of SPREAD_BLOCK places (a
    screen; the feed over-fetches and may cut anywhere); waiting posts fill what a block has left, in their order, so
    the result is never shorter than the candidates allow."""
    remaining = [int(position) for position in order]
    placed: list[int] = []
    placed_authors: set = set()
    while len(placed) < k and remaining:
        size = min(SPREAD_BLOCK, k - len(placed))
        per_topic = max(2, math.ceil(size * TOPIC_SHARE_PER_PAGE))
        block, waiting, topic_counts = [], [], {}
        for position in remaining:
            author, topic = authors[position], topics[position]
            if len(block) < size and author not in placed_authors and topic_counts.get(topic, 0) < per_topic:
                block.append(position)
                placed_authors.add(author)
                topic_counts[topic] = topic_counts.get(topic, 0) + 1
            else:
                waiting.append(position)
        fill = waiting[: size - len(block)]
        placed.extend(block + fill)
        remaining = waiting[len(fill):]
    return np.asarray(placed, dtype=np.int64)


class LightGBMRecommender:
    """Implements recommender.evaluation.Recommender, plus rank_user() for serving and save()/load()."""

    name = "lightgbm"

    def __init__(
        self,
        *,
        params: dict | None = None,
        label_window_share: float = 0.2,
        impression_windows: int = 6,
        impression_window_share: float = 0.1,
        mix: CandidateMix | None = None,
        max_training_users: int = 4000,
        negatives_per_like: int | None = 20,
        validate_strategies: bool = True,
        seed: int = 0,
        progress=None,
    ):
        self.params = {**DEFAULT_PARAMS, **(params or {})}
        self.label_window_share = label_window_share
        self.impression_windows = impression_windows
        self.impression_window_share = impression_window_share
        self.mix = mix or CandidateMix()
        self.max_training_users = max_training_users
        self.negatives_per_like = negatives_per_like
        self.validate_strategies = validate_strategies
        # How the catalogue is ordered for people with history (warm) and without (cold); fit() picks them.
        self.catalogue_strategies = dict(DEFAULT_STRATEGIES)
        self.seed = seed
        # A callable(iterable, desc) -> iterable (e.g. tqdm) to show progress; not kept in the artifact.
        self.progress = progress
        self.model: lgb.LGBMClassifier | None = None  # P(liked | candidate): orders the catalogue
        self.impression_model: lgb.LGBMClassifier | None = None  # P(liked | shown), when the log allows
        self.tables: FeatureTables | None = None
        self.fit_info: dict = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        state["progress"] = None
        return state

    def config(self) -> dict:
        return {
            "params": self.params,
            "label_window_share": self.label_window_share,
            "impression_windows": self.impression_windows,
            "impression_window_share": self.impression_window_share,
            "mix": asdict(self.mix),
            "max_training_users": self.max_training_users,
            "negatives_per_like": self.negatives_per_like,
            "validate_strategies": self.validate_strategies,
            "seed": self.seed,
        }

    def _iterate(self, items, desc: str):
        return self.progress(items, desc) if self.progress else items

    # Training ---------------------------------------------------------------------------------------------

    def label_window_start(self, train: Frames, cutoff: datetime) -> pd.Timestamp:
        return interactions_quantile(train, 1 - self.label_window_share)

    def training_examples(self, train: Frames, t1: pd.Timestamp) -> dict[str, np.ndarray]:
        """Rows for users who liked something in [t1, cutoff): their candidates at t1 plus what they were shown
        and liked in the window, labelled 1 when liked.

        Features use interactions before t1 only; posts created in the window are known by their content (as
        they would be when served), with no interactions yet.
        """
        tables = build_tables(replace(train.before(t1), posts=train.posts), t1, orderings=False)
        window_likes = train.likes[train.likes["ts"] >= t1]
        window_views = train.views[train.views["ts"] >= t1].drop_duplicates(["user_id", "post_id"])
        users = np.unique(window_likes["user_id"].to_numpy(np.int64))
        rng = np.random.default_rng(self.seed)
        if len(users) > self.max_training_users:
            users = np.sort(rng.choice(users, self.max_training_users, replace=False))
        liked_by = _posts_by_user(window_likes)
        shown_to = _posts_by_user(window_views)
        rows = {"user": [], "post": [], "label": [], "shown": []}
        for user_id in self._iterate(users, "training candidates"):
            user = int(tables.user_index([user_id])[0])
            liked = tables.post_index(liked_by[user_id])
            liked = liked[liked >= 0]
            if not len(liked):
                continue
            allowed = np.ones(len(tables.post_ids), dtype=bool)
            allowed[row_entries(tables.seen, user)[0]] = False
            shown = tables.post_index(shown_to.get(user_id, np.zeros(0, np.int64)))
            shown = shown[shown >= 0]
            posts = np.unique(np.concatenate([candidate_posts(tables, user, allowed, self.mix), shown, liked]))
            posts = posts[allowed[posts]]
            label, was_shown = np.isin(posts, liked), np.isin(posts, shown)
            # Candidates never shown are easy negatives, hundreds per like: a sample of them teaches the ordering
            # as well and fits many times faster (docs/PERFORMANCE.md); shown and liked rows are all kept.
            unshown = np.flatnonzero(~label & ~was_shown)
            quota = None if self.negatives_per_like is None else self.negatives_per_like * int(label.sum())
            if quota is not None and len(unshown) > quota:
                sampled = rng.choice(unshown, quota, replace=False)
                keep = np.sort(np.concatenate([np.flatnonzero(label | was_shown), sampled]))
                posts, label, was_shown = posts[keep], label[keep], was_shown[keep]
            rows["user"].append(np.full(len(posts), user))
            rows["post"].append(posts)
            rows["label"].append(label)
            rows["shown"].append(was_shown)
        if not rows["user"]:
            raise ValueError("no likes in the label window: not enough data to train")
        rows = {name: np.concatenate(parts) for name, parts in rows.items()}
        # Shown rows are described at the time they were shown, the others at the window start.
        shown_at = pd.DataFrame({
            "user": tables.user_index(window_views["user_id"]), "post": tables.post_index(window_views["post_id"]),
            "time": window_views["ts"].astype("int64").to_numpy() / 1e9,
        })
        times = pd.DataFrame({"user": rows["user"], "post": rows["post"]}).merge(shown_at, on=["user", "post"],
                                                                                  how="left")["time"]
        rows["time"] = times.fillna(t1.value / 1e9).to_numpy()
        rows["features"] = pair_features(tables, rows["user"], rows["post"], rows["time"])
        return rows

    def impression_window_starts(self, train: Frames, cutoff: datetime) -> list[pd.Timestamp]:
        """Starts of consecutive label windows that end at the cutoff, each a share of the training interactions."""
        times = train.interaction_times().sort_values(ignore_index=True)
        shares = 1 - self.impression_window_share * np.arange(self.impression_windows, 0, -1)
        return [times.iloc[int((len(times) - 1) * share)] for share in shares if share > 0]

    def impression_examples(self, train: Frames, cutoff: datetime) -> dict[str, np.ndarray]:
        """(user, shown post) rows of several consecutive windows before the cutoff, labelled 1 when liked.

        Each window's features come from data before its start (posts known by content from their creation),
        so every row looks like a feed page scored with a model trained at the window start.
        """
        cutoff = pd.Timestamp(cutoff)
        starts = self.impression_window_starts(train, cutoff)
        parts = []
        for start, end in zip(starts, [*starts[1:], cutoff], strict=True):
            tables = build_tables(replace(train.before(start), posts=train.posts), start, orderings=False)
            in_window = (train.views["ts"] >= start) & (train.views["ts"] < end)
            shown = train.views[in_window].sort_values("ts").drop_duplicates(["user_id", "post_id"])
            likes = train.likes[(train.likes["ts"] >= start) & (train.likes["ts"] < cutoff)]
            liked = likes[["user_id", "post_id"]].drop_duplicates()
            shown = shown.merge(liked.assign(label=1), on=["user_id", "post_id"], how="left")
            users, posts = tables.user_index(shown["user_id"]), tables.post_index(shown["post_id"])
            known = posts >= 0
            parts.append({
                "user": users[known],
                "label": shown["label"].notna().to_numpy()[known],
                "features": pair_features(tables, users[known], posts[known],
                                          shown["ts"].astype("int64").to_numpy()[known] / 1e9),
            })
        return {name: np.concatenate([part[name] for part in parts]) for name in ("user", "label", "features")}

    def fit(self, train: Frames, cutoff: datetime) -> None:
        validation = None
        if self.validate_strategies:
            validation = self.compare_orderings(train)
            self.catalogue_strategies = {segment: validation[segment]["chosen"] for segment in ("warm", "cold")}
        t1, rows, catalogue_info = self._fit_catalogue(train, cutoff)
        # A feed log (most impressions not liked) supports a second model of P(like | shown), which is what a
        # feed page needs and what the impressions protocol measures; otherwise one model serves both.
        shown = rows["shown"]
        self.impression_model, impression_info = None, None
        if self.impression_windows and shown.sum() > 2 * rows["label"][shown].sum() > 0:
            impressions = self.impression_examples(train, cutoff)
            self.impression_model, impression_info = self._train(
                impressions["features"], impressions["label"], impressions["user"], refit=True
            )
        self.fit_info = {
            "label_window_start": t1.isoformat(),
            "cutoff": pd.Timestamp(cutoff).isoformat(),
            "training_rows": int(len(rows["label"])),
            "training_positives": int(rows["label"].sum()),
            "training_users": int(len(np.unique(rows["user"]))),
            "catalogue_model": catalogue_info,
            "impression_model": impression_info,
            "catalogue_strategies": dict(self.catalogue_strategies),
            "strategy_validation": validation,
        }

    def _fit_catalogue(self, train: Frames, cutoff: datetime) -> tuple[pd.Timestamp, dict, dict]:
        """The catalogue model and the tables at the cutoff: all that recommend() needs."""
        t1 = self.label_window_start(train, cutoff)
        rows = self.training_examples(train, t1)
        self.model, info = self._train(rows["features"], rows["label"], rows["user"], refit=False)
        self.refresh_tables(train, cutoff)
        return t1, rows, info

    def refresh_tables(self, frames: Frames, at: datetime) -> None:
        """Describe people and posts as known at `at` (features and candidate sources), keeping the fitted trees
        and orderings: how a model fitted at an earlier cutoff serves with everything logged since."""
        self.tables = build_tables(frames, at)

    def compare_orderings(self, train: Frames, shares=VALIDATION_SHARES) -> dict:
        """Compare the catalogue orderings of warm and of cold users on validation splits inside `train`, and
        choose one per segment (choose_strategy).

        Each split is the catalogue protocol's own, with its cutoff at each share (by default 10%, 20% and 30%) of
        the interactions before the end of `train`: a copy of the catalogue model is fitted before it, and every
        ordering's per-user hits@5 are measured on the likes after it, pooled over the splits. Only `train` is read.
        """
        hits = {strategy: {"warm": [], "cold": []} for strategy in WARM_STRATEGIES}
        cutoffs = []
        for share in shares:
            fold_cutoff = interactions_quantile(train, 1 - share)
            if fold_cutoff in cutoffs:  # a short log: two shares fall on the same event
                continue
            split = make_split(train, fold_cutoff)
            users = np.unique(split.liked_after["user_id"].to_numpy(np.int64))
            if not len(users):
                continue
            if len(users) > VALIDATION_MAX_USERS:
                users = np.sort(np.random.default_rng(self.seed).choice(users, VALIDATION_MAX_USERS, replace=False))
            cutoffs.append(fold_cutoff)
            inner = LightGBMRecommender(**{**self.config(), "mix": self.mix, "validate_strategies": False})
            inner._fit_catalogue(split.train, fold_cutoff)
            seen = split.seen_before[split.seen_before["user_id"].isin(users)]
            exclude = {int(u): set(p.tolist()) for u, p in seen.groupby("user_id")["post_id"]}
            liked = split.liked_after.groupby("user_id")["post_id"].agg(set)
            warm = np.isin(users, split.warm_user_ids)
            for strategy in WARM_STRATEGIES:
                cold_strategy = strategy if strategy in COLD_STRATEGIES else DEFAULT_STRATEGIES["cold"]
                lists = inner.recommend(users, fold_cutoff, PROMOTION_K, exclude, split.eligible_post_ids,
                                        strategies={"warm": strategy, "cold": cold_strategy})
                user_hits = np.array([bool(liked[u] & set(lists[int(u)])) for u in users])
                hits[strategy]["warm"].append(user_hits[warm])
                hits[strategy]["cold"].append(user_hits[~warm])
        pooled = {strategy: {segment: np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
                             for segment, parts in by_segment.items()} for strategy, by_segment in hits.items()}
        choices = {segment: choose_strategy({s: pooled[s][segment] for s in options}, DEFAULT_STRATEGIES[segment])
                   for segment, options in (("warm", WARM_STRATEGIES), ("cold", COLD_STRATEGIES))}
        return {"cutoffs": [pd.Timestamp(c).isoformat() for c in cutoffs], **choices}

    def _train(self, features: np.ndarray, labels: np.ndarray, users: np.ndarray, *, refit: bool):
        """Fit with early stopping on held-out users (20%); with refit, fit again on all users with that many trees.

        Measured on a 1,500-user generated network (evaluate, both protocols): refitting the impression model
        gave impressions hitrate@5 0.829 vs 0.817 without; refitting the catalogue model changed nothing (0.017)
        and doubled the largest fit, so only the impression model is refitted.
        """
        rng = np.random.default_rng(self.seed)
        unique_users = np.unique(users)
        validation = np.isin(users, unique_users[rng.random(len(unique_users)) < VALIDATION_USER_SHARE])
        trees, validation_auc, model = self.params["n_estimators"], None, None
        if labels[validation].any() and labels[~validation].any() and not labels[validation].all():
            probe = self._classifier(self.params)
            probe.fit(
                features[~validation], labels[~validation],
                eval_X=(features[validation],), eval_y=(labels[validation],), eval_metric="auc",
                callbacks=[lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)],
                **self._lgb_fit_kwargs(),
            )
            trees = max(int(probe.best_iteration_ or trees), 10)
            validation_auc = float(probe.best_score_["valid_0"]["auc"])
            model = probe
        if model is None or refit:
            model = self._classifier({**self.params, "n_estimators": trees})
            model.fit(features, labels, **self._lgb_fit_kwargs())
        return model, {"rows": int(len(labels)), "positives": int(labels.sum()), "trees": trees,
                       "validation_auc": validation_auc}

    def _classifier(self, params: dict) -> lgb.LGBMClassifier:
        return lgb.LGBMClassifier(**params, random_state=self.seed, verbose=-1)

    def _lgb_fit_kwargs(self) -> dict:
        return {"feature_name": list(FEATURE_NAMES), "categorical_feature": list(CATEGORICAL_FEATURES)}

    @property
    def feed_model(self) -> lgb.LGBMClassifier:
        """The model that orders a feed page: P(like | shown) when trained, else the catalogue model."""
        return self.impression_model or self.model

    def feature_importance(self) -> dict[str, float]:
        gains = self.feed_model.booster_.feature_importance(importance_type="gain")
        return dict(sorted(zip(FEATURE_NAMES, gains.tolist(), strict=True), key=lambda item: -item[1]))

    # Scoring ----------------------------------------------------------------------------------------------

    @staticmethod
    def _predict(model: lgb.LGBMClassifier, features: np.ndarray) -> np.ndarray:
        booster = model.booster_
        return np.concatenate(
            [booster.predict(features[i : i + PREDICT_CHUNK]) for i in range(0, max(len(features), 1), PREDICT_CHUNK)]
        )

    def score(self, pairs: pd.DataFrame, at: datetime) -> np.ndarray:
        """Like probability of shown posts.

        Posts newer than the model are described by their content when `pairs` carries it (topic, author_id,
        community_id, created_at, text columns, as a feed request knows them); otherwise they get the median score.
        """
        tables = self.tables
        if set(POST_COLUMNS) <= set(pairs.columns):
            tables = tables.with_posts(pairs[POST_COLUMNS].dropna(subset=["topic"]))
        users = tables.user_index(pairs["user_id"].to_numpy(np.int64))
        posts = tables.post_index(pairs["post_id"].to_numpy(np.int64))
        known = posts >= 0
        scores = np.zeros(len(pairs))
        if known.any():
            scores[known] = self._predict(self.feed_model, pair_features(tables, users[known], posts[known], at))
            scores[~known] = np.median(scores[known])
        return scores

    def _allowed(self, excluded_post_ids, eligible: np.ndarray | None = None) -> np.ndarray:
        allowed = np.ones(len(self.tables.post_ids), dtype=bool) if eligible is None else eligible.copy()
        excluded = self.tables.post_index(np.fromiter(excluded_post_ids, dtype=np.int64))
        allowed[excluded[excluded >= 0]] = False
        return allowed

    def _popularity_order(self, strategy: str, eligible: np.ndarray) -> np.ndarray:
        """Eligible post positions, most liked (all time or recently) first; newer posts first among equals."""
        likes = self.tables.post_numeric[:, POST_NUMERIC.index("likes" if strategy == "popular" else "likes_recent")]
        positions = np.flatnonzero(eligible)
        return positions[np.lexsort((-self.tables.post_ids[positions], -likes[positions]))]

    def _personal_order(self, scores: str, user: int, allowed: np.ndarray, limit: int) -> np.ndarray:
        """The `limit` best allowed post positions by one user's EASE scores ("ease": from likes; "seen_like": from
        everything seen, times the like rate), best first; popularity orders what the scores cannot tell apart (no
        covered history, posts outside the covered set)."""
        values = self.tables.ease_scores(user) if scores == "ease" else self.tables.seen_like_scores(user)
        likes = self.tables.post_numeric[:, POST_NUMERIC.index("likes")]
        return best_positions(np.flatnonzero(allowed), values, likes, limit)

    def recommend(self, user_ids, at, k, exclude, eligible_post_ids, strategies=None) -> dict[int, list[int]]:
        """The k best eligible unseen posts per user: warm users by their segment's validated ordering (the model
        over candidates, EASE, or popularity), users without history by the validated popularity ordering."""
        strategies = strategies or self.catalogue_strategies
        eligible = np.zeros(len(self.tables.post_ids), dtype=bool)
        eligible_positions = self.tables.post_index(eligible_post_ids)
        eligible[eligible_positions[eligible_positions >= 0]] = True
        user_ids = np.asarray(user_ids, dtype=np.int64)
        positions = self.tables.user_index(user_ids)
        has_history = self.tables.user_numeric[positions, USER_NUMERIC.index("user_views")] > 0
        result = {}
        orders = {}
        row_users, row_posts, owners = [], [], []
        for user_id, user, warm in self._iterate(list(zip(user_ids, positions, has_history, strict=True)),
                                                 "recommending"):
            strategy = strategies["warm" if warm else "cold"]
            excluded = exclude.get(int(user_id), ())
            if strategy in ("popular", "recent_popular"):
                if strategy not in orders:
                    orders[strategy] = self.tables.post_ids[self._popularity_order(strategy, eligible)]
                result[int(user_id)] = top_k_excluding(orders[strategy], [user_id], k, exclude)[int(user_id)]
                continue
            allowed = self._allowed(excluded, eligible)
            if strategy == "ease":
                order = self._personal_order("ease", int(user), allowed, k)
                result[int(user_id)] = self.tables.post_ids[order].tolist()
                continue
            if strategy == "portfolio":
                if "recent_popular" not in orders:
                    orders["recent_popular"] = self._popularity_order("recent_popular", eligible)
                recent = orders["recent_popular"]
                # Each ordering fills at most k places, skipping at most k - 1 placed posts: 2k of it suffice.
                sources = {"ease": self._personal_order("ease", int(user), allowed, 2 * k),
                           "seen_like": self._personal_order("seen_like", int(user), allowed, 2 * k),
                           "recent_popular": recent[allowed[recent]][:2 * k]}
                result[int(user_id)] = self.tables.post_ids[interleave([sources[s] for s in PORTFOLIO], k)].tolist()
                continue
            posts = candidate_posts(self.tables, int(user), allowed, self.mix)
            row_users.append(np.full(len(posts), user))
            row_posts.append(posts)
            owners.append(np.full(len(posts), user_id))
        if row_posts and sum(len(p) for p in row_posts):
            users_arr, posts_arr, owner_arr = map(np.concatenate, (row_users, row_posts, owners))
            scores = self._predict(self.model, pair_features(self.tables, users_arr, posts_arr, at))
            order = np.lexsort((-scores, owner_arr))
            ranked = pd.DataFrame({"user_id": owner_arr[order], "post_id": self.tables.post_ids[posts_arr[order]]})
            for user_id, posts in ranked.groupby("user_id", sort=False)["post_id"]:
                result[int(user_id)] = posts.to_numpy()[:k].tolist()
        return {int(u): result.get(int(u), []) for u in user_ids}

    # Serving ----------------------------------------------------------------------------------------------

    def rank_user(self, *, user_id: int, k: int, exclude_post_ids) -> tuple[list[int], dict[int, str]]:
        """The k best posts for one user now, skipping excluded ones, with a reason for each."""
        user = int(self.tables.user_index([user_id])[0])
        posts = candidate_posts(self.tables, user, self._allowed(exclude_post_ids), self.mix)
        if not len(posts):
            return [], {}
        features = pair_features(self.tables, np.full(len(posts), user), posts, timezone.now())
        scores = self.feed_model.booster_.predict(features)
        top = spread_page(np.argsort(-scores), self.tables.post_author[posts], self.tables.post_topic[posts], k)
        post_ids = self.tables.post_ids[posts[top]].tolist()
        reasons = self.reasons(features[top], posts[top])
        return post_ids, dict(zip(post_ids, reasons, strict=True))

    def with_posts(self, posts: pd.DataFrame) -> "LightGBMRecommender":
        """A copy that can also rank these posts, created after training and known by their content only."""
        fresh = copy.copy(self)
        fresh.tables = self.tables.with_posts(posts)
        return fresh

    def reasons(self, features: np.ndarray, posts: np.ndarray) -> list[str]:
        """A short reason per row from its strongest positive feature contributions (SHAP values)."""
        contributions = self.feed_model.booster_.predict(features, pred_contrib=True)[:, : len(FEATURE_NAMES)]
        grouped: dict[str, np.ndarray] = {}
        for column, name in enumerate(FEATURE_NAMES):
            if name in _NOT_REASONS:
                continue
            value = contributions[:, column].copy()
            if name in PRESENCE_FEATURES:
                value[features[:, column] <= 0] = 0
            template = REASONS.get(name, DEFAULT_REASON)
            grouped[template] = grouped.get(template, 0) + value
        templates = list(grouped)
        strongest = np.stack([grouped[t] for t in templates], axis=1)
        topics = self.tables.topics[self.tables.post_topic[posts]]
        reasons = []
        for row, topic in zip(strongest, topics, strict=True):
            template = templates[int(np.argmax(row))] if row.max() > 0 else DEFAULT_REASON
            reasons.append(template.format(topic=topic or "your feed"))
        return reasons

    def save(self, path_or_file) -> None:
        joblib.dump(self, path_or_file, compress=3)

    @classmethod
    def load(cls, path_or_file) -> "LightGBMRecommender":
        loaded = joblib.load(path_or_file)
        if not isinstance(loaded, cls):
            raise TypeError(f"expected a {cls.__name__}, got {type(loaded).__name__}")
        return loaded
