"""Time the analytics dashboard over 1,000,000 activity rows and 1,000,000 feed impressions.

    DATABASE_URL=postgres://... SECRET_KEY=dev DEBUG=1 .venv/bin/python bench/dashboard_bench.py [--rows N] [--runs N]

Works in its own database (<name>_bench, kept between runs so the fill happens once), filled with SQL
generate_series. Rolls up every settled day first (`manage.py analytics_rollup`, timed), then prints each
metric's SQL time (median of --runs), the experiment statistics' time from the roll-ups and all raw (whether the
two agree), and the uncached dashboard request (cache cleared before each run, after one warm-up request): median
and max of --runs runs, then one cached request, for the default 30-day range, a 90-day range, and the default
range as between midnight and 01:10 UTC, when the last day is not rolled up yet and is computed live too; then the
experiment results page and its CSV export the same way (they have no cache). It reports; it does not assert.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialnet.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

USERS = 20_000
POSTS = 20_000
DAYS = 30

FILL = """
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                           date_joined)
SELECT '!', false, 'bench' || i, '', '', '', false, true, now() - random() * interval '90 days'
FROM generate_series(1, %(users)s) AS i;

INSERT INTO accounts_profile (display_name, bio, gender, country, city, occupation, os, source, user_id)
SELECT '', '', '', '', '', '', (ARRAY['Android', 'iOS', 'Windows', 'macOS', 'Linux'])[1 + (id %% 5)],
       (ARRAY['ads', 'organic'])[1 + (id %% 2)], id
FROM accounts_user;

INSERT INTO posts_topic (name, description)
SELECT name, '' FROM unnest(ARRAY['business', 'covid', 'entertainment', 'sport', 'politics', 'tech', 'movie']) name
ON CONFLICT DO NOTHING;

INSERT INTO posts_post (text, created_at, updated_at, author_id, topic_id)
SELECT 'bench post ' || i, now() - random() * interval '60 days', now(),
       (SELECT min(id) FROM accounts_user) + (i %% %(users)s), (SELECT min(id) FROM posts_topic) + (i %% 7)
FROM generate_series(1, %(posts)s) AS i;

INSERT INTO analytics_activity (actor_id, verb, target_type, target_id, created_at, context)
SELECT (SELECT min(id) FROM accounts_user) + floor(random() * %(users)s)::bigint,
       (ARRAY['like', 'post_create', 'comment_create', 'follow', 'login', 'message_send'])
           [1 + floor(random() * 6)::int],
       'post', i, now() - random() * interval '%(days)s days', '{}'
FROM generate_series(1, %(rows)s) AS i
ORDER BY 5;  -- in time order, as the site appends them: a day's rows sit together on disk

-- Feed pages of 5 impressions; half the users in a random-vs-model experiment.
INSERT INTO posts_postview (user_id, post_id, viewed_at, source, position, page_id, model_version, experiment,
                            experiment_group, fallback_reason)
SELECT p.user_id, (SELECT min(id) FROM posts_post) + floor(random() * %(posts)s)::bigint, p.shown_at, 'feed', pos,
       p.page_id, CASE WHEN p.user_id %% 2 = 0 THEN 1 END, 1,
       CASE WHEN p.user_id %% 2 = 0 THEN 'treatment' ELSE 'control' END, ''
FROM (
    SELECT md5(i::text)::uuid AS page_id, (SELECT min(id) FROM accounts_user) + floor(random() * %(users)s)::bigint
           AS user_id, now() - random() * interval '%(days)s days' AS shown_at
    FROM generate_series(1, %(rows)s / 5) AS i
) p CROSS JOIN generate_series(0, 4) AS pos
ORDER BY 3, 6, 5;

INSERT INTO posts_like (user_id, post_id, created_at)
SELECT user_id, post_id, viewed_at + random() * interval '90 minutes'
FROM posts_postview WHERE random() < 0.05
ORDER BY 3
ON CONFLICT DO NOTHING;

