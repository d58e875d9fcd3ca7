"""Daily roll-ups behind the dashboard and experiment results, and the SQL they share with their live part.

The activity log and the feed impressions grow by millions of rows; the dashboard must not rescan them. Once a
UTC day has settled (its last feed page's like window has passed), rollup_refresh packs it into three small tables:
ActiveUserWeek (who was active on which day, one row per user and week), FeedDay (feed pages and hits per model
version and experiment group) and ExperimentUserDay (the same per experiment group and user), and records the day
in RollupDay. The dashboard and experiment results read rolled-up days from those tables and compute every other
day (today, yesterday until it settles, days never rolled up, an experiment's partial first and last days) live
from the raw tables with the same SQL, so their figures are the raw figures.

A write that removes or back-dates rows of a rolled-up day (an account or a post deleted, a like taken back, an
import or a generated network with old timestamps) calls rollup_invalidate first in its transaction: the day counts
as not rolled up from the moment the write commits, so the dashboard computes it live, and rollups_refresh_due rolls
it up again. The commit also gives the cached dashboard tables a new version (dashboard_cache_version), so that
figures cached before the write are not served for the rest of their five minutes.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max, Min, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from posts.models import Like, PostView

from .models import ActiveUserWeek, Activity, ExperimentUserDay, FeedDay, RollupDay

# A page is a hit when a like comes within this window after it was shown.
LIKE_WINDOW = timedelta(hours=1)
# A page's impressions are written together, seconds apart at most, but may straddle midnight: pages are counted
# whole, on the day of their first impression, looking this far past a day's edges for the rest of them.
PAGE_SPAN = timedelta(minutes=10)
# A day is final once its last pages' like window has passed, plus time for transactions still in flight.
SETTLE_AFTER = LIKE_WINDOW + PAGE_SPAN
# A transaction-level advisory lock: refreshes take it exclusively, so that two never interleave; invalidations
# take it shared, so that a refresh never reads the raw rows from before an invalidating write it did not wait for.
ROLLUP_LOCK = 7_301_001
# The cache key of the version in the keys of the cached dashboard tables (analytics.selectors.metric_tables).
DASHBOARD_VERSION_KEY = "analytics:dashboard:version"


def day_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The inclusive UTC day range as half-open datetimes."""
    return (
        datetime.combine(first_day, time.min, tzinfo=UTC),
        datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC),
    )


def days_between(first_day: date, last_day: date) -> list[date]:
    return [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]


