import random
from datetime import UTC, date, datetime, timedelta

import psycopg2
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import user_delete
from analytics import rollups
from analytics.experiments import CONTROL, TREATMENT
from analytics.management.commands.analytics_rollup import Command as RollupCommand
from analytics.models import ActiveUserWeek, Activity, ExperimentUserDay, FeedDay, RollupDay
from analytics.selectors import METRICS, dashboard_tables, experiment_bucket_stats
from analytics.tasks import ROLLUP_DAYS_PER_RUN, rollups_refresh_due
from posts.models import Like, Post, PostView
from posts.services import like_remove, post_delete
from tests.factories import (
    ActivityFactory,
    ExperimentFactory,
    LikeFactory,
    PostFactory,
    PostViewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
SUNDAY, MONDAY, TUESDAY, WEDNESDAY = (date(2026, 3, 8) + timedelta(days=n) for n in range(4))
ROLLED_UP_METRICS = ("activity", "retention", "feed")


def at(day: date, hour=0, minute=0, second=0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


def _page(*, user, posts, times, **fields):
    page_id = PostView.new_page_id()
    for position, (post, viewed_at) in enumerate(zip(posts, times, strict=True)):
        PostViewFactory(user=user, post=post, viewed_at=viewed_at, page_id=page_id, position=position, **fields)


@pytest.fixture
def log():
    """Sunday to Wednesday across two ISO weeks: actions, and feed pages with likes near the one-hour edge."""
    alice = UserFactory(date_joined=at(SUNDAY, 9))
    bob = UserFactory(date_joined=at(MONDAY))
    carol = UserFactory(date_joined=at(TUESDAY, 8))
    for actor, moment in [
        (alice, at(SUNDAY, 10)),
        (alice, at(SUNDAY, 11)),
        (bob, at(MONDAY)),
        (alice, at(TUESDAY, 23, 59, 59)),
        (carol, at(TUESDAY, 12)),
        (bob, at(WEDNESDAY, 12)),
    ]:
        ActivityFactory(actor=actor, created_at=moment)
    ActivityFactory(actor=None, created_at=at(TUESDAY, 13))  # anonymous: not an active user
    posts = PostFactory.create_batch(15)
    # Straddles midnight: counted whole on Monday; liked 10 minutes after its last impression.
    _page(
        user=alice,
        posts=posts[10:15],
        times=[at(MONDAY, 23, 59, 59)] * 3 + [at(TUESDAY, 0, 0, 2)] * 2,
        model_version=2,
        experiment=7,
        experiment_group="treatment",
    )
    LikeFactory(user=alice, post=posts[14], created_at=at(TUESDAY, 0, 10))
    # Liked 59m59s after being shown, on the next day: a hit on Tuesday.
    _page(user=carol, posts=posts[0:5], times=[at(TUESDAY, 23, 30)] * 5)
    LikeFactory(user=carol, post=posts[0], created_at=at(WEDNESDAY, 0, 29, 59))
    # Liked 1h0m1s after: not a hit.
    _page(user=bob, posts=posts[5:10], times=[at(TUESDAY, 23, 40)] * 5)
    LikeFactory(user=bob, post=posts[5], created_at=at(WEDNESDAY, 0, 40, 1))
    return {"alice": alice, "bob": bob, "carol": carol, "posts": posts}


def _tables(start=SUNDAY, end=WEDNESDAY) -> dict:
    return {name: METRICS[name](start, end) for name in ROLLED_UP_METRICS}


def _raw_tables(start=SUNDAY, end=WEDNESDAY) -> dict:
    """The figures straight from the raw tables: as if nothing had been rolled up."""
    with transaction.atomic():
        RollupDay.objects.all().delete()
        tables = _tables(start, end)
        transaction.set_rollback(True)
    return tables


def _rows(tables: dict, name: str) -> list:
    return next(t.rows for group in tables.values() for t in group if t.name == name)


def test_roll_ups_give_the_raw_figures(log):
    raw = _tables()
    assert _rows(raw, "dau") == [["2026-03-08", 1], ["2026-03-09", 1], ["2026-03-10", 2], ["2026-03-11", 1]]
    assert _rows(raw, "wau") == [["2026-03-02", 1], ["2026-03-09", 3]]
    headline = dict(_rows(raw, "active_headline"))
    assert [headline["DAU (last day)"], headline["WAU (last 7 days)"], headline["MAU (last 30 days)"]] == [1, 3, 3]
    assert _rows(raw, "feed_daily") == [["2026-03-09", 1, 1, 1.0, 5, 1, 0.2], ["2026-03-10", 2, 1, 0.5, 10, 1, 0.1]]
    assert _rows(raw, "retention") == [["2026-03-02", 1, 100.0, 100.0], ["2026-03-09", 2, 100.0, 0.0]]

    assert rollups.rollup_refresh(days=[SUNDAY, MONDAY, TUESDAY, WEDNESDAY]) == 4

    assert RollupDay.objects.count() == 4
    assert FeedDay.objects.filter(day=MONDAY).get().pages == 1
    assert ActiveUserWeek.objects.get(user=log["alice"], week=MONDAY).days == 0b0000010  # Tuesday only
    assert _tables() == raw


def test_a_range_partly_rolled_up_and_partly_live_is_exact(log):
    raw = _tables()
    rollups.rollup_refresh(days=[SUNDAY, MONDAY])  # Tuesday and Wednesday stay live

    tables = dashboard_tables(start=SUNDAY, end=WEDNESDAY)

    assert {name: tables[name] for name in ROLLED_UP_METRICS} == raw
    # Bob counts once in Monday's week though his Monday is rolled up and his Wednesday live.
    assert ["2026-03-09", 3] in _rows(tables, "wau")


def test_a_late_row_shows_once_its_day_is_refreshed(log):
    rollups.rollup_refresh(days=[SUNDAY, MONDAY, TUESDAY, WEDNESDAY])
    before = _tables()
    dave = UserFactory(date_joined=at(date(2026, 1, 5)))
    ActivityFactory(actor=dave, created_at=at(MONDAY, 15))  # written late with an old timestamp
    LikeFactory(user=log["bob"], post=log["posts"][6], created_at=at(WEDNESDAY, 0, 5))  # bob's page is now a hit
    # Alice's Sunday actions re-dated to Monday: her Sunday-only week must go, her Monday must appear.
    Activity.objects.filter(actor=log["alice"], created_at__lt=at(MONDAY)).update(created_at=at(MONDAY, 10))

    assert _tables() == before  # closed days are read from the roll-ups until refreshed
    rollups.rollup_refresh(days=[SUNDAY, MONDAY, TUESDAY])

    after = _tables()
    assert after == _raw_tables() != before
    assert _rows(after, "feed_daily")[1] == ["2026-03-10", 2, 2, 1.0, 10, 2, 0.2]
    assert not ActiveUserWeek.objects.filter(user=log["alice"], week=SUNDAY - timedelta(days=6)).exists()


def test_unsettled_days_are_refused_and_nothing_is_written(log):
    settles_at = at(WEDNESDAY) + rollups.SETTLE_AFTER  # Tuesday's last pages can still be liked until then
    with pytest.raises(ValueError, match="has not settled yet"):
        rollups.rollup_refresh(days=[MONDAY, TUESDAY], now=settles_at - timedelta(seconds=1))
    with pytest.raises(ValueError):
        rollups.rollup_refresh(days=[timezone.now().date()])
    assert not RollupDay.objects.exists() and not FeedDay.objects.exists() and not ActiveUserWeek.objects.exists()
    assert not ExperimentUserDay.objects.exists()

    assert rollups.rollup_refresh(days=[MONDAY, TUESDAY], now=settles_at) == 2


def test_the_task_rolls_up_due_days_then_rechecks_the_last_one():
    today = timezone.now().date()
    ActivityFactory(created_at=timezone.now() - timedelta(days=4))
    last = rollups.last_settled_day()

    assert rollups_refresh_due() == (last - (today - timedelta(days=4))).days + 1
    assert RollupDay.objects.filter(day__lte=last).count() == RollupDay.objects.count() >= 2
    assert rollups.rollup_due_days() == [last]


def test_rollup_command_backfills_and_explains_bad_input(log, capsys):
    call_command("analytics_rollup", "--since", "2026-03-08", "--until", "2026-03-11")
    assert "Rolled up 4 days (2026-03-08 to 2026-03-11)" in capsys.readouterr().out
    assert RollupDay.objects.count() == 4

    with pytest.raises(SystemExit) as exited:
        RollupCommand().run_from_argv(["manage.py", "analytics_rollup", "--since", "2026-02-30"])
    assert exited.value.code != 0
    assert "expected a date as YYYY-MM-DD, got '2026-02-30'" in capsys.readouterr().err
    with pytest.raises(CommandError, match="is after --until"):
        call_command("analytics_rollup", "--since", "2026-03-12", "--until", "2026-03-11")
    with pytest.raises(CommandError, match="has not settled yet"):
        call_command("analytics_rollup", "--until", timezone.now().date().isoformat())
    assert RollupDay.objects.count() == 4


def test_rollup_command_help(capsys):
    with pytest.raises(SystemExit) as exited:
        RollupCommand().run_from_argv(["manage.py", "analytics_rollup", "--help"])
    assert exited.value.code == 0
    help_text = capsys.readouterr().out
    assert "--since DATE" in help_text and "--until DATE" in help_text and "settled" in help_text


def test_clearing_the_network_clears_its_roll_ups(log):
    from recommender.generator import clear_network

    rollups.rollup_refresh(days=[SUNDAY, MONDAY])
    clear_network()
    assert not RollupDay.objects.exists() and not FeedDay.objects.exists() and not ActiveUserWeek.objects.exists()
    assert not ExperimentUserDay.objects.exists()


def test_active_users_match_a_direct_count_across_months_and_weeks():
    """Weeks straddling months, a range that starts and ends mid-week, part rolled up, part live."""
    rng = random.Random(7)
    users = UserFactory.create_batch(6)
    first = date(2026, 1, 20)
    actions = [(rng.choice(users), at(first + timedelta(days=rng.randrange(70)), rng.randrange(24))) for _ in range(60)]
    for actor, moment in actions:
        ActivityFactory(actor=actor, created_at=moment)
    start, end = date(2026, 1, 29), date(2026, 3, 26)  # a Thursday to a Thursday
    rollups.rollup_refresh(days=rollups.days_between(date(2026, 2, 10), date(2026, 3, 10)))

    def active(days) -> int:
        return len({actor.pk for actor, moment in actions if moment.date() in days})

    range_days = rollups.days_between(start, end)
    expected = {
        "dau": [[day.isoformat(), active({day})] for day in range_days if active({day})],
        "wau": [
            [week.isoformat(), active({d for d in range_days if rollups.week_start(d) == week})]
            for week in sorted({rollups.week_start(day) for day in range_days})
        ],
        "mau": [
            [month.isoformat(), active({d for d in range_days if d.replace(day=1) == month})]
            for month in sorted({day.replace(day=1) for day in range_days})
        ],
    }
    tables = {table.name: table.rows for table in METRICS["activity"](start, end)}
    assert {name: tables[name] for name in expected} == expected
    headline = dict(tables["active_headline"])
    assert headline["MAU (last 30 days)"] == active(set(rollups.days_between(end - timedelta(days=29), end)))
    assert headline["WAU (last 7 days)"] == active(set(rollups.days_between(end - timedelta(days=6), end)))
    assert headline["DAU (last day)"] == active({end})


@pytest.fixture
def experiment_log():
    """An experiment from Sunday noon to Wednesday 06:00: pages inside and just outside that window, likes just
    inside and outside the hour across midnight, and pages of another experiment and of none."""
    experiment = ExperimentFactory(started_at=at(SUNDAY, 12), stopped_at=at(WEDNESDAY, 6))
    other = ExperimentFactory()
    ann, ben, cat = UserFactory.create_batch(3)
    posts = PostFactory.create_batch(3)
    treatment = {"experiment": experiment.pk, "experiment_group": TREATMENT}
    control = {"experiment": experiment.pk, "experiment_group": CONTROL}
    _page(user=ann, posts=posts, times=[at(SUNDAY, 11, 59, 59)] * 3, **treatment)  # before the start
    _page(user=ann, posts=posts, times=[at(SUNDAY, 12)] * 3, **treatment)
    # Straddles midnight: counted on Monday, a hit by a like 10 minutes into Tuesday.
    _page(user=ann, posts=posts, times=[at(MONDAY, 23, 59, 59)] * 2 + [at(TUESDAY, 0, 0, 1)], **treatment)
    LikeFactory(user=ann, post=posts[2], created_at=at(TUESDAY, 0, 10))
    _page(user=ann, posts=posts, times=[at(MONDAY, 12)] * 3, experiment=other.pk, experiment_group=TREATMENT)
    _page(user=ben, posts=posts, times=[at(MONDAY, 13)] * 3)  # in no experiment
    # Liked 59m59s after being shown, on the next day: a hit; liked 1h0m1s after: not a hit.
    _page(user=ben, posts=posts[:2], times=[at(TUESDAY, 23, 30)] * 2, **control)
    LikeFactory(user=ben, post=posts[0], created_at=at(WEDNESDAY, 0, 29, 59))
    _page(user=ben, posts=posts[1:], times=[at(TUESDAY, 23, 40)] * 2, **control)
    LikeFactory(user=ben, post=posts[2], created_at=at(WEDNESDAY, 0, 40, 1))
    _page(user=cat, posts=posts, times=[at(MONDAY, 10)] * 3, **control)  # two posts liked: one hit, two likes
    LikeFactory(user=cat, post=posts[0], created_at=at(MONDAY, 10, 20))
    LikeFactory(user=cat, post=posts[1], created_at=at(MONDAY, 10, 59))
    # First shown just before the stop: counted whole, with its impression after the stop.
    _page(user=cat, posts=posts, times=[at(WEDNESDAY, 5, 59, 59)] * 2 + [at(WEDNESDAY, 6, 0, 1)], **control)
    _page(user=cat, posts=posts[:1], times=[at(WEDNESDAY, 6)], **control)  # at the stop: out
    return experiment


def _group_totals(rows: list[dict]) -> dict:
    fields = ("users", "pages", "hits", "impressions", "liked_impressions")
    return {
        group: [sum(row[field] for row in rows if row["group"] == group) for field in fields]
        for group in sorted({row["group"] for row in rows})
    }


def _raw_bucket_stats(experiment) -> list[dict]:
    with transaction.atomic():
        RollupDay.objects.all().delete()
        rows = experiment_bucket_stats(experiment=experiment, test_buckets=50)
        transaction.set_rollback(True)
    return rows


def test_experiment_roll_up_gives_the_raw_figures(experiment_log):
    raw = experiment_bucket_stats(experiment=experiment_log, test_buckets=50)
    assert _group_totals(raw) == {CONTROL: [2, 4, 2, 10, 3], TREATMENT: [1, 2, 1, 6, 1]}

    rollups.rollup_refresh(days=[SUNDAY, MONDAY, TUESDAY, WEDNESDAY])

    monday = ExperimentUserDay.objects.get(day=MONDAY, experiment=experiment_log.pk, experiment_group=TREATMENT)
    assert (monday.pages, monday.hits, monday.impressions, monday.liked_impressions) == (1, 1, 3, 1)
    # The roll-up holds whole days; the window's partial first and last days are cut live.
    assert ExperimentUserDay.objects.get(day=SUNDAY, experiment=experiment_log.pk).pages == 2
    assert experiment_bucket_stats(experiment=experiment_log, test_buckets=50) == raw


def test_experiment_partly_rolled_up_and_partly_live_is_exact(experiment_log):
    rollups.rollup_refresh(days=[MONDAY])  # Tuesday stays live
    assert experiment_bucket_stats(experiment=experiment_log, test_buckets=50) == _raw_bucket_stats(experiment_log)
    # Cat counts once though her Monday is rolled up and her Wednesday live.
    assert _group_totals(_raw_bucket_stats(experiment_log))[CONTROL][0] == 2

    experiment_log.stopped_at = None  # still running: every day since the start, up to today
    running = experiment_bucket_stats(experiment=experiment_log, test_buckets=50)
    assert running == _raw_bucket_stats(experiment_log)
    assert _group_totals(running)[CONTROL] == [2, 5, 2, 11, 3]


def test_experiment_results_page_and_csv_unchanged_by_the_roll_up(experiment_log, client, staff_user):
    client.force_login(staff_user)
    page = reverse("analytics:experiment_results", args=[experiment_log.pk])
    export = reverse("analytics:experiment_results_csv", args=[experiment_log.pk])
    groups_before = client.get(page).context["report"].groups
    csv_before = client.get(export).content.decode()

    rollups.rollup_refresh(days=[SUNDAY, MONDAY, TUESDAY, WEDNESDAY])

    assert client.get(page).context["report"].groups == groups_before
    assert client.get(export).content.decode() == csv_before
    assert [(g.users, g.pages, g.hits) for g in groups_before] == [(2, 4, 2), (1, 2, 1)]


def _roll_up_every_settled_day() -> set[date]:
    rollups.rollup_refresh(days=rollups.rollup_due_days())
    return set(RollupDay.objects.values_list("day", flat=True))


def _rolled_up_again_by_the_task(days: set[date]) -> None:
    """The task re-rolls the invalidated days (and the last settled one) in one run, and the figures stay raw."""
    assert rollups_refresh_due() == len(days | {rollups.last_settled_day()})
    assert days <= set(RollupDay.objects.values_list("day", flat=True))
    assert rollups.rollup_due_days() == [rollups.last_settled_day()]


def test_deleting_an_account_invalidates_the_days_of_its_impressions(log):
    rolled_up = _roll_up_every_settled_day()
    before = _tables()

    user_delete(user=log["alice"])  # her Monday page straddling midnight, its like, her Sunday and Tuesday actions

    assert rolled_up - set(RollupDay.objects.values_list("day", flat=True)) == {MONDAY, TUESDAY}
    after = _tables()
    assert after == _raw_tables() != before
    assert _rows(after, "feed_daily") == [["2026-03-10", 2, 1, 0.5, 10, 1, 0.1]]
    # Sunday stays rolled up: her actions stop counting there by cascade (ActiveUserWeek), as in the raw log.
    assert [day for day, _ in _rows(after, "dau")] == ["2026-03-09", "2026-03-10", "2026-03-11"]
    _rolled_up_again_by_the_task({MONDAY, TUESDAY})
    assert _tables() == after


def test_deleting_an_account_from_the_admin_goes_through_user_delete(log, client, staff_user):
    _roll_up_every_settled_day()
    client.force_login(staff_user)
    url = reverse("admin:accounts_user_delete", args=[log["alice"].pk])

    # Her impressions and likes go with her, though the admin deletes neither alone.
    assert client.get(url).context["perms_lacking"] == set()
    assert client.post(url, {"post": "yes"}).status_code == 302

    assert not User.objects.filter(pk=log["alice"].pk).exists()
    assert not RollupDay.objects.filter(day__in=[MONDAY, TUESDAY]).exists()
    assert _tables() == _raw_tables()


def test_deleting_a_post_invalidates_the_days_it_was_shown(experiment_log):
    rollups.rollup_refresh(days=rollups.rollup_due_days())
    before = experiment_bucket_stats(experiment=experiment_log, test_buckets=50)
    post = Like.objects.get(created_at=at(TUESDAY, 0, 10)).post

    post_delete(user=post.author, post=post)  # shown on every day; its like made ann's Monday page a hit

    assert not RollupDay.objects.filter(day__in=[SUNDAY, MONDAY, TUESDAY, WEDNESDAY]).exists()
    after = experiment_bucket_stats(experiment=experiment_log, test_buckets=50)
    assert after == _raw_bucket_stats(experiment_log) != before
    assert _group_totals(after)[TREATMENT] == [1, 2, 0, 4, 0]
    assert _tables() == _raw_tables()
    _rolled_up_again_by_the_task({SUNDAY, MONDAY, TUESDAY, WEDNESDAY})
    assert experiment_bucket_stats(experiment=experiment_log, test_buckets=50) == after


def test_taking_back_an_old_like_invalidates_its_days(log):
    _roll_up_every_settled_day()

    like_remove(user=log["carol"], post=log["posts"][0])  # liked 59m59s after her Tuesday page: a hit until now

    assert not RollupDay.objects.filter(day__in=[TUESDAY, WEDNESDAY]).exists()
    assert RollupDay.objects.filter(day=MONDAY).exists()
    after = _tables()
    assert after == _raw_tables()
    assert _rows(after, "feed_daily")[1] == ["2026-03-10", 2, 0, 0.0, 10, 0, 0.0]
    _rolled_up_again_by_the_task({TUESDAY, WEDNESDAY})


def _import_a_late_like(log, folder, users="user_id\n") -> None:
    """import_dataset on files with one like from the past: bob likes a post of his Tuesday 23:40 page 25 minutes
    after it was shown, which makes the page a hit."""
    User.objects.filter(pk=log["bob"].pk).update(external_id=501)
    Post.objects.filter(pk=log["posts"][6].pk).update(external_id=601)
    (folder / "users.csv").write_text(users)
    (folder / "posts.csv").write_text("post_id,text,topic\n")
    (folder / "feed.csv").write_text("timestamp,user_id,post_id,action\n2026-03-11T00:05:00Z,501,601,like\n")
    call_command("import_dataset", str(folder), verbosity=0)


def test_importing_likes_with_old_timestamps_invalidates_their_days(log, tmp_path):
    _roll_up_every_settled_day()

    _import_a_late_like(log, tmp_path)

    assert not RollupDay.objects.filter(day__in=[TUESDAY, WEDNESDAY]).exists()
    after = _tables()
    assert after == _raw_tables()
    assert _rows(after, "feed_daily")[1] == ["2026-03-10", 2, 2, 1.0, 10, 2, 0.2]
    _rolled_up_again_by_the_task({TUESDAY, WEDNESDAY})


def test_a_generated_network_invalidates_the_days_of_its_feed_log(log):
    from recommender.generator import NetworkSpec, generate_network, write_network

    rolled_up = _roll_up_every_settled_day()
    network = generate_network(NetworkSpec(users=6, posts=12, days=2, seed=3, feed_rows=60, end=at(WEDNESDAY)))
    shown = {moment.date() for moment in network.tables["views"]["viewed_at"]}
    assert shown and shown <= {MONDAY, TUESDAY, WEDNESDAY}

    write_network(network)

    assert shown <= rolled_up - set(RollupDay.objects.values_list("day", flat=True))
    assert _tables() == _raw_tables()


def test_a_rolled_back_write_leaves_the_registry_untouched(log, tmp_path):
    rolled_up = _roll_up_every_settled_day()
    alice = log["alice"].pk

    with pytest.raises(RuntimeError), transaction.atomic():
        user_delete(user=log["alice"])
        raise RuntimeError("the request fails after the deletion")
    # The import fails on its first write, after it invalidated the day of its like: u77 is taken.
    UserFactory(username="u77")
    with pytest.raises(psycopg2.IntegrityError):  # raised by COPY, which Django does not wrap
        _import_a_late_like(log, tmp_path, users="user_id\n77\n")

    assert set(RollupDay.objects.values_list("day", flat=True)) == rolled_up
    assert User.objects.filter(pk=alice).exists()
    assert Like.objects.filter(user=log["bob"]).count() == 1


def test_an_invalidating_write_holds_the_roll_up_lock_until_it_commits(log):
    """A refresh started meanwhile waits (it takes the lock exclusively), then reads the committed rows. (Nothing
    is rolled up first: the refresh would hold the lock until the end of the test's transaction.)"""
    other = psycopg2.connect(**connection.get_connection_params())
    try:

        def refresh_could_start() -> bool:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [rollups.ROLLUP_LOCK])
                locked = cursor.fetchone()[0]
            other.rollback()
            return locked

        assert refresh_could_start()
        like_remove(user=log["carol"], post=log["posts"][0])  # the test's transaction stays open
        assert not refresh_could_start()
    finally:
        other.close()


def test_a_like_too_recent_to_be_rolled_up_is_taken_back_without_waiting_for_a_refresh(log, user):
    like = LikeFactory(user=user, post=log["posts"][0])
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [rollups.ROLLUP_LOCK])  # a refresh is running
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")  # waiting would fail the test instead of hanging it

        like_remove(user=user, post=like.post)

        assert not Like.objects.filter(pk=like.pk).exists()
    finally:
        other.close()


