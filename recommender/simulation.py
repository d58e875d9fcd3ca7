"""The generator's hidden like model, saved with the network so that simulated traffic reuses it exactly.

P(like | user u shown post p at time t) = sigmoid(
      INTERCEPT + bias[u]
    + TOPIC_WEIGHT * log(n_topics * preference[u, topic[p]])     # taste: f(age group, gender, country) + Dirichlet
    + QUALITY_WEIGHT * quality[p]                                 # some posts are simply better
    + EMBEDDING_WEIGHT * <user_vector[u], post_vector[p]>         # collaborative signal
    + FOLLOW_WEIGHT * [u follows author[p]]
    + MEMBER_WEIGHT * [u is a member of community[p]]
    - DECAY_PER_DAY * min(age of p at t in days, MAX_DECAY_DAYS))
Posts the file does not know (written later in the product) get quality 0 and a zero vector; users it
does not know get the population's mean taste.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, fields
from datetime import datetime

import numpy as np
import pandas as pd
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

STORAGE_PATH = "simulation/hidden_preferences.npz"

INTERCEPT = -2.45
TOPIC_WEIGHT = 1.0
QUALITY_WEIGHT = 0.6
EMBEDDING_WEIGHT = 0.9
FOLLOW_WEIGHT = 1.2
MEMBER_WEIGHT = 0.6
DECAY_PER_DAY = 0.15
MAX_DECAY_DAYS = 14.0
SECONDS_PER_DAY = 86_400.0


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def pair_keys(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """One int64 per (left id, right id) pair, for vectorised membership tests (ids below 2**31)."""
    return (np.asarray(left, dtype=np.int64) << 31) | np.asarray(right, dtype=np.int64)


def sorted_contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    positions = np.clip(np.searchsorted(sorted_keys, keys), 0, len(sorted_keys) - 1)
    return sorted_keys[positions] == keys


@dataclass
class HiddenPreferences:
    topics: np.ndarray  # topic names, the columns of user_topic_preference
    user_ids: np.ndarray  # sorted
    user_topic_preference: np.ndarray  # users x topics, rows sum to 1
    user_vectors: np.ndarray  # users x dims
    user_bias: np.ndarray
    post_ids: np.ndarray  # sorted
    post_topic: np.ndarray  # index into topics
    post_author: np.ndarray
    post_community: np.ndarray  # -1 when not in a community
    post_created: np.ndarray  # Unix seconds
    post_quality: np.ndarray
    post_vectors: np.ndarray
    follow_keys: np.ndarray  # sorted pair_keys(follower, followee)
    member_keys: np.ndarray  # sorted pair_keys(user, community)

    def logit(self, user_index, post_topic, post_author, post_community, post_quality, post_vectors, age_days,
              user_ids) -> np.ndarray:
        """The like logit for aligned arrays; user_index -1 means an unknown user (mean taste, no bias)."""
        known = user_index >= 0
        safe = np.where(known, user_index, 0)
        n_topics = len(self.topics)
        mean_preference = self.user_topic_preference.mean(axis=0)
        topic_known = post_topic >= 0
        safe_topic = np.where(topic_known, post_topic, 0)
        preference = np.where(known, self.user_topic_preference[safe, safe_topic], mean_preference[safe_topic])
        preference = np.where(topic_known, preference, 1.0 / n_topics)
        user_vectors = np.where(known[:, None], self.user_vectors[safe], 0.0)
        bias = np.where(known, self.user_bias[safe], 0.0)
        follows = sorted_contains(self.follow_keys, pair_keys(user_ids, post_author))
        member = (post_community >= 0) & sorted_contains(self.member_keys, pair_keys(user_ids, post_community))
        return (
            INTERCEPT
            + bias
            + TOPIC_WEIGHT * np.log(n_topics * preference)
            + QUALITY_WEIGHT * post_quality
            + EMBEDDING_WEIGHT * np.einsum("ij,ij->i", user_vectors, post_vectors)
            + FOLLOW_WEIGHT * follows
            + MEMBER_WEIGHT * member
            - DECAY_PER_DAY * np.clip(age_days, 0.0, MAX_DECAY_DAYS)
        )

    def like_probability(self, user_id: int, post_ids: np.ndarray, at: datetime) -> np.ndarray:
        """The generator's exact like probability for one user shown these posts at time `at`."""
        post_ids = np.asarray(post_ids, dtype=np.int64)
        return self.pair_probability(np.full(len(post_ids), user_id, dtype=np.int64), post_ids, at)

    def pair_probability(self, user_ids: np.ndarray, post_ids: np.ndarray, at: datetime) -> np.ndarray:
        """like_probability for aligned arrays of (user, post) pairs, all shown at time `at`."""
        user_ids = np.asarray(user_ids, dtype=np.int64)
        post_ids = np.asarray(post_ids, dtype=np.int64)
        user_index = self._index(self.user_ids, user_ids)
        post_index = self._index(self.post_ids, post_ids)
        known = post_index >= 0
        safe = np.where(known, post_index, 0)
        topic = np.where(known, self.post_topic[safe], -1)
        author = np.where(known, self.post_author[safe], -1)
        community = np.where(known, self.post_community[safe], -1)
        created = np.where(known, self.post_created[safe], 0.0)
        quality = np.where(known, self.post_quality[safe], 0.0)
        vectors = np.where(known[:, None], self.post_vectors[safe], 0.0)
        if not known.all():
            topic, author, community, created = self._posts_from_database(post_ids, known, topic, author, community,
                                                                          created)
        age_days = (pd.Timestamp(at).timestamp() - created) / SECONDS_PER_DAY
        return sigmoid(self.logit(user_index, topic, author, community, quality, vectors, age_days, user_ids))

    def _posts_from_database(self, post_ids, known, topic, author, community, created):
        from posts.models import Post

        rows = Post.objects.filter(id__in=post_ids[~known].tolist()).values_list(
            "id", "topic__name", "author_id", "community_id", "created_at"
        )
        topic_index = {name: i for i, name in enumerate(self.topics.tolist())}
        by_id = {row[0]: row[1:] for row in rows}
        topic, author, community, created = topic.copy(), author.copy(), community.copy(), created.copy()
        for i in np.flatnonzero(~known):
            if int(post_ids[i]) not in by_id:
                continue
            name, author_id, community_id, created_at = by_id[int(post_ids[i])]
            topic[i] = topic_index.get(name, -1)
            author[i] = author_id
            community[i] = -1 if community_id is None else community_id
            created[i] = created_at.timestamp()
        return topic, author, community, created

    @staticmethod
    def _index(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
        if len(sorted_ids) == 0:
            return np.full(len(ids), -1)
        positions = np.clip(np.searchsorted(sorted_ids, ids), 0, len(sorted_ids) - 1)
        return np.where(sorted_ids[positions] == ids, positions, -1)

    def save(self) -> str:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **{f.name: getattr(self, f.name) for f in fields(self)})
        if default_storage.exists(STORAGE_PATH):
            default_storage.delete(STORAGE_PATH)
        return default_storage.save(STORAGE_PATH, ContentFile(buffer.getvalue()))

    @classmethod
    def load(cls) -> HiddenPreferences | None:
        """The preferences of the last generated network, or None when no network was generated."""
        if not default_storage.exists(STORAGE_PATH):
            return None
        with default_storage.open(STORAGE_PATH, "rb") as file:
            arrays = np.load(io.BytesIO(file.read()), allow_pickle=False)
            return cls(**{f.name: arrays[f.name] for f in fields(cls)})


class OracleRecommender:
    """Orders impressions by the true like probability at the cutoff: the ceiling a model can approach."""

    name = "oracle"
    protocols = ("impressions",)

    def __init__(self, hidden: HiddenPreferences):
        self.hidden = hidden

    def fit(self, train, cutoff) -> None:
        """Knows the hidden model already; learns nothing from data."""

    def score(self, pairs: pd.DataFrame, at: datetime) -> np.ndarray:
        return self.hidden.pair_probability(pairs["user_id"].to_numpy(), pairs["post_id"].to_numpy(), at)
