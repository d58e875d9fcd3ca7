"""Reads behind the dashboard, the analytics API and experiment results.

Everything is aggregated in PostgreSQL (date_trunc, count distinct, grouping sets, bitmaps) so that the cost does
not grow with Python loops over rows; the results are small tables, cached by date range. Active users, retention,
the feed and experiment results read settled days from the daily roll-ups and the other days live
(analytics/rollups.py).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.db import connections, transaction

from accounts.models import Profile, User
from communities.models import Community
from messaging.models import Message
from posts.models import Like, Post, Topic
from socialnet.db import bulk_read_alias

from . import rollups
from .models import Experiment

CACHE_SECONDS = 300


@dataclass(frozen=True)
class Table:
    """One result table: JSON-ready cells (dates as ISO strings, rates as floats)."""

    name: str
    title: str
    columns: list[str]
    rows: list[list]


def _fetch(sql: str, params: dict) -> list[tuple]:
    """Run one report query. Reports aggregate up to millions of rows: give them memory to hash and sort in RAM,
    and skip JIT compilation, which costs more than it saves on queries of a second or two."""
    alias = bulk_read_alias()
    connection = connections[alias]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _bounds(start: date, end: date) -> dict:
    """The inclusive day range as half-open UTC datetimes."""
    range_start, range_end = rollups.day_bounds(start, end)
    return {"start": range_start, "end": range_end, "first_day": start, "last_day": end}


HEADLINE_WINDOWS = {"DAU (last day)": 1, "WAU (last 7 days)": 7, "MAU (last 30 days)": 30}


def _bits_set(column: str, count: int) -> str:
    """SQL counting, for each of bits 0..count-1 of column, the rows that have it set."""
    return ", ".join(f"count(*) FILTER (WHERE {column} & {1 << bit}::bigint <> 0)" for bit in range(count))


def _activity_calendar(start: date, end: date, headline_week: date) -> tuple[list[date], list[date], list[tuple]]:
    """The range's weeks and months (bit i of a user's bitmap stands for the i-th), and one row per week read:
    (week, its bit, its days in the range, and for each of the at most two months it touches: the month's bit and
    the week's days in that month and the range; then where the week's days go in the bigint of days since
    headline_week, or None before it)."""
    range_days = rollups.days_between(start, end)
    weeks = sorted(rollups.week_masks(range_days))
    months = sorted({day.replace(day=1) for day in range_days})
    calendar = []
    for week in sorted(rollups.week_masks(rollups.days_between(min(start, headline_week), end))):
        month_days: dict[date, int] = {}  # the week's days in the range, per month
        for day in (week + timedelta(days=n) for n in range(7)):
            if start <= day <= end:
                month_days[day.replace(day=1)] = month_days.get(day.replace(day=1), 0) | 1 << day.weekday()
        week_bit = 1 << weeks.index(week) if month_days else 0
        (month_bit_1, month_days_1), (month_bit_2, month_days_2), *_ = [
            (1 << months.index(month), days) for month, days in month_days.items()
        ] + [(0, 0), (0, 0)]
        week_days = sum(month_days.values())
        recent_shift = (week - headline_week).days if week >= headline_week else None
        calendar.append((week, week_bit, week_days, month_bit_1, month_days_1, month_bit_2, month_days_2, recent_shift))
    return weeks, months, calendar


def activity_tables(start: date, end: date) -> list[Table]:
    """Distinct active users (anyone with a recorded action) per day, week and month, and headline DAU/WAU/MAU.

    One pass over the ActiveUserWeek rows folds each user's weeks into bitmaps of the range's weeks and months
    and of the days of the headline windows (see _activity_calendar), so that a user counts once per week, month
    and window; users per day are counted per week."""
    headline_week = rollups.week_start(end - timedelta(days=max(HEADLINE_WINDOWS.values()) - 1))
    weeks, months, calendar = _activity_calendar(start, end, headline_week)
    active_weeks, params = rollups.active_weeks_sql(min(start, headline_week), end, using=bulk_read_alias())
    headline_masks = [sum(1 << ((end - headline_week).days - n) for n in range(w)) for w in HEADLINE_WINDOWS.values()]
    columns = list(zip(*calendar, strict=True))
    rows = _fetch(
        f"""
        WITH active_weeks AS ({active_weeks}),
        calendar (week, week_bit, week_days, month_bit_1, month_days_1, month_bit_2, month_days_2, recent_shift) AS (
            SELECT * FROM unnest(%(c0)s::date[], %(c1)s::bigint[], %(c2)s::int[], %(c3)s::int[], %(c4)s::int[],
                                 %(c5)s::int[], %(c6)s::int[], %(c7)s::int[])
        ), users AS (
            SELECT bit_or(CASE WHEN a.days & c.week_days <> 0 THEN c.week_bit END) AS weeks,
                   bit_or(CASE WHEN a.days & c.month_days_1 <> 0 THEN c.month_bit_1 END) AS months_1,
                   bit_or(CASE WHEN a.days & c.month_days_2 <> 0 THEN c.month_bit_2 END) AS months_2,
                   bit_or(a.days::bigint << c.recent_shift) AS recent_days
            FROM active_weeks a JOIN calendar c ON c.week = a.week
            GROUP BY a.user_id
        )
        -- Rolled-up and live rows of one user and week have disjoint days: users per weekday are counted rows.
        SELECT 'weekdays', week, ARRAY[{_bits_set("days", 7)}] FROM active_weeks GROUP BY week
        UNION ALL
        SELECT 'users', NULL, ARRAY[
            {_bits_set("weeks", len(weeks))},
            {_bits_set("COALESCE(months_1, 0) | COALESCE(months_2, 0)", len(months))},
            {", ".join(f"count(*) FILTER (WHERE recent_days & {mask} <> 0)" for mask in headline_masks)}
        ] FROM users
        """,
        {**params, **{f"c{index}": list(column) for index, column in enumerate(columns)}},
    )
    counts = next(counts for kind, _, counts in rows if kind == "users")
    wau, mau, headline = counts[: len(weeks)], counts[len(weeks) : len(weeks) + len(months)], counts[-3:]
    dau, _, last_30 = headline
    return [
        Table(
            "active_headline",
            f"Active users up to {end.isoformat()}",
            ["metric", "users"],
            [*map(list, zip(HEADLINE_WINDOWS, headline, strict=True)), ["DAU/MAU", _ratio(dau, last_30)]],
        ),
        Table(
            "dau",
            "Daily active users",
            ["day", "users"],
            sorted(
                [_iso(week + timedelta(days=weekday)), users]
                for kind, week, counts in rows
                if kind == "weekdays"
                for weekday, users in enumerate(counts)
                if users and start <= week + timedelta(days=weekday) <= end
            ),
        ),
        Table(
            "wau",
            "Weekly active users (weeks starting)",
            ["week", "users"],
            [[_iso(week), users] for week, users in zip(weeks, wau, strict=True) if users],
        ),
        Table(
            "mau",
            "Monthly active users",
            ["month", "users"],
            [[_iso(month), users] for month, users in zip(months, mau, strict=True) if users],
        ),
    ]


def signup_tables(start: date, end: date) -> list[Table]:
    rows = _fetch(
        f"""
        WITH signups AS (
            SELECT (u.date_joined AT TIME ZONE 'UTC')::date AS day,
                   COALESCE(NULLIF(p.source, ''), 'unknown') AS source,
                   COALESCE(NULLIF(p.os, ''), 'unknown') AS os
            FROM {User._meta.db_table} u LEFT JOIN {Profile._meta.db_table} p ON p.user_id = u.id
            WHERE u.date_joined >= %(start)s AND u.date_joined < %(end)s
        )
        SELECT day, source, os, count(*) FROM signups
        GROUP BY GROUPING SETS ((day), (source), (os))
        ORDER BY day, count(*) DESC
        """,
        _bounds(start, end),
    )
    return [
        Table("signups_daily", "New users per day", ["day", "users"], [[_iso(d), n] for d, _, _, n in rows if d]),
        Table("signups_source", "New users by source", ["source", "users"], [[s, n] for _, s, _, n in rows if s]),
        Table("signups_os", "New users by OS", ["os", "users"], [[o, n] for _, _, o, n in rows if o]),
    ]


def content_tables(start: date, end: date) -> list[Table]:
    rows = _fetch(
        f"""
        WITH created AS (
            SELECT 'posts' AS kind, created_at FROM {Post._meta.db_table}
                WHERE created_at >= %(start)s AND created_at < %(end)s
            UNION ALL SELECT 'likes', created_at FROM {Like._meta.db_table}
                WHERE created_at >= %(start)s AND created_at < %(end)s
            UNION ALL SELECT 'messages', created_at FROM {Message._meta.db_table}
                WHERE created_at >= %(start)s AND created_at < %(end)s
            UNION ALL SELECT 'communities', created_at FROM {Community._meta.db_table}
                WHERE created_at >= %(start)s AND created_at < %(end)s
        ), per_day AS (
            SELECT (created_at AT TIME ZONE 'UTC')::date AS day, kind, count(*) AS n FROM created GROUP BY 1, 2
        )
        SELECT d::date,
               COALESCE(sum(n) FILTER (WHERE kind = 'posts'), 0),
               COALESCE(sum(n) FILTER (WHERE kind = 'likes'), 0),
               COALESCE(sum(n) FILTER (WHERE kind = 'messages'), 0),
               COALESCE(sum(n) FILTER (WHERE kind = 'communities'), 0)
        FROM generate_series(%(first_day)s::date, %(last_day)s::date, interval '1 day') AS d
        LEFT JOIN per_day ON per_day.day = d::date
        GROUP BY d ORDER BY d
        """,
        _bounds(start, end),
    )
    return [
        Table(
            "content_daily",
            "Created per day",
            ["day", "posts", "likes", "messages", "communities"],
            [[_iso(d), int(p), int(lk), int(m), int(c)] for d, p, lk, m, c in rows],
        )
    ]


def topic_tables(start: date, end: date) -> list[Table]:
    rows = _fetch(
        f"""
        WITH topic_posts AS (
            SELECT topic_id, count(*) AS posts FROM {Post._meta.db_table}
            WHERE created_at >= %(start)s AND created_at < %(end)s GROUP BY topic_id
        ), topic_likes AS (
            SELECT p.topic_id, count(*) AS likes
            FROM {Like._meta.db_table} l JOIN {Post._meta.db_table} p ON p.id = l.post_id
            WHERE l.created_at >= %(start)s AND l.created_at < %(end)s GROUP BY p.topic_id
        )
        SELECT t.name, COALESCE(tp.posts, 0), COALESCE(tl.likes, 0),
               rank() OVER (ORDER BY COALESCE(tl.likes, 0) DESC, COALESCE(tp.posts, 0) DESC)
        FROM {Topic._meta.db_table} t
        LEFT JOIN topic_posts tp ON tp.topic_id = t.id
        LEFT JOIN topic_likes tl ON tl.topic_id = t.id
        WHERE tp.posts IS NOT NULL OR tl.likes IS NOT NULL
        ORDER BY 4, t.name
        LIMIT 20
        """,
        _bounds(start, end),
    )
    return [
        Table(
            "top_topics",
            "Top topics by likes",
            ["rank", "topic", "likes", "posts"],
            [[r, name, likes, posts] for name, posts, likes, r in rows],
        )
    ]


def retention_tables(start: date, end: date) -> list[Table]:
    """Weekly sign-up cohorts: the share of each cohort active (any recorded action) in week 0, 1, ... after joining.
    A cohort's size and its active users per week come as separate rows (week_number NULL for the size)."""
    active_weeks, params = rollups.active_weeks_sql(start, end, using=bulk_read_alias())
    rows = _fetch(
        f"""
        WITH cohort AS (
            SELECT id AS user_id, date_trunc('week', date_joined AT TIME ZONE 'UTC')::date AS cohort_week
            FROM {User._meta.db_table}
            WHERE date_joined >= %(start)s AND date_joined < %(end)s
        )
        SELECT cohort_week, NULL AS week_number, count(*) FROM cohort GROUP BY cohort_week
        UNION ALL
        SELECT c.cohort_week, (a.week - c.cohort_week) / 7, count(DISTINCT a.user_id)
        FROM ({active_weeks}) AS a JOIN cohort c ON c.user_id = a.user_id AND a.week >= c.cohort_week
        GROUP BY 1, 2
        """,
        {**params, **_bounds(start, end)},
    )
    sizes = {cohort_week: users for cohort_week, week_number, users in rows if week_number is None}
    weeks = max((week_number for _, week_number, _ in rows if week_number is not None), default=0)
    cohorts = {week: [_iso(week), size] + [0.0] * (weeks + 1) for week, size in sorted(sizes.items())}
    for cohort_week, week_number, users in rows:
        if week_number is not None:
            cohorts[cohort_week][2 + week_number] = round(100 * users / sizes[cohort_week], 1)
    return [
        Table(
            "retention",
            "Retention of weekly sign-up cohorts (% active in week N after joining)",
            ["cohort_week", "users"] + [f"week_{n}" for n in range(weeks + 1)],
            list(cohorts.values()),
        )
    ]