def day_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs, so that raw scans read only the days they need."""
    runs: list[list[date]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(first, last) for first, last in runs]


def week_start(day: date) -> date:
    """The Monday of the day's ISO week, as PostgreSQL's date_trunc('week', ...)."""
    return day - timedelta(days=day.weekday())


def week_masks(days: Iterable[date]) -> dict[date, int]:
    """The days grouped by week as ActiveUserWeek masks (bit 0 = Monday)."""
    masks: dict[date, int] = {}
    for day in days:
        masks[week_start(day)] = masks.get(week_start(day), 0) | 1 << day.weekday()
    return masks


def last_settled_day(now: datetime | None = None) -> date:
    return ((now or timezone.now()).astimezone(UTC) - SETTLE_AFTER).date() - timedelta(days=1)


def time_filter(column: str, runs: list[tuple[date, date]], prefix: str, widen: str = "") -> tuple[str, dict]:
    """SQL true for `column` on the days of `runs` (false without runs), with its parameters named after prefix.
    widen, a SQL interval expression, extends every run by that much on both sides."""
    conditions, params = [], {}
    for index, (first_day, last_day) in enumerate(runs):
        start, end = f"{prefix}_start_{index}", f"{prefix}_end_{index}"
        params[start], params[end] = day_bounds(first_day, last_day)
        low, high = (f"%({start})s - {widen}", f"%({end})s + {widen}") if widen else (f"%({start})s", f"%({end})s")
        conditions.append(f"({column} >= {low} AND {column} < {high})")
    return " OR ".join(conditions) or "false", params


def raw_active_weeks_sql(activity_filter: str) -> str:
    """(week, user_id, days) from the activity log rows matching activity_filter: per user and week, the days with
    any recorded action, as ActiveUserWeek stores them."""
    return f"""
        SELECT date_trunc('week', day)::date AS week, user_id,
               bit_or(1 << (day - date_trunc('week', day)::date))::smallint AS days
        FROM (
            SELECT actor_id AS user_id, (created_at AT TIME ZONE 'UTC')::date AS day
            FROM {Activity._meta.db_table}
            WHERE actor_id IS NOT NULL AND ({activity_filter})
        ) AS actions
        GROUP BY 1, 2
    """


def feed_pages_cte(impressions_filter: str, pages_filter: str) -> str:
    """Feed pages with hits: a page is the impressions sharing page_id; an impression is liked when its user likes
    the post within LIKE_WINDOW of being shown (a like can exist only once per user and post).

    impressions_filter selects impressions (alias v) and must take in every impression of the pages that
    pages_filter (on first_viewed_at) keeps. Needs the parameter like_window."""
    return f"""
        WITH impressions AS (
            SELECT v.page_id, v.user_id, v.viewed_at, v.model_version, v.experiment, v.experiment_group,
                   (l.id IS NOT NULL) AS liked
            FROM {PostView._meta.db_table} v
            LEFT JOIN {Like._meta.db_table} l
                ON l.user_id = v.user_id AND l.post_id = v.post_id
               AND l.created_at >= v.viewed_at AND l.created_at <= v.viewed_at + %(like_window)s
            WHERE v.source = '{PostView.Source.FEED}' AND v.page_id IS NOT NULL AND ({impressions_filter})
        ), pages AS (
            SELECT * FROM (
                SELECT page_id, min(user_id) AS user_id, min(viewed_at) AS first_viewed_at,
                       (min(viewed_at) AT TIME ZONE 'UTC')::date AS day,
                       min(model_version) AS model_version, min(experiment) AS experiment,
                       min(experiment_group) AS experiment_group,
                       count(*) AS impressions, count(*) FILTER (WHERE liked) AS liked, bool_or(liked) AS hit
                FROM impressions GROUP BY page_id
            ) AS grouped
            WHERE {pages_filter}
        )
    """


def raw_pages_sql(
    runs: list[tuple[date, date]], prefix: str, *, impressions_filter: str = "true", pages_filter: str = "true"
) -> tuple[str, dict]:
    """feed_pages_cte for the pages first shown on the days of runs, narrowed by the optional filters, and its
    parameters."""
    impressions, params = time_filter("v.viewed_at", runs, prefix, widen="%(page_span)s")
    pages, _ = time_filter("first_viewed_at", runs, prefix)
    sql = feed_pages_cte(f"({impressions}) AND ({impressions_filter})", f"({pages}) AND ({pages_filter})")
    return sql, {**params, "page_span": PAGE_SPAN, "like_window": LIKE_WINDOW}


def raw_feed_days_sql(runs: list[tuple[date, date]], prefix: str) -> tuple[str, dict]:
    """(day, model_version, experiment, experiment_group, pages, hits, impressions, liked_impressions) from the
    raw impressions of the days of runs, as FeedDay stores them."""
    pages, params = raw_pages_sql(runs, prefix)
    sql = pages + """
        SELECT day, model_version, experiment, experiment_group, count(*), count(*) FILTER (WHERE hit),
               sum(impressions), sum(liked)
        FROM pages
        GROUP BY day, model_version, experiment, experiment_group
    """
    return sql, params


def raw_experiment_user_days_sql(
    runs: list[tuple[date, date]],
    prefix: str,
    *,
    impressions_filter: str = "v.experiment IS NOT NULL",
    pages_filter: str = "true",
) -> tuple[str, dict]:
    """(day, experiment, experiment_group, user_id, pages, hits, impressions, liked_impressions) from the raw
    impressions in experiments on the days of runs, as ExperimentUserDay stores them (integers: summing them stays
    in bigint, far faster than numeric). A page's impressions share its experiment (one request writes them), so
    impressions_filter may narrow to one experiment."""
    pages, params = raw_pages_sql(runs, prefix, impressions_filter=impressions_filter, pages_filter=pages_filter)
    sql = pages + """
        SELECT day, experiment, experiment_group, user_id, count(*)::int, (count(*) FILTER (WHERE hit))::int,
               sum(impressions)::int, sum(liked)::int
        FROM pages
        GROUP BY day, experiment, experiment_group, user_id
    """
    return sql, params


def rolled_up_days(first_day: date, last_day: date, *, using: str) -> list[date]:
    return sorted(RollupDay.objects.using(using).filter(day__range=(first_day, last_day)).values_list("day", flat=True))


def _closed_and_live(first_day: date, last_day: date, using: str) -> tuple[list[date], list[tuple[date, date]]]:
    """The rolled-up days from first_day to last_day, and the runs of the other days, to compute live."""
    closed = rolled_up_days(first_day, last_day, using=using)
    live = set(days_between(first_day, last_day)) - set(closed)
    return closed, day_runs(live)


def active_weeks_sql(first_day: date, last_day: date, *, using: str) -> tuple[str, dict]:
    """(week, user_id, days) for the days from first_day to last_day: rolled-up days from ActiveUserWeek, the
    others live from the activity log. A user and week may come twice (rolled-up and live days), with disjoint
    days: count users with DISTINCT.

    The stored masks are cut to the days rolled up when the registry was read, so a day rolled up in between is
    not counted twice."""
    closed, live_runs = _closed_and_live(first_day, last_day, using)
    live_filter, params = time_filter("created_at", live_runs, "live")
    masks = week_masks(closed)
    sql = f"""
        SELECT stored.week, stored.user_id, stored.days & closed.days AS days
        FROM {ActiveUserWeek._meta.db_table} stored
        JOIN unnest(%(closed_weeks)s::date[], %(closed_masks)s::int[]) AS closed (week, days)
            ON closed.week = stored.week AND stored.days & closed.days <> 0
        UNION ALL
        {raw_active_weeks_sql(live_filter)}
    """
    return sql, {**params, "closed_weeks": list(masks), "closed_masks": list(masks.values())}


def feed_days_sql(first_day: date, last_day: date, *, using: str) -> tuple[str, dict]:
    """FeedDay's columns for the days from first_day to last_day: rolled-up days stored, the others live."""
    closed, live_runs = _closed_and_live(first_day, last_day, using)
    live_sql, params = raw_feed_days_sql(live_runs, "live")
    sql = f"""
        SELECT day, model_version, experiment, experiment_group, pages, hits, impressions, liked_impressions
        FROM {FeedDay._meta.db_table} WHERE day = ANY(%(closed_days)s::date[])
        UNION ALL
        ({live_sql})
    """
    return sql, {**params, "closed_days": closed}


