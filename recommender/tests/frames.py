"""Tiny hand-built Frames for evaluation tests (no database)."""

from datetime import UTC, datetime, timedelta

import pandas as pd

from recommender.data import Frames

START = datetime(2024, 1, 1, tzinfo=UTC)


def day(n: float) -> pd.Timestamp:
    return pd.Timestamp(START + timedelta(days=n))


def _events(rows, columns=("user_id", "post_id", "ts")) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(columns))
    for column in columns[:-1]:
        frame[column] = frame[column].astype("int64")
    frame[columns[-1]] = pd.to_datetime(frame[columns[-1]], utc=True)
    return frame


def make_frames(*, posts: dict[int, float], views=(), likes=()) -> Frames:
    """posts: post_id -> creation day; views/likes: (user_id, post_id, day)."""
    post_frame = pd.DataFrame({
        "post_id": pd.Series(list(posts), dtype="int64"),
        "author_id": pd.Series([1000] * len(posts), dtype="int64"),
        "topic": "tech",
        "community_id": float("nan"),
        "created_at": pd.to_datetime([day(d) for d in posts.values()], utc=True),
        "text": "",
    })
    user_ids = sorted({u for u, _, _ in [*views, *likes]})
    users = pd.DataFrame({"user_id": pd.Series(user_ids, dtype="int64"), "age": float("nan")})
    empty_pairs = _events([])
    return Frames(
        users=users,
        posts=post_frame,
        views=_events((u, p, day(d)) for u, p, d in views),
        likes=_events((u, p, day(d)) for u, p, d in likes),
        follows=_events([], ("follower_id", "followee_id", "ts")),
        memberships=_events([], ("user_id", "community_id", "ts")),
        messages=_events([], ("sender_id", "recipient_id", "ts")),
        comments=empty_pairs.copy(),
        reposts=empty_pairs.copy(),
    )