def feed_tables(start: date, end: date) -> list[Table]:
    """Online hitrate@5 (share of pages with a like within the hour) and CTR (liked impressions / impressions)."""
    feed_days, params = rollups.feed_days_sql(start, end, using=bulk_read_alias())
    rows = _fetch(
        f"""
        WITH feed_days AS ({feed_days})
        SELECT CASE WHEN GROUPING(day) = 0 THEN 'day' WHEN GROUPING(model_version) = 0 THEN 'model'
                    ELSE 'experiment' END AS cut,
               day, model_version, experiment, experiment_group,
               sum(pages), sum(hits), sum(impressions), sum(liked_impressions)
        FROM feed_days
        GROUP BY GROUPING SETS ((day), (model_version), (experiment, experiment_group))
        ORDER BY cut, day, model_version, experiment, experiment_group
        """,
        params,
    )
    names = dict(Experiment.objects.filter(id__in={r[3] for r in rows if r[3]}).values_list("id", "name"))
    metric_columns = ["pages", "hits", "hitrate_at_5", "impressions", "liked_impressions", "ctr"]

    def metrics(pages, hits, impressions, liked):
        pages, hits, impressions, liked = int(pages), int(hits), int(impressions), int(liked)
        return [pages, hits, _ratio(hits, pages), impressions, liked, _ratio(liked, impressions)]

    return [
        Table(
            "feed_daily",
            "Feed per day",
            ["day"] + metric_columns,
            [[_iso(r[1])] + metrics(*r[5:]) for r in rows if r[0] == "day"],
        ),
        Table(
            "feed_model",
            "Feed per model version (none: random or fallback feed)",
            ["model_version"] + metric_columns,
            [[r[2] if r[2] is not None else "none"] + metrics(*r[5:]) for r in rows if r[0] == "model"],
        ),
        Table(
            "feed_experiment",
            "Feed per experiment group",
            ["experiment", "group"] + metric_columns,
            [[names.get(r[3], r[3] or "none"), r[4] or "none"] + metrics(*r[5:]) for r in rows if r[0] == "experiment"],
        ),
    ]