def experiment_user_days_sql(
    *, experiment: int, started: datetime, stopped: datetime | None, using: str
) -> tuple[str, dict]:
    """ExperimentUserDay's columns for one experiment's pages first shown from started until stopped (None: still
    running): the days wholly inside that window and rolled up stored, the others (its first and last, possibly
    partial, days, today, days not rolled up) live."""
    just_before = timedelta(microseconds=1)
    started = started.astimezone(UTC)
    stopped = stopped.astimezone(UTC) if stopped is not None else None
    # The days the window touches (up to today while it runs), and those it covers whole: only these may be read
    # from the roll-up, as the pages of a partial day are cut at the window's edge.
    first_day, first_whole = started.date(), (started - just_before).date() + timedelta(days=1)
    if stopped is None:
        last_day = last_whole = timezone.now().astimezone(UTC).date()
    else:
        last_day, last_whole = (stopped - just_before).date(), stopped.date() - timedelta(days=1)
    closed = rolled_up_days(first_whole, last_whole, using=using)  # none when the window covers no whole day
    live = set(days_between(first_day, last_day)) - set(closed)
    live_sql, params = raw_experiment_user_days_sql(
        day_runs(live),
        "live",
        impressions_filter="v.experiment = %(experiment)s",
        pages_filter="first_viewed_at >= %(started)s AND first_viewed_at < %(stopped)s",
    )
    sql = f"""
        SELECT day, experiment, experiment_group, user_id, pages, hits, impressions, liked_impressions
        FROM {ExperimentUserDay._meta.db_table}
        WHERE day = ANY(%(closed_days)s::date[]) AND experiment = %(experiment)s
        UNION ALL
        ({live_sql})
    """
    window = {"started": started, "stopped": stopped or datetime.max.replace(tzinfo=UTC)}
    return sql, {**params, **window, "closed_days": closed, "experiment": experiment}


