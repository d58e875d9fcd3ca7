"""Extract the recommender's data from the product tables in bulk: one query per table, into pandas.

On PostgreSQL each query is streamed with COPY ... TO STDOUT (several times faster than fetching tuples);
elsewhere (the SQLite demo) the same queryset is fetched row-wise. Ids are int64, datetimes tz-aware UTC.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime

import numpy as np
import pandas as pd
from django.db import connection, connections
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Follow, User
from comments.models import Comment
from communities.models import Membership
from messaging.models import Message
from posts.models import Like, Post, PostView, Repost
from socialnet.db import bulk_read_alias

# Columns of each frame that hold timestamps; before(t) cuts every frame that has a "ts" column.
TS_COLUMNS = {
    "users": ["joined_at"],
    "posts": ["created_at"],
    "views": ["ts"],
    "likes": ["ts"],
    "follows": ["ts"],
    "memberships": ["ts"],
    "messages": ["ts"],
    "comments": ["ts"],
    "reposts": ["ts"],
}
ID_COLUMNS = {"user_id", "post_id", "author_id", "follower_id", "followee_id", "sender_id", "recipient_id"}
PAIR_COLUMNS = ["user_id", "post_id", "ts"]
TEXT_COLUMNS = {"gender", "country", "city", "occupation", "os", "source", "topic", "text"}
POST_COLUMNS = ["post_id", "author_id", "topic", "community_id", "created_at", "text"]
_POST_FIELDS = ("id", "author_id", "topic__name", "community_id", "created_at", "text")


@dataclass
class Frames:
    users: pd.DataFrame  # user_id, gender, age, country, city, occupation, os, source, joined_at
    posts: pd.DataFrame  # post_id, author_id, topic, community_id, created_at, text (removed posts excluded)
    views: pd.DataFrame  # user_id, post_id, ts
    likes: pd.DataFrame  # user_id, post_id, ts
    follows: pd.DataFrame  # follower_id, followee_id, ts
    memberships: pd.DataFrame  # user_id, community_id, ts (joined; banned members excluded)
    messages: pd.DataFrame  # sender_id, recipient_id, ts (one row per message per other participant)
    comments: pd.DataFrame  # user_id, post_id, ts (deleted comments excluded)
    reposts: pd.DataFrame  # user_id, post_id, ts

    def before(self, t: datetime) -> Frames:
        """What was known at t: time-stamped rows with ts < t, posts created at or before t (users all kept)."""
        t = pd.Timestamp(t).tz_convert("UTC") if pd.Timestamp(t).tzinfo else pd.Timestamp(t, tz="UTC")
        cut = {}
        for field in fields(self):
            frame = getattr(self, field.name)
            if "ts" in frame.columns:
                frame = frame[frame["ts"] < t]
            elif field.name == "posts":
                frame = frame[frame["created_at"] <= t]
            cut[field.name] = frame.reset_index(drop=True)
        return Frames(**cut)

    def interaction_times(self) -> pd.Series:
        """Timestamps of the feed log (views and likes): what the evaluation cutoff is a quantile of."""
        return pd.concat([self.views["ts"], self.likes["ts"]], ignore_index=True)


def _frame_from_queryset(queryset: QuerySet, columns: list[str]) -> pd.DataFrame:
    """Run one values_list queryset (on its database) and return its rows as a DataFrame with these columns."""
    reader = connections[queryset.db]
    if reader.vendor == "postgresql":
        sql, params = queryset.query.sql_with_params()
        with reader.cursor() as cursor:
            bound = cursor.mogrify(sql, params).decode()
            buffer = io.StringIO()
            cursor.copy_expert(f"COPY ({bound}) TO STDOUT WITH (FORMAT csv)", buffer)
        buffer.seek(0)
        if not buffer.getvalue():
            return pd.DataFrame({name: pd.Series(dtype=object) for name in columns})
        # Everything as text first: keep_default_na off so "" stays "" and only NULL (unquoted empty) is NaN.
        frame = pd.read_csv(buffer, header=None, names=columns, dtype=str, keep_default_na=False, na_values=[""])
        return frame
    return pd.DataFrame(list(queryset), columns=columns)


def _typed(frame: pd.DataFrame, frame_name: str) -> pd.DataFrame:
    for column in frame.columns:
        if column in ID_COLUMNS:
            frame[column] = pd.to_numeric(frame[column]).astype("int64")
        elif column == "community_id":
            frame[column] = pd.to_numeric(frame[column]).astype("float64")
        elif column in TEXT_COLUMNS:
            frame[column] = frame[column].fillna("").astype(str)
        elif column in TS_COLUMNS[frame_name]:
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def _ages(birth_dates: pd.Series, on: datetime) -> pd.Series:
    born = pd.to_datetime(birth_dates)
    day = pd.Timestamp(on)
    before_birthday = (born.dt.month > day.month) | ((born.dt.month == day.month) & (born.dt.day > day.day))
    return (day.year - born.dt.year - before_birthday.astype(float)).astype("float64")


def load_frames(*, until: datetime | None = None) -> Frames:
    """Extract every frame from the database; with until, only what was known before it (see Frames.before)."""
    alias = bulk_read_alias()

    def read(queryset: QuerySet, columns: list[str]) -> pd.DataFrame:
        return _frame_from_queryset(queryset.using(alias), columns)

    removed_post_ids = Post.objects.filter(removed_at__isnull=False).values("id")
    posts = Post.objects.filter(removed_at__isnull=True)
    views = PostView.objects.exclude(post_id__in=removed_post_ids)
    likes = Like.objects.exclude(post_id__in=removed_post_ids)
    comments = Comment.objects.filter(deleted_at__isnull=True).exclude(post_id__in=removed_post_ids)
    reposts = Repost.objects.exclude(post_id__in=removed_post_ids)
    follows = Follow.objects.all()
    memberships = Membership.objects.filter(is_banned=False)
    messages = Message.objects.all()
    if until is not None:
        posts = posts.filter(created_at__lte=until)
        views = views.filter(viewed_at__lt=until)
        likes = likes.filter(created_at__lt=until)
        comments = comments.filter(created_at__lt=until)
        reposts = reposts.filter(created_at__lt=until)
        follows = follows.filter(created_at__lt=until)
        memberships = memberships.filter(joined_at__lt=until)
        messages = messages.filter(created_at__lt=until)

    user_columns = ["user_id", "gender", "birth_date", "country", "city", "occupation", "os", "source", "joined_at"]
    users = read(
        User.objects.order_by("id").values_list(
            "id", "profile__gender", "profile__birth_date", "profile__country", "profile__city",
            "profile__occupation", "profile__os", "profile__source", "date_joined",
        ),
        user_columns,
    )
    users = _typed(users, "users")
    users.insert(2, "age", _ages(users.pop("birth_date"), until or timezone.now()))

    message_rows = read(
        messages.values_list("sender_id", "conversation__participants__user_id", "created_at"),
        ["sender_id", "recipient_id", "ts"],
    ).dropna(subset=["recipient_id"])

    frames = {
        "users": users,
        "posts": read(posts.order_by("id").values_list(*_POST_FIELDS), POST_COLUMNS),
        "views": read(views.values_list("user_id", "post_id", "viewed_at"), PAIR_COLUMNS),
        "likes": read(likes.values_list("user_id", "post_id", "created_at"), PAIR_COLUMNS),
        "follows": read(
            follows.values_list("follower_id", "followee_id", "created_at"), ["follower_id", "followee_id", "ts"]
        ),
        "memberships": read(
            memberships.values_list("user_id", "community_id", "joined_at"), ["user_id", "community_id", "ts"]
        ),
        "messages": message_rows,
        "comments": read(comments.values_list("author_id", "post_id", "created_at"), PAIR_COLUMNS),
        "reposts": read(reposts.values_list("user_id", "post_id", "created_at"), PAIR_COLUMNS),
    }
    typed = {name: frame if name == "users" else _typed(frame, name) for name, frame in frames.items()}
    typed["memberships"]["community_id"] = typed["memberships"]["community_id"].astype("int64")
    typed["messages"] = typed["messages"][typed["messages"]["sender_id"] != typed["messages"]["recipient_id"]]
    return Frames(**{name: frame.reset_index(drop=True) for name, frame in typed.items()})


def posts_created_after(at: datetime, *, limit: int) -> pd.DataFrame:
    """The newest `limit` visible posts created after `at`, as the posts frame describes them (content only)."""
    newest = Post.objects.filter(removed_at__isnull=True, created_at__gt=at).order_by("-created_at", "-id")
    frame = _frame_from_queryset(newest.using(bulk_read_alias()).values_list(*_POST_FIELDS)[:limit], POST_COLUMNS)
    return _typed(frame, "posts")


def engagement_counts(frames: Frames) -> dict[str, pd.DataFrame]:
    """Comments and reposts summarised for features: per post, per user, and per (user, author) pair.

    Keys: "post" (post_id, comments, reposts), "user" (user_id, comments, reposts),
    "user_author" (user_id, author_id, comments, reposts). Counts are int64, missing pairs absent.
    """
    authors = frames.posts[["post_id", "author_id"]]
    tagged = pd.concat(
        [frames.comments[["user_id", "post_id"]].assign(kind="comments"),
         frames.reposts[["user_id", "post_id"]].assign(kind="reposts")],
        ignore_index=True,
    ).merge(authors, on="post_id", how="left")

    def count_by(keys: list[str]) -> pd.DataFrame:
        table = tagged.dropna(subset=keys).pivot_table(index=keys, columns="kind", aggfunc="size", fill_value=0)
        table = table.reindex(columns=["comments", "reposts"], fill_value=0).astype(np.int64).reset_index()
        table.columns.name = None
        for key in keys:
            table[key] = table[key].astype(np.int64)
        return table

    return {
        "post": count_by(["post_id"]),
        "user": count_by(["user_id"]),
        "user_author": count_by(["user_id", "author_id"]),
    }


COPY_NULL = r"\N"


def daily_spans(times: pd.Series) -> list[tuple[datetime, datetime]]:
    """The first and last of tz-aware times on each UTC day: what a bulk write passes to
    analytics.rollups.days_touched."""
    by_day = times.groupby(times.dt.tz_convert("UTC").dt.date)
    return list(zip(by_day.min(), by_day.max(), strict=True))


def bulk_insert(model, frame: pd.DataFrame, *, batch_rows: int = 200_000) -> int:
    """Insert a DataFrame of rows (columns named by field attname, e.g. "author_id") into a model's table.

    PostgreSQL: COPY FROM STDIN from an in-memory CSV, the fastest bulk path; elsewhere executemany.
    Fields missing from the frame get NULL when nullable, else their default; columns that are not fields
    are ignored. Returns rows written.
    """
    if frame.empty:
        return 0
    frame = frame.copy()
    fields_by_name = {f.attname: f for f in model._meta.concrete_fields}
    for name, field in fields_by_name.items():
        if name in frame.columns:
            continue
        if field.null or field.primary_key:
            continue  # left out of the column list: NULL, or the next id of the sequence
        if (default := field.get_default()) is not None:  # "" for text fields, the declared default otherwise
            frame[name] = default
        else:
            raise ValueError(f"{model.__name__}.{name} needs a value")
    frame = frame[[name for name in fields_by_name if name in frame.columns]]
    for name in frame.columns:
        # Nullable ids arrive as floats (NaN for NULL); the database wants integers.
        if frame[name].dtype.kind == "f" and fields_by_name[name].get_internal_type() != "FloatField":
            frame[name] = frame[name].astype("Int64")
    columns = ", ".join(connection.ops.quote_name(fields_by_name[name].column) for name in frame.columns)
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        for name in frame.columns:
            if isinstance(frame[name].dtype, pd.DatetimeTZDtype):
                # numpy formats ISO 8601 in C; pandas' own CSV formatting of aware datetimes is 10x slower.
                values = frame[name].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
                frame[name] = np.datetime_as_string(values, unit="us", timezone="UTC")
                frame.loc[frame[name] == "NaT", name] = None
        with connection.cursor() as cursor:
            for start in range(0, len(frame), batch_rows):
                buffer = io.StringIO()
                frame.iloc[start:start + batch_rows].to_csv(buffer, index=False, header=False, na_rep=COPY_NULL)
                buffer.seek(0)
                cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{COPY_NULL}')", buffer)
        return len(frame)
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.DatetimeTZDtype):
            # The SQLite backend stores naive UTC text, as Django's own adapter would.
            frame[name] = frame[name].dt.tz_convert(None).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
    placeholders = ", ".join(["%s"] * len(frame.columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", list(rows))
    return len(frame)


def next_ids(model, count: int) -> np.ndarray:
    """Primary keys for rows about to be bulk-inserted with explicit ids (call reset_sequences afterwards)."""
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return np.arange(last + 1, last + 1 + count, dtype=np.int64)


def reset_sequences(models) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequences past them (a no-op on SQLite)."""
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)