METRICS = {
    "activity": activity_tables,
    "signups": signup_tables,
    "content": content_tables,
    "topics": topic_tables,
    "retention": retention_tables,
    "feed": feed_tables,
}


def metric_tables(*, metric: str, start: date, end: date, refresh: bool = False) -> list[Table]:
    """One metric's tables for a day range, cached for a few minutes (key by metric and range).

    refresh recomputes and re-caches: analytics.tasks.dashboard_warm does it for the default range before the
    cached copy expires, so the dashboard opens from cache. The key carries rollups.dashboard_cache_version, which
    rollup_invalidate replaces: read before computing, so that tables computed from rows that an invalidating write
    then changes are stored under the old version, which nobody reads any more."""
    version = rollups.dashboard_cache_version()
    key = f"analytics:metric:{version}:{metric}:{start.isoformat()}:{end.isoformat()}"
    tables = None if refresh else cache.get(key)
    if tables is None:
        tables = METRICS[metric](start, end)
        cache.set(key, tables, CACHE_SECONDS)
    return tables


def dashboard_tables(*, start: date, end: date, refresh: bool = False) -> dict[str, list[Table]]:
    return {metric: metric_tables(metric=metric, start=start, end=end, refresh=refresh) for metric in METRICS}


def table_by_name(*, name: str, start: date, end: date) -> Table | None:
    for tables in dashboard_tables(start=start, end=end).values():
        for table in tables:
            if table.name == name:
                return table
    return None