def rollup_refresh(*, days: Iterable[date], now: datetime | None = None) -> int:
    """Recompute the roll-ups of the given settled days from the raw tables, in one transaction; returns how many.

    Days that have not settled yet are refused (ValueError) and nothing is written: their figures could still
    change, and the dashboard computes them live anyway."""
    days = sorted(set(days))
    if not days:
        return 0
    settled = last_settled_day(now)
    if days[-1] > settled:
        raise ValueError(f"{days[-1]} has not settled yet: the last day that can be rolled up is {settled}.")
    runs = day_runs(days)
    masks = week_masks(days)
    activity_filter, activity_params = time_filter("created_at", runs, "day")
    feed_sql, feed_params = raw_feed_days_sql(runs, "day")
    experiment_sql, experiment_params = raw_experiment_user_days_sql(runs, "day")
    weeks = {"weeks": list(masks), "masks": list(masks.values())}
    stored, feed, registry = ActiveUserWeek._meta.db_table, FeedDay._meta.db_table, RollupDay._meta.db_table
    experiment_users = ExperimentUserDay._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(f"DELETE FROM {feed} WHERE day = ANY(%(days)s::date[])", {"days": days})
        cursor.execute(
            f"""INSERT INTO {feed} (day, model_version, experiment, experiment_group, pages, hits, impressions,
                                    liked_impressions) {feed_sql}""",
            feed_params,
        )
        cursor.execute(f"DELETE FROM {experiment_users} WHERE day = ANY(%(days)s::date[])", {"days": days})
        cursor.execute(
            f"""INSERT INTO {experiment_users} (day, experiment, experiment_group, user_id, pages, hits, impressions,
                                                liked_impressions) {experiment_sql}""",
            experiment_params,
        )
        # Take the refreshed days out of the stored weeks (dropping rows left with no day), then put them back.
        cursor.execute(
            f"""DELETE FROM {stored} s USING unnest(%(weeks)s::date[], %(masks)s::int[]) AS r (week, days)
                WHERE s.week = r.week AND s.days & ~r.days = 0""",
            weeks,
        )
        cursor.execute(
            f"""UPDATE {stored} s SET days = s.days & ~r.days
                FROM unnest(%(weeks)s::date[], %(masks)s::int[]) AS r (week, days)
                WHERE s.week = r.week AND s.days & r.days <> 0""",
            weeks,
        )
        cursor.execute(
            f"""INSERT INTO {stored} (week, user_id, days) {raw_active_weeks_sql(activity_filter)}
                ON CONFLICT (week, user_id) DO UPDATE SET days = {stored}.days | EXCLUDED.days""",
            activity_params,
        )
        cursor.execute(
            f"""INSERT INTO {registry} (day, refreshed_at) SELECT unnest(%(days)s::date[]), now()
                ON CONFLICT (day) DO UPDATE SET refreshed_at = EXCLUDED.refreshed_at""",
            {"days": days},
        )
    return len(days)