ANALYZE;
"""


def fill(rows: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM analytics_activity")
        if cursor.fetchone()[0] >= rows:
            print(f"reusing {connection.settings_dict['NAME']} (already filled)")
            return
        started = time.perf_counter()
        cursor.execute(FILL, {"users": USERS, "posts": POSTS, "rows": rows, "days": DAYS})
        print(f"filled {connection.settings_dict['NAME']} in {time.perf_counter() - started:.1f}s")


def timed(function, *args, **kwargs) -> float:
    """Seconds that one call takes."""
    began = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - began


def time_page(client, url: str, label: str, query: dict, runs: int, *, cached: bool = True) -> None:
    """Print the median and max of uncached requests (cache cleared before each), after one warm-up request, then
    one cached request if the page has a cache."""
    status = client.get(url, query).status_code  # also warms the process up (templates, imports)
    if status != 200:
        sys.exit(f"{url} answered {status}.")
    times = []
    for _ in range(runs):
        cache.clear()
        times.append(timed(client.get, url, query))
    summary = f"{label}: uncached median {1000 * statistics.median(times):.0f} ms, max {1000 * max(times):.0f} ms"
    if cached:
        summary += f" ({runs} runs); cached {1000 * timed(client.get, url, query):.0f} ms"
    else:
        summary += f" ({runs} runs)"
    print(summary)


def all_raw(function, *args, **kwargs):
    """function's result and seconds with no day rolled up, as before the roll-ups (rolled back afterwards)."""
    from analytics.models import RollupDay

    with transaction.atomic():
        RollupDay.objects.all().delete()
        began = time.perf_counter()
        result = function(*args, **kwargs)
        seconds = time.perf_counter() - began
        transaction.set_rollback(True)
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="activity rows and feed impressions")
    parser.add_argument("--runs", type=int, default=5, help="uncached dashboard requests per range")
    args = parser.parse_args()
    if not settings.IS_POSTGRES:
        sys.exit("The benchmark needs PostgreSQL (DATABASE_URL).")

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = settings.DATABASES["default"]["NAME"] + "_bench"
    connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
    fill(args.rows)

    from accounts.models import User
    from analytics import rollups, selectors
    from analytics.forms import default_range
    from analytics.models import Experiment, RollupDay

    staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    client = Client()
    client.force_login(staff)
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM analytics_activity), (SELECT count(*) FROM posts_postview)")
        activity_rows, impressions = cursor.fetchone()
    print(f"activity rows: {activity_rows:,}; feed impressions: {impressions:,}")

    print(f"backfill (analytics_rollup, every settled day): {timed(call_command, 'analytics_rollup'):.1f} s")

    start, end = default_range()
    for metric, compute in selectors.METRICS.items():
        median = statistics.median(timed(compute, start, end) for _ in range(args.runs))
        print(f"  {metric:<10} {1000 * median:7.0f} ms")
    # The fill puts every impression in experiment 1, as if one experiment had run from the start.
    experiment, _ = Experiment.objects.get_or_create(
        pk=1, defaults={"name": "bench", "salt": "bench", "started_at": timezone.now() - timedelta(days=400)}
    )
    stats_time = statistics.median(
        timed(selectors.experiment_bucket_stats, experiment=experiment, test_buckets=50) for _ in range(args.runs)
    )
    rolled_up = selectors.experiment_bucket_stats(experiment=experiment, test_buckets=50)
    raw, raw_time = all_raw(selectors.experiment_bucket_stats, experiment=experiment, test_buckets=50)
    print(
        f"  experiment statistics (all {impressions:,} impressions) {1000 * stats_time:.0f} ms; all raw "
        f"{1000 * raw_time:.0f} ms; identical: {'yes' if rolled_up == raw else 'NO'}"
    )

    url = reverse("analytics:dashboard")
    ranges = [("default 30 days", {}), ("90 days", {"from": end - timedelta(days=89), "to": end})]
    for label, query in ranges:
        time_page(client, url, f"dashboard {label}", query, args.runs)
    results = reverse("analytics:experiment_results", args=[experiment.pk])
    export = reverse("analytics:experiment_results_csv", args=[experiment.pk])
    time_page(client, results, "experiment results page", {}, args.runs, cached=False)
    time_page(client, export, "experiment results CSV", {}, args.runs, cached=False)
    # Between midnight and the last day's settling (01:10 UTC) that day is computed live too: the slowest hour.
    last_settled = rollups.last_settled_day()
    RollupDay.objects.filter(day=last_settled).delete()
    try:
        time_page(client, url, f"dashboard default 30 days, {last_settled} live too", {}, args.runs)
        time_page(client, results, f"experiment results page, {last_settled} live too", {}, args.runs, cached=False)
    finally:
        rollups.rollup_refresh(days=[last_settled])
    print(f"({timezone.now():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