def test_the_task_reaches_an_invalidated_day_behind_more_than_a_run_of_due_days():
    ActivityFactory(created_at=timezone.now() - timedelta(days=60))
    oldest = min(_roll_up_every_settled_day())
    with transaction.atomic():
        assert rollups.rollup_invalidate(days=rollups.days_between(oldest, oldest + timedelta(days=39))) == 40

    assert rollups_refresh_due() == ROLLUP_DAYS_PER_RUN  # the newest 30 invalidated days and the last settled one
    assert not RollupDay.objects.filter(day=oldest).exists()
    assert rollups_refresh_due() == 40 - (ROLLUP_DAYS_PER_RUN - 1) + 1
    assert RollupDay.objects.filter(day=oldest).exists()
    assert rollups.rollup_due_days() == [rollups.last_settled_day()]


def test_an_invalidation_drops_the_cached_dashboard_when_it_commits(
    log, client, staff_user, django_capture_on_commit_callbacks
):
    """The dashboard cached (in the suite's Redis) before a like is taken back shows the new figures as soon as the
    write commits, not five minutes later; a write that does not commit leaves the cache alone."""
    _roll_up_every_settled_day()
    client.force_login(staff_user)

    def tuesday_feed() -> list:
        response = client.get(reverse("analytics:dashboard"), {"from": SUNDAY, "to": WEDNESDAY})
        return next(table for table in response.context["tables"] if table.name == "feed_daily").rows[1]

    before = ["2026-03-10", 2, 1, 0.5, 10, 1, 0.1]
    assert tuesday_feed() == before
    version = rollups.dashboard_cache_version()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            like_remove(user=log["carol"], post=log["posts"][0])
            raise RuntimeError("the request fails after the write")
    assert rollups.dashboard_cache_version() == version
    with django_capture_on_commit_callbacks() as commit:
        like_remove(user=log["carol"], post=log["posts"][0])  # her Tuesday page's hit
    # Not committed yet: the cached tables are served (computed now, they would show the like gone).
    assert tuesday_feed() == before

    for callback in commit:
        callback()

    assert tuesday_feed() == ["2026-03-10", 2, 0, 0.0, 10, 0, 0.0]
    assert tuesday_feed() == _rows(_raw_tables(), "feed_daily")[1]


def test_a_lost_dashboard_cache_version_is_replaced_by_a_new_one():
    version = rollups.dashboard_cache_version()
    assert rollups.dashboard_cache_version() == version
    cache.delete(rollups.DASHBOARD_VERSION_KEY)  # evicted: the tables cached under `version` must not come back
    assert rollups.dashboard_cache_version() not in (None, version)
