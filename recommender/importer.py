"""Import users.csv, posts.csv and feed.csv (DESIGN.md section 3) into the product's tables.

Everything is read and validated first (vectorised with pandas), then written in one transaction with the
bulk path (COPY on PostgreSQL). External ids are kept, so a re-run skips what is already there.
"""

from __future__ import annotations

import csv
import secrets
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from accounts.models import Profile, User
from analytics.rollups import days_touched, rollup_invalidate
from communities.models import Community
from posts.models import POST_MAX_LENGTH, Like, Post, PostView, Topic
from recommender.data import _frame_from_queryset, bulk_insert, constraints_rebuilt_in_bulk, daily_spans
from socialnet.db import statistics_refresh

IMPORTER_USERNAME = "importer"
MAX_FIELD_LENGTH = 200  # every field but a post's text
READ_CHUNK_ROWS = 250_000
GENDERS = {"male": "male", "m": "male", "1": "male", "female": "female", "f": "female", "0": "female",
           "other": "other", "": ""}
OS_NAMES = {choice.lower(): choice for choice in Profile.OS.values}
SOURCES = {choice.lower(): choice for choice in Profile.Source.values}
ACTIONS = {"view", "like"}

FILES = {
    "users.csv": {"required": ["user_id"], "optional": ["gender", "age", "country", "city", "occupation", "os",
                                                       "source"]},
    "posts.csv": {"required": ["post_id", "text", "topic"], "optional": ["author_id", "created_at", "community"]},
    "feed.csv": {"required": ["timestamp", "user_id", "post_id", "action"], "optional": []},
}


class DatasetError(Exception):
    """The data cannot be imported as it is; the message names the file, line and problem."""


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)  # (file, reason) -> rows
    feed_rows: int = 0


def _read_csv(path: Path, *, progress: bool) -> pd.DataFrame:
    spec = FILES[path.name]
    if not path.exists():
        raise DatasetError(f"{path.name}: file not found in {path.parent}")
    with open(path, "rb") as file:
        head = file.readline()
        file.seek(0, 2)
        size = file.tell()
        file.seek(max(0, size - 65536))
        tail = file.read()
    try:
        header = next(csv.reader([head.decode("utf-8-sig")]))
    except (UnicodeDecodeError, StopIteration):
        raise DatasetError(f"{path.name}: line 1: the header is missing or not UTF-8")
    missing = [column for column in spec["required"] if column not in header]
    if missing:
        raise DatasetError(f"{path.name}: line 1: missing required column(s) {', '.join(missing)}")
    last_line = tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1]
    if size > len(head) and not tail.endswith(b"\n"):
        try:
            fields_in_last = len(next(csv.reader([last_line.decode("utf-8", errors="replace")])))
        except (StopIteration, csv.Error):
            fields_in_last = 0
        if fields_in_last < len(header):
            raise DatasetError(f"{path.name}: the last line has {fields_in_last} of {len(header)} fields: "
                               "the file looks truncated")
    columns = [c for c in header if c in spec["required"] + spec["optional"]]
    chunks = []
    try:
        reader = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=columns, encoding="utf-8",
                             encoding_errors="strict", chunksize=READ_CHUNK_ROWS)
        with tqdm(desc=path.name, unit=" rows", file=sys.stderr, disable=not progress) as bar:
            for chunk in reader:
                chunks.append(chunk)
                bar.update(len(chunk))
    except UnicodeDecodeError as error:
        raise DatasetError(f"{path.name}: not UTF-8 text (byte {error.start} of a chunk: {error.reason})")
    except pd.errors.ParserError as error:
        raise DatasetError(f"{path.name}: malformed or truncated CSV: {error}")
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=columns, dtype=str)
    for column in spec["optional"]:
        if column not in frame.columns:
            frame[column] = ""
    if path.name != "feed.csv":  # the feed is ids and times, which the parsers below read with spaces too
        for column in frame.columns:
            frame[column] = frame[column].str.strip()
    frame["line"] = np.arange(len(frame)) + 2  # the header is line 1
    return frame


