"""Reads behind the dashboard, the analytics API and experiment results.

Everything is aggregated in PostgreSQL (date_trunc, count distinct, grouping sets, window functions) so that
the cost does not grow with Python loops over rows; the results are small tables, cached by date range.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

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
WEEKDAY_USERS = ", ".join(f"count(*) FILTER (WHERE a.days & {1 << weekday} <> 0)" for weekday in range(7))


def activity_tables(start: date, end: date) -> list[Table]:
    """Distinct active users (anyone with a recorded action) per day, week and month, and headline DAU/WAU/MAU.

    Reads ActiveUserWeek masks: the range's days of each week and of each month (a week may straddle two) are
    masks too, computed here. The headline windows end on the last day; they fit in one bigint per user, bit i
    being the i-th day from the Monday of the longest window."""
    headline_week = rollups.week_start(end - timedelta(days=max(HEADLINE_WINDOWS.values()) - 1))
    range_weeks = rollups.week_masks(rollups.days_between(start, end))
    range_months: dict[tuple[date, date], int] = {}
    for day in rollups.days_between(start, end):
        key = (day.replace(day=1), rollups.week_start(day))
        range_months[key] = range_months.get(key, 0) | 1 << day.weekday()
    headline_users = ", ".join(
        f"count(*) FILTER (WHERE days & {sum(1 << ((end - headline_week).days - n) for n in range(window))} <> 0)"
        for window in HEADLINE_WINDOWS.values()
    )
    active_weeks, params = rollups.active_weeks_sql(min(start, headline_week), end, using=bulk_read_alias())
    rows = _fetch(
        f"""
        WITH active_weeks AS ({active_weeks}),
        range_weeks (week, days) AS (SELECT * FROM unnest(%(range_weeks)s::date[], %(range_week_masks)s::int[])),
        range_months (month, week, days) AS (
            SELECT * FROM unnest(%(range_months)s::date[], %(range_month_weeks)s::date[], %(range_month_masks)s::int[])
        )
        -- Rolled-up and live rows of one user and week have disjoint days: count users per weekday with count(*).
        SELECT 'week', a.week, ARRAY[count(DISTINCT a.user_id), {WEEKDAY_USERS}]
        FROM active_weeks a JOIN range_weeks r ON r.week = a.week AND a.days & r.days <> 0
        GROUP BY a.week
        UNION ALL
        SELECT 'month', m.month, ARRAY[count(DISTINCT a.user_id)]
        FROM active_weeks a JOIN range_months m ON m.week = a.week AND a.days & m.days <> 0
        GROUP BY m.month
        UNION ALL
        SELECT 'headline', %(end)s, ARRAY[{headline_users}]
        FROM (
            SELECT user_id, bit_or(days::bigint << (week - %(headline_week)s)) AS days
            FROM active_weeks WHERE week >= %(headline_week)s GROUP BY user_id
        ) AS users
        """,
        {
            **params,
            "range_weeks": list(range_weeks),
            "range_week_masks": list(range_weeks.values()),
            "range_months": [month for month, _ in range_months],
            "range_month_weeks": [week for _, week in range_months],
            "range_month_masks": list(range_months.values()),
            "headline_week": headline_week,
            "end": end,
        },
    )
    weekly = sorted((period, counts) for kind, period, counts in rows if kind == "week")
    headline = next(counts for kind, _, counts in rows if kind == "headline")
    dau, _, mau = headline
    return [
        Table(
            "active_headline",
            f"Active users up to {end.isoformat()}",
            ["metric", "users"],
            [*map(list, zip(HEADLINE_WINDOWS, headline, strict=True)), ["DAU/MAU", _ratio(dau, mau)]],
        ),
        Table(
            "dau",
            "Daily active users",
            ["day", "users"],
            [
                [_iso(week + timedelta(days=weekday)), users]
                for week, counts in weekly
                for weekday, users in enumerate(counts[1:])
                if users and start <= week + timedelta(days=weekday) <= end
            ],
        ),
        Table("wau", "Weekly active users (weeks starting)", ["week", "users"], [[_iso(w), c[0]] for w, c in weekly]),
        Table(
            "mau",
            "Monthly active users",
            ["month", "users"],
            sorted([_iso(month), counts[0]] for kind, month, counts in rows if kind == "month"),
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
    """Weekly sign-up cohorts: the share of each cohort active (any recorded action) in week 0, 1, ... after joining."""
    active_weeks, params = rollups.active_weeks_sql(start, end, using=bulk_read_alias())
    rows = _fetch(
        f"""
        WITH cohort AS (
            SELECT id AS user_id, date_trunc('week', date_joined AT TIME ZONE 'UTC')::date AS cohort_week,
                   count(*) OVER (PARTITION BY date_trunc('week', date_joined AT TIME ZONE 'UTC')) AS size
            FROM {User._meta.db_table}
            WHERE date_joined >= %(start)s AND date_joined < %(end)s
        ), cohort_weeks AS (
            SELECT DISTINCT user_id, week FROM ({active_weeks}) AS a WHERE user_id IN (SELECT user_id FROM cohort)
        )
        SELECT c.cohort_week, max(c.size), (aw.week - c.cohort_week) / 7 AS week_number, count(DISTINCT aw.user_id)
        FROM cohort c LEFT JOIN cohort_weeks aw ON aw.user_id = c.user_id AND aw.week >= c.cohort_week
        GROUP BY c.cohort_week, week_number
        ORDER BY c.cohort_week, week_number
        """,
        {**params, **_bounds(start, end)},
    )
    weeks = max((w for _, _, w, _ in rows if w is not None), default=0)
    cohorts: dict[date, list] = {}
    for cohort_week, size, week_number, users in rows:
        row = cohorts.setdefault(cohort_week, [_iso(cohort_week), size] + [0.0] * (weeks + 1))
        if week_number is not None:
            row[2 + week_number] = round(100 * users / size, 1)
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
    cached copy expires, so the dashboard opens from cache."""
    key = f"analytics:metric:{metric}:{start.isoformat()}:{end.isoformat()}"
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
    modulo test_buckets, so users spread evenly over the buckets of each group.
    """
    rows = _fetch(
        rollups.feed_pages_cte(
            "v.experiment = %(experiment)s AND v.viewed_at >= %(started)s - %(page_span)s "
            "AND v.viewed_at < %(stopped)s + %(page_span)s",
            "first_viewed_at >= %(started)s AND first_viewed_at < %(stopped)s",
        )
        + """
        SELECT experiment_group,
               ('x' || substr(encode(sha256(convert_to(%(salt)s || ':' || user_id::text, 'UTF8')), 'hex'), 1, 15))
                   ::bit(60)::bigint %% 10000 %% %(test_buckets)s AS bucket,
               count(DISTINCT user_id), count(*), count(*) FILTER (WHERE hit), sum(impressions), sum(liked)
        FROM pages
        GROUP BY 1, 2
        ORDER BY 1, 2
        """,
        {
            "experiment": experiment.pk,
            "started": experiment.started_at or datetime.max.replace(tzinfo=UTC),
            "stopped": experiment.stopped_at or datetime.max.replace(tzinfo=UTC),
            "salt": experiment.salt,
            "test_buckets": test_buckets,
            "page_span": rollups.PAGE_SPAN,
            "like_window": rollups.LIKE_WINDOW,
        },
    )
    return [
        {
            "group": group,
            "bucket": bucket,
            "users": users,
            "pages": pages,
            "hits": hits,
            "impressions": int(impressions),
            "liked_impressions": int(liked),
        }
        for group, bucket, users, pages, hits, impressions, liked in rows
    ]


def experiment_list():
    return Experiment.objects.select_related("control_model_version", "treatment_model_version")