def experiment_bucket_stats(*, experiment: Experiment, test_buckets: int) -> list[dict]:
    """Per group and hash bucket of an experiment: users, pages, hits, impressions, liked impressions.

    The bucket is the user's assignment bucket (analytics.experiments.assignment_bucket, recomputed here in SQL)
    modulo test_buckets, so users spread evenly over the buckets of each group. Settled days come from the
    ExperimentUserDay roll-up, the others live (analytics/rollups.py); each user's days are summed first, so that a
    user counts once and is hashed once.
    """
    if experiment.started_at is None:
        return []
    user_days, params = rollups.experiment_user_days_sql(
        experiment=experiment.pk,
        started=experiment.started_at,
        stopped=experiment.stopped_at,
        using=bulk_read_alias(),
    )
    rows = _fetch(
        f"""
        WITH users AS (
            SELECT experiment_group, user_id, sum(pages) AS pages, sum(hits) AS hits,
                   sum(impressions) AS impressions, sum(liked_impressions) AS liked
            FROM ({user_days}) AS user_days
            GROUP BY experiment_group, user_id
        )
        SELECT experiment_group,
               ('x' || substr(encode(sha256(convert_to(%(salt)s || ':' || user_id::text, 'UTF8')), 'hex'), 1, 15))
                   ::bit(60)::bigint %% 10000 %% %(test_buckets)s AS bucket,
               count(*), sum(pages), sum(hits), sum(impressions), sum(liked)
        FROM users
        GROUP BY 1, 2
        ORDER BY 1, 2
        """,
        {**params, "salt": experiment.salt, "test_buckets": test_buckets},
    )
    return [
        {
            "group": group,
            "bucket": bucket,
            "users": users,
            "pages": int(pages),
            "hits": int(hits),
            "impressions": int(impressions),
            "liked_impressions": int(liked),
        }
        for group, bucket, users, pages, hits, impressions, liked in rows
    ]


def experiment_list():
    return Experiment.objects.select_related("control_model_version", "treatment_model_version")
