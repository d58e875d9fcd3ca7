"""The volume tables are partitioned by month on PostgreSQL; the maintenance task creates coming months."""

from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django_celery_beat.models import PeriodicTask

from posts.models import PostView
from socialnet.partitions import PARTITIONED_TABLES, ensure_partitions, is_partitioned
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def partition_of(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT tableoid::regclass::text FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def test_volume_tables_are_partitioned_and_rows_land_in_their_month():
    for table in PARTITIONED_TABLES:
        assert is_partitioned(table), table
    now = datetime.now(UTC)
    recent = PostView.objects.create(user=UserFactory(), post=PostFactory(), source="feed", viewed_at=now)
    history = PostView.objects.create(
        user=recent.user, post=recent.post, source="import", viewed_at=datetime(2016, 5, 1, tzinfo=UTC)
    )
    assert partition_of("posts_postview", recent.pk) == f"posts_postview_{now:%Y_%m}"
    assert partition_of("posts_postview", history.pk) == "posts_postview_default"
    assert PostView.objects.filter(pk__in=[recent.pk, history.pk]).count() == 2


def test_a_time_range_scan_reads_only_its_month():
    now = datetime.now(UTC)
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN SELECT count(*) FROM posts_postview WHERE viewed_at >= %s", [start])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    last_month = date(now.year - (now.month == 1), (now.month - 2) % 12 + 1, 1)
    assert f"posts_postview_{now:%Y_%m}" in plan
    assert f"posts_postview_{last_month:%Y_%m}" not in plan  # pruned: the planner skips earlier months


def test_ensure_partitions_creates_coming_months_once():
    created = ensure_partitions(today=date(2031, 3, 15))
    assert "posts_postview_2031_06" in created and "analytics_activity_2031_02" in created
    assert ensure_partitions(today=date(2031, 3, 15)) == []


def test_maintenance_is_scheduled():
    call_command("setup_periodic_tasks")
    assert PeriodicTask.objects.get(task="socialnet.tasks.partitions_maintain").interval.period == "days"