class _Checks:
    """Collects invalid rows of one file: each check is a boolean mask with a reason."""

    def __init__(self, name: str, frame: pd.DataFrame):
        self.name = name
        self.frame = frame
        self.invalid = pd.Series(False, index=frame.index)
        self.problems: list[tuple[pd.Series, str]] = []

    def add(self, mask: pd.Series, reason: str) -> None:
        mask = mask & ~self.invalid  # one reason per row: the first that applies
        if mask.any():
            self.problems.append((mask, reason))
            self.invalid |= mask

    def finish(self, *, skip_invalid: bool, report: ImportReport) -> pd.DataFrame:
        if not self.problems:
            return self.frame
        if not skip_invalid:
            lines = [(int(self.frame.loc[mask, "line"].min()), reason) for mask, reason in self.problems]
            first_line, reason = min(lines)
            raise DatasetError(f"{self.name}: line {first_line}: {reason} (nothing was imported)")
        for mask, reason in self.problems:
            report.skipped[(self.name, reason)] += int(mask.sum())
        return self.frame[~self.invalid]


def _integers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse integer ids; returns (int64 values with 0 where invalid, invalid mask)."""
    try:  # the common case, all valid: numpy's conversion is ten times faster than to_numeric
        return pd.Series(values.to_numpy().astype(np.int64), index=values.index), pd.Series(False, index=values.index)
    except (ValueError, OverflowError):
        numbers = pd.to_numeric(values, errors="coerce")
    valid = numbers.notna() & (numbers == np.floor(numbers)) & (numbers.abs() < 2**62)
    return numbers.where(valid, 0).astype(np.int64), ~valid


def parse_timestamps(values: pd.Series) -> pd.Series:
    """ISO 8601 or Unix seconds, to UTC; NaT where neither parses."""
    try:  # all Unix seconds: the fast path
        seconds = pd.Series(values.to_numpy().astype(np.float64), index=values.index)
    except ValueError:
        seconds = pd.to_numeric(values, errors="coerce")
    numeric = seconds.notna() & np.isfinite(seconds)
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    if numeric.any():
        result[numeric] = pd.to_datetime(seconds[numeric], unit="s", utc=True)
    text = ~numeric & (values != "")
    if text.any():
        result[text] = pd.to_datetime(values[text], format="ISO8601", utc=True, errors="coerce")
    return result


def _too_long(frame: pd.DataFrame, limits: dict[str, int]) -> list[tuple[pd.Series, str]]:
    return [(frame[column].str.len() > limit, f"field {column} longer than {limit} characters")
            for column, limit in limits.items()]


def validate_users(frame: pd.DataFrame, *, skip_invalid: bool, report: ImportReport) -> pd.DataFrame:
    checks = _Checks("users.csv", frame)
    for mask, reason in _too_long(frame, {c: MAX_FIELD_LENGTH for c in FILES["users.csv"]["optional"]}):
        checks.add(mask, reason)
    frame["external_id"], bad_id = _integers(frame["user_id"])
    checks.add(frame["user_id"] == "", "missing user_id")
    checks.add(bad_id, "user_id is not an integer")
    checks.add(frame["external_id"].duplicated() & ~bad_id, "duplicate user_id")
    frame["gender"] = frame["gender"].str.lower()
    checks.add(~frame["gender"].isin(list(GENDERS)), "unknown gender")
    age = pd.to_numeric(frame["age"], errors="coerce")
    checks.add((frame["age"] != "") & ~age.between(0, 120), "age is not a number between 0 and 120")
    frame["age_years"] = age
    return checks.finish(skip_invalid=skip_invalid, report=report)


def validate_posts(frame, known_user_ids: set, *, skip_invalid: bool, report: ImportReport) -> pd.DataFrame:
    checks = _Checks("posts.csv", frame)
    for mask, reason in _too_long(frame, {"text": POST_MAX_LENGTH, "topic": 50, "community": 100}):
        checks.add(mask, reason)
    frame["external_id"], bad_id = _integers(frame["post_id"])
    checks.add(frame["post_id"] == "", "missing post_id")
    checks.add(bad_id, "post_id is not an integer")
    checks.add(frame["external_id"].duplicated() & ~bad_id, "duplicate post_id")
    checks.add(frame["text"] == "", "missing text")
    checks.add(frame["topic"] == "", "missing topic")
    author, bad_author = _integers(frame["author_id"])
    has_author = frame["author_id"] != ""
    checks.add(has_author & bad_author, "author_id is not an integer")
    checks.add(has_author & ~author.isin(known_user_ids), "unknown author_id")
    frame["author_external_id"] = author.where(has_author)
    frame["created"] = parse_timestamps(frame["created_at"])
    checks.add((frame["created_at"] != "") & frame["created"].isna(), "unparsable created_at")
    return checks.finish(skip_invalid=skip_invalid, report=report)


def validate_feed(frame, known_user_ids: set, known_post_ids: set, *, skip_invalid, report) -> pd.DataFrame:
    checks = _Checks("feed.csv", frame)
    checks.add(frame["action"].str.len() > MAX_FIELD_LENGTH, f"field action longer than {MAX_FIELD_LENGTH} characters")
    frame["ts"] = parse_timestamps(frame["timestamp"])
    checks.add(frame["timestamp"] == "", "missing timestamp")
    checks.add(frame["ts"].isna(), "unparsable timestamp")
    # Few distinct actions: normalise each distinct value once, not the million rows.
    frame["action"] = frame["action"].map({value: value.strip().lower() for value in frame["action"].unique()})
    checks.add(~frame["action"].isin(ACTIONS), "unknown action (expected view or like)")
    frame["user_external_id"], bad_user = _integers(frame["user_id"])
    frame["post_external_id"], bad_post = _integers(frame["post_id"])
    checks.add(bad_user, "user_id is not an integer")
    checks.add(bad_post, "post_id is not an integer")
    checks.add(~frame["user_external_id"].isin(np.fromiter(known_user_ids, np.int64)), "unknown user")
    unknown_post = ~frame["post_external_id"].isin(np.fromiter(known_post_ids, np.int64))
    checks.add(unknown_post & (frame["action"] == "like"), "like for an unknown post")
    checks.add(unknown_post, "view for an unknown post")
    return checks.finish(skip_invalid=skip_invalid, report=report)


def _external_ids(model) -> pd.Series:
    """external_id -> id of the rows already imported."""
    rows = model.objects.filter(external_id__isnull=False).values_list("external_id", "id")
    frame = _frame_from_queryset(rows, ["external_id", "id"]).astype(np.int64)
    return frame.set_index("external_id")["id"]


def _write_users(users: pd.DataFrame, existing: pd.Series, reference_year: int) -> int:
    new = users[~users["external_id"].isin(existing.index)]
    now = timezone.now()
    bulk_insert(User, pd.DataFrame({
        "username": "u" + new["external_id"].astype(str),
        # Unusable passwords (Django's "!" prefix): imported people cannot log in until they reset it.
        "password": ["!" + secrets.token_hex(20) for _ in range(len(new))],
        "is_superuser": False, "is_staff": False, "is_active": True, "first_name": "", "last_name": "",
        "email": "", "date_joined": now, "external_id": new["external_id"].to_numpy(),
    }))
    ids = _external_ids(User)
    birth_year = reference_year - new["age_years"]
    bulk_insert(Profile, pd.DataFrame({
        "user_id": new["external_id"].map(ids).to_numpy(),
        "gender": new["gender"].map(GENDERS).to_numpy(),
        # Age as of the year of the last feed event, so ages stay true to the data set's own time.
        "birth_date": [None if np.isnan(y) else date(int(y), 1, 1) for y in birth_year],
        "country": new["country"].to_numpy(), "city": new["city"].to_numpy(),
        "occupation": new["occupation"].to_numpy(),
        "os": new["os"].str.lower().map(OS_NAMES).fillna(Profile.OS.OTHER).where(new["os"] != "", "").to_numpy(),
        "source": new["source"].str.lower().map(SOURCES).fillna(Profile.Source.OTHER).where(new["source"] != "", "")
        .to_numpy(),
        "display_name": "", "bio": "",
    }))
    return len(new)


def _write_posts(posts: pd.DataFrame, feed: pd.DataFrame, user_ids: pd.Series) -> int:
    new = posts[~posts["external_id"].isin(_external_ids(Post).index)]
    if new.empty:
        return 0
    topics = {name: Topic.objects.get_or_create(name=name)[0].pk for name in new["topic"].unique()}
    communities = {}
    for name, topic in new.loc[new["community"] != "", ["community", "topic"]].drop_duplicates("community").values:
        community, _ = Community.objects.get_or_create(
            slug=slugify(name)[:100] or "community", defaults={"name": name[:100], "topic_id": topics[topic]}
        )
        communities[name] = community.pk
    author_ids = new["author_external_id"].map(user_ids)
    if author_ids.isna().any():
        importer, created = User.objects.get_or_create(username=IMPORTER_USERNAME)
        if created:
            importer.set_unusable_password()
            importer.save(update_fields=["password"])
        author_ids = author_ids.fillna(importer.pk)
    # No creation time: the first interaction (DESIGN.md: eligibility then starts there), else the import time.
    first_seen = feed.groupby("post_external_id")["ts"].min()
    created = new["created"].fillna(new["external_id"].map(first_seen)).fillna(pd.Timestamp(timezone.now()))
    bulk_insert(Post, pd.DataFrame({
        "author_id": author_ids.astype(np.int64).to_numpy(),
        "text": new["text"].to_numpy(),
        "topic_id": new["topic"].map(topics).to_numpy(),
        "community_id": new["community"].map(communities).astype(float).to_numpy(),
        "created_at": created.to_numpy(), "updated_at": created.to_numpy(),
        "external_id": new["external_id"].to_numpy(),
    }))
    return len(new)


def _anti_join(frame: pd.DataFrame, existing: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    merged = frame.merge(existing[keys].drop_duplicates(), on=keys, how="left", indicator=True)
    return merged[merged["_merge"] == "left_only"].drop(columns="_merge")


def _write_feed(feed: pd.DataFrame, user_ids: pd.Series, post_ids: pd.Series) -> tuple[int, int]:
    events = pd.DataFrame({
        "user_id": feed["user_external_id"].map(user_ids).to_numpy(np.int64),
        "post_id": feed["post_external_id"].map(post_ids).to_numpy(np.int64),
        "ts": feed["ts"].array,  # keeps the tz-aware dtype; to_numpy() would box a million Timestamps
        "action": feed["action"].to_numpy(),
    })
    views = events.loc[events["action"] == "view", ["user_id", "post_id", "ts"]]
    likes = events.loc[events["action"] == "like", ["user_id", "post_id", "ts"]]
    likes = likes.sort_values("ts").drop_duplicates(["user_id", "post_id"])
    # A like implies a view: add one at the like's time when the pair was not viewed by then.
    first_view = views.groupby(["user_id", "post_id"], as_index=False)["ts"].min().rename(columns={"ts": "first"})
    implied = likes.merge(first_view, on=["user_id", "post_id"], how="left")
    implied = implied.loc[~(implied["first"] <= implied["ts"]), ["user_id", "post_id", "ts"]]
    views = pd.concat([views, implied], ignore_index=True)

    post_list = np.unique(events["post_id"]).tolist()
    existing_views = _frame_from_queryset(
        PostView.objects.filter(source=PostView.Source.IMPORT, post_id__in=post_list)
        .values_list("user_id", "post_id", "viewed_at"), ["user_id", "post_id", "ts"])
    existing_likes = _frame_from_queryset(
        Like.objects.filter(post_id__in=post_list).values_list("user_id", "post_id"), ["user_id", "post_id"])
    if not existing_views.empty:
        existing_views = existing_views.astype({"user_id": np.int64, "post_id": np.int64})
        existing_views["ts"] = pd.to_datetime(existing_views["ts"], utc=True, format="ISO8601")
        views = _anti_join(views, existing_views, ["user_id", "post_id", "ts"])
    if not existing_likes.empty:
        likes = _anti_join(likes, existing_likes.astype(np.int64), ["user_id", "post_id"])
    with constraints_rebuilt_in_bulk(PostView, Like):
        written_views = bulk_insert(PostView, views.rename(columns={"ts": "viewed_at"}).assign(
            source=PostView.Source.IMPORT, experiment_group="", fallback_reason=""))
        written_likes = bulk_insert(Like, likes.rename(columns={"ts": "created_at"}))
    return written_views, written_likes


def import_dataset(directory, *, skip_invalid: bool = False, progress: bool = True) -> ImportReport:
    """Validate the three files completely, then import them in one transaction (raises DatasetError)."""
    directory = Path(directory)
    report = ImportReport()
    users_raw = _read_csv(directory / "users.csv", progress=progress)
    posts_raw = _read_csv(directory / "posts.csv", progress=progress)
    feed_raw = _read_csv(directory / "feed.csv", progress=progress)
    report.feed_rows = len(feed_raw)

    users = validate_users(users_raw, skip_invalid=skip_invalid, report=report)
    existing_users = _external_ids(User)
    known_users = set(users["external_id"].tolist()) | set(existing_users.index.tolist())
    posts = validate_posts(posts_raw, known_users, skip_invalid=skip_invalid, report=report)
    known_posts = set(posts["external_id"].tolist()) | set(_external_ids(Post).index.tolist())
    feed = validate_feed(feed_raw, known_users, known_posts, skip_invalid=skip_invalid, report=report)

    reference_year = feed["ts"].max().year if len(feed) else timezone.now().year
    with transaction.atomic():
        # Imported views are in no roll-up (source "import"); imported likes can make hits of feed pages shown before.
        rollup_invalidate(days=days_touched(daily_spans(feed.loc[feed["action"] == "like", "ts"])))
        report.created["users"] = _write_users(users, existing_users, reference_year)
        user_ids = _external_ids(User)
        report.created["posts"] = _write_posts(posts, feed, user_ids)
        report.created["views"], report.created["likes"] = _write_feed(feed, user_ids, _external_ids(Post))
    statistics_refresh([User, Profile, Post, PostView, Like])
    return report


def movielens_to_import_format(source, target) -> None:
    """Convert a MovieLens folder (ratings.csv, movies.csv) to the import format, as a real-data check:
    a rating is a view, a rating of 4 or more also a like; title + genres is the text, the first genre the topic."""
    source, target = Path(source), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    ratings = pd.read_csv(source / "ratings.csv")
    movies = pd.read_csv(source / "movies.csv")
    pd.DataFrame({"user_id": np.unique(ratings["userId"])}).to_csv(target / "users.csv", index=False)
    pd.DataFrame({
        "post_id": movies["movieId"],
        "text": movies["title"] + " " + movies["genres"].str.replace("|", " ", regex=False),
        "topic": movies["genres"].str.split("|").str[0].str.lower(),
    }).to_csv(target / "posts.csv", index=False)
    views = pd.DataFrame({"timestamp": ratings["timestamp"], "user_id": ratings["userId"],
                          "post_id": ratings["movieId"], "action": "view"})
    likes = views[ratings["rating"] >= 4].assign(action="like")
    pd.concat([views, likes]).sort_values("timestamp", kind="stable").to_csv(target / "feed.csv", index=False)
