"""Time the analytics dashboard over 1,000,000 activity rows and 1,000,000 feed impressions.

    DATABASE_URL=postgres://... SECRET_KEY=dev DEBUG=1 .venv/bin/python bench/dashboard_bench.py [--rows N]

Works in its own database (<name>_bench, kept between runs so the fill happens once), filled with SQL
generate_series. Prints the time of the first (uncached) and of a cached dashboard request, and each metric's
SQL time. It reports; it does not assert.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialnet.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
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
FROM generate_series(1, %(rows)s) AS i;

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
) p CROSS JOIN generate_series(0, 4) AS pos;

INSERT INTO posts_like (user_id, post_id, created_at)
SELECT user_id, post_id, viewed_at + random() * interval '90 minutes'
FROM posts_postview WHERE random() < 0.05
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="activity rows and feed impressions")
    args = parser.parse_args()
    if not settings.IS_POSTGRES:
        sys.exit("The benchmark needs PostgreSQL (DATABASE_URL).")

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = settings.DATABASES["default"]["NAME"] + "_bench"
    connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
    fill(args.rows)

    from accounts.models import User
    from analytics import selectors
    from analytics.forms import default_range

    staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    client = Client()
    client.force_login(staff)
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM analytics_activity), (SELECT count(*) FROM posts_postview)")
        activity_rows, impressions = cursor.fetchone()
    print(f"activity rows: {activity_rows:,}; feed impressions: {impressions:,}")

    start, end = default_range()
    for metric, compute in selectors.METRICS.items():
        began = time.perf_counter()
        compute(start, end)
        print(f"  {metric:<10} {1000 * (time.perf_counter() - began):7.0f} ms")

    cache.clear()
    url = reverse("analytics:dashboard")
    began = time.perf_counter()
    response = client.get(url)
    cold = time.perf_counter() - began
    began = time.perf_counter()
    client.get(url)
    warm = time.perf_counter() - began
    print(
        f"dashboard {response.status_code}: uncached {cold * 1000:.0f} ms, cached {warm * 1000:.0f} ms "
        f"({timezone.now():%Y-%m-%d})"
    )


if __name__ == "__main__":
    main()