@contextmanager
def constraints_rebuilt_in_bulk(*models):
    """Inside a transaction on PostgreSQL: drop the models' foreign keys and plain indexes, rebuild them on exit.

    Django's foreign keys are checked per row at commit (deferred triggers) and every index is updated per row;
    both dominate a million-row COPY. Adding a constraint back validates all rows with one join, and building an
    index sorts once. Primary keys and unique constraints stay, so duplicates are still refused. DDL is
    transactional, so a failure rolls everything back with the data. The tables are locked until commit.
    """
    if connection.vendor != "postgresql":
        yield
        return
    quoted = connection.ops.quote_name
    restore = []
    with connection.cursor() as cursor:
        # Checks still pending from earlier writes in this transaction would block ALTER TABLE.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in models:
            table = model._meta.db_table
            for name, info in connection.introspection.get_constraints(cursor, table).items():
                if info["foreign_key"]:
                    target_table, target_column = info["foreign_key"]
                    cursor.execute(f"ALTER TABLE {quoted(table)} DROP CONSTRAINT {quoted(name)}")
                    column = quoted(info["columns"][0])
                    restore.append(
                        f"ALTER TABLE {quoted(table)} ADD CONSTRAINT {quoted(name)} FOREIGN KEY ({column}) "
                        f"REFERENCES {quoted(target_table)} ({quoted(target_column)}) DEFERRABLE INITIALLY DEFERRED"
                    )
                elif info["index"] and not info["primary_key"] and not info["unique"]:
                    cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
                    # A partitioned table's index is defined "ON ONLY" the parent; rebuilt, it must cover partitions.
                    restore.append(cursor.fetchone()[0].replace(" ON ONLY ", " ON "))
                    cursor.execute(f"DROP INDEX {quoted(name)}")
    yield
    with connection.cursor() as cursor:
        for statement in restore:
            cursor.execute(statement)
