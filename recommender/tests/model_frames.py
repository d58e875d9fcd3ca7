"""A small synthetic network as Frames (no database): users like posts of their favourite topic far more often,
follow a few authors and like their posts more; the feed that produced the log was random."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from recommender.data import Frames

START = datetime(2024, 1, 1, tzinfo=UTC)
TOPICS = ["sport", "tech", "movie", "politics"]
WORDS = {
    "sport": "match goal team player score league",
    "tech": "software chip phone code startup cloud",
    "movie": "film actor director cinema scene premiere",
    "politics": "vote election minister party law senate",
}


def synthetic_frames(*, users=120, posts=300, days=30, views_per_user=120, seed=0) -> Frames:
    rng = np.random.default_rng(seed)
    user_ids = np.arange(1, users + 1)
    favourite = rng.integers(0, len(TOPICS), users)
    post_ids = np.arange(10_001, 10_001 + posts)
    post_topic = rng.integers(0, len(TOPICS), posts)
    authors = rng.choice(user_ids, posts)
    created = pd.to_datetime([START + timedelta(days=float(d)) for d in rng.uniform(0, days, posts)], utc=True)
    texts = [" ".join(rng.choice(WORDS[TOPICS[t]].split(), 5)) for t in post_topic]
    follows = [(u, int(a)) for u in user_ids for a in rng.choice(user_ids, 3) if a != u]
    followed = set(follows)

    views, likes = [], []
    for index, user in enumerate(user_ids):
        shown = rng.choice(posts, min(views_per_user, posts), replace=False)
        for position in shown:
            ts = created[position] + timedelta(hours=float(rng.uniform(0, 48)))
            views.append((user, post_ids[position], ts))
            probability = 0.04 + 0.4 * (post_topic[position] == favourite[index])
            probability += 0.3 * ((user, int(authors[position])) in followed)
            if rng.random() < probability:
                likes.append((user, post_ids[position], ts + timedelta(minutes=1)))

    def events(rows, columns=("user_id", "post_id", "ts")):
        frame = pd.DataFrame(rows, columns=list(columns))
        for column in columns[:-1]:
            frame[column] = frame[column].astype("int64")
        frame[columns[-1]] = pd.to_datetime(frame[columns[-1]], utc=True)
        return frame

    return Frames(
        users=pd.DataFrame({
            "user_id": user_ids.astype("int64"),
            "gender": rng.choice(["male", "female"], users),
            "age": rng.integers(16, 70, users).astype(float),
            "country": rng.choice(["Russia", "France"], users),
            "city": "", "occupation": "", "os": rng.choice(["iOS", "Android"], users), "source": "ads",
            "joined_at": pd.Timestamp(START),
        }),
        posts=pd.DataFrame({
            "post_id": post_ids.astype("int64"), "author_id": authors.astype("int64"),
            "topic": [TOPICS[t] for t in post_topic], "community_id": np.nan, "created_at": created, "text": texts,
        }),
        views=events(views),
        likes=events(likes),
        follows=events([(f, e, START) for f, e in followed], ("follower_id", "followee_id", "ts")),
        memberships=events([], ("user_id", "community_id", "ts")),
        messages=events([], ("sender_id", "recipient_id", "ts")),
        comments=events([]),
        reposts=events([]),
    )