def days_touched(spans: Iterable[tuple[datetime, datetime]]) -> set[date]:
    """The days whose roll-ups can change when rows timestamped within the given (first, last) spans are written or
    removed: a row at t may belong to a feed page first shown up to PAGE_SPAN before t, or be the like that makes a
    page shown up to LIKE_WINDOW before t a hit, or, removed, leave its page to start up to PAGE_SPAN after t."""
    days: set[date] = set()
    for first, last in spans:
        first_day, last_day = (first - SETTLE_AFTER).astimezone(UTC).date(), (last + PAGE_SPAN).astimezone(UTC).date()
        days.update(days_between(first_day, last_day))
    return days


def impression_days(views: QuerySet) -> set[date]:
    """days_touched by the feed impressions among these post views (no roll-up counts the other views), from their
    first and last time on each UTC day: one grouped query."""
    spans = (
        views.filter(source=PostView.Source.FEED)
        .order_by()
        .annotate(day=TruncDate("viewed_at", tzinfo=UTC))
        .values("day")
        .annotate(first=Min("viewed_at"), last=Max("viewed_at"))
        .values_list("first", "last")
    )
    return days_touched(spans)


def dashboard_cache_version() -> str:
    """The version that the keys of the cached dashboard tables carry. A missing one (never set, or evicted) is
    replaced by a new one rather than a fixed default, so that tables cached under an old version never come back."""
    version = cache.get(DASHBOARD_VERSION_KEY)
    if version is None:
        cache.add(DASHBOARD_VERSION_KEY, uuid4().hex, timeout=None)
        version = cache.get(DASHBOARD_VERSION_KEY)
    return version


def _dashboard_cache_expire() -> None:
    cache.set(DASHBOARD_VERSION_KEY, uuid4().hex, timeout=None)


def rollup_invalidate(*, days: Iterable[date]) -> int:
    """Make the given days count as not rolled up: the dashboard and experiment results compute them live, and
    rollups_refresh_due rolls them up again; once the write commits, the cached dashboard tables are dropped too
    (they may hold the days' figures from before it). Returns how many rolled-up days were invalidated.

    Call it in the transaction of the write that changes the days' rows, before any write (reads may come first):
    the registry rows go only if the write commits, and the shared ROLLUP_LOCK held until then makes a running
    refresh finish first (its days are then invalidated here) and a later one wait for the commit and read the
    written rows. Taken after a write, the lock could deadlock with a refresh waiting on the written rows. Days not
    settled yet are skipped without the lock: no refresh may roll them up, and the dashboard cache keeps them, as
    any other write to today's rows, for up to its few minutes."""
    if not connection.in_atomic_block:
        raise RuntimeError("rollup_invalidate must run inside the transaction of the write that changes the days.")
    settled = last_settled_day()
    days = sorted({day for day in days if day <= settled})
    if not days:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [ROLLUP_LOCK])
    # Also when no day was rolled up: a settled day computed live is cached like the others.
    transaction.on_commit(_dashboard_cache_expire)
    deleted, _ = RollupDay.objects.filter(day__in=days).delete()
    return deleted


def first_recorded_day() -> date | None:
    """The first UTC day with an action or an impression, or None on an empty site."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT (least((SELECT min(created_at) FROM {Activity._meta.db_table}),
                              (SELECT min(viewed_at) FROM {PostView._meta.db_table})) AT TIME ZONE 'UTC')::date"""
        )
        return cursor.fetchone()[0]


def rollup_due_days(*, now: datetime | None = None) -> list[date]:
    """Settled days from the first recorded one that are not rolled up (never, or invalidated since), and the last
    settled day (recomputed on every call, for rows that arrive late)."""
    first, last = first_recorded_day(), last_settled_day(now)
    if first is None or first > last:
        return []
    done = set(rolled_up_days(first, last, using="default"))
    return sorted({day for day in days_between(first, last) if day not in done} | {last})
