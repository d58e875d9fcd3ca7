import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analytics.experiments import CONTROL, TREATMENT, group_for
from analytics.models import Activity
from posts.models import PostView
from tests.factories import (
    ActivityFactory,
    ExperimentFactory,
    LikeFactory,
    PostFactory,
    PostViewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _staff_pages(experiment):
    return [
        reverse("analytics:dashboard"),
        reverse("analytics:table_csv", args=["dau"]),
        reverse("analytics:experiment_results", args=[experiment.pk]),
        reverse("analytics:experiment_results_csv", args=[experiment.pk]),
    ]


def test_anonymous_is_sent_to_login(client):
    for url in _staff_pages(ExperimentFactory()):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_non_staff_get_403(auth_client):
    for url in _staff_pages(ExperimentFactory()):
        assert auth_client.get(url).status_code == 403


def test_dashboard_shows_tables_charts_and_experiments(client, staff_user):
    client.force_login(staff_user)
    ActivityFactory(actor=staff_user)
    experiment = ExperimentFactory(name="random-vs-model")
    response = client.get(reverse("analytics:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in [
        "dau",
        "wau",
        "mau",
        "signups_source",
        "signups_os",
        "content_daily",
        "top_topics",
        "retention",
        "feed_daily",
        "feed_model",
        "feed_experiment",
    ]:
        assert f'id="table-{name}"' in html
    assert 'data-chart="chart-dau"' in html and '<script id="chart-dau" type="application/json">' in html
    assert reverse("analytics:experiment_results", args=[experiment.pk]) in html
    assert response.context["tables"][1].rows == [[timezone.now().date().isoformat(), 1]]


def test_dashboard_bad_range_shows_errors_and_defaults(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("analytics:dashboard"), {"from": "2026-05-01", "to": "2026-04-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["from"]
    assert response.context["end"] == timezone.now().date()


def test_dashboard_query_count_does_not_grow_with_experiments(client, staff_user):
    client.force_login(staff_user)
    url = reverse("analytics:dashboard")
    ExperimentFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"from": "2026-01-01", "to": "2026-01-31"})
    ExperimentFactory.create_batch(8)
    with CaptureQueriesContext(connection) as many:
        client.get(url, {"from": "2026-01-02", "to": "2026-01-31"})  # another range: not cached
    assert len(many) == len(few) <= 40  # report queries (with their SET LOCAL and savepoints) + session + nav


def test_table_csv_export(client, staff_user):
    client.force_login(staff_user)
    ActivityFactory(actor=staff_user)
    today = timezone.now().date().isoformat()
    response = client.get(reverse("analytics:table_csv", args=["dau"]), {"from": today, "to": today})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [["day", "users"], [today, "1"]]
    assert client.get(reverse("analytics:table_csv", args=["nope"])).status_code == 404


def _experiment_with_traffic():
    started = timezone.now() - timedelta(hours=3)
    experiment = ExperimentFactory(treatment_percent=50, started_at=started)
    posts = PostFactory.create_batch(5)
    # Three people in each group: the salt is random, so six arbitrary people all fell in one group 1 run in 32.
    people = {CONTROL: [], TREATMENT: []}
    while min(len(group) for group in people.values()) < 3:
        user = UserFactory()
        group = group_for(salt=experiment.salt, treatment_percent=50, user_id=user.pk)
        if len(people[group]) < 3:
            people[group].append(user)
        else:
            user.delete()
    for group, users in people.items():
        for user in users:
            page_id = PostView.new_page_id()
            for position, post in enumerate(posts):
                PostViewFactory(
                    user=user,
                    post=post,
                    page_id=page_id,
                    position=position,
                    viewed_at=started,
                    experiment=experiment.pk,
                    experiment_group=group,
                )
            if group == TREATMENT:
                LikeFactory(user=user, post=posts[0], created_at=started + timedelta(minutes=5))
    return experiment


def test_experiment_results_page_and_csv(client, staff_user):
    client.force_login(staff_user)
    experiment = _experiment_with_traffic()
    response = client.get(reverse("analytics:experiment_results", args=[experiment.pk]))
    assert response.status_code == 200
    report = response.context["report"]
    assert [g.group for g in report.groups] == [CONTROL, TREATMENT]
    assert sum(g.users for g in report.groups) == 6
    treatment = report.groups[1]
    assert treatment.hits == treatment.pages
    html = response.content.decode()
    assert "hitrate@5" in html and 'data-chart="chart-experiment"' in html
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("analytics:experiment_results_csv", args=[experiment.pk])).content.decode())
        )
    )
    assert rows[0][:3] == ["section", "group/metric", "users"]
    assert [r[1] for r in rows if r[0] == "group"] == [CONTROL, TREATMENT]
    assert [r[1] for r in rows if r[0] == "comparison"][1:] == ["hitrate@5", "CTR"]


def test_experiment_results_without_traffic_show_dashes_not_nan(client, staff_user):
    client.force_login(staff_user)
    experiment = ExperimentFactory(started_at=timezone.now() - timedelta(hours=2))
    html = client.get(reverse("analytics:experiment_results", args=[experiment.pk])).content.decode()
    assert not re.search(r"\bnan\b", html) and "— [—, —]" in html


def test_experiment_results_warns_on_sample_ratio_mismatch(client, staff_user):
    client.force_login(staff_user)
    experiment = ExperimentFactory(treatment_percent=50, started_at=timezone.now() - timedelta(hours=2))
    post = PostFactory()
    users = UserFactory.create_batch(30)
    # Everyone served as control although half should be treatment: the split is broken.
    for user in users:
        PostViewFactory(
            user=user,
            post=post,
            page_id=PostView.new_page_id(),
            viewed_at=timezone.now() - timedelta(hours=1),
            experiment=experiment.pk,
            experiment_group=CONTROL,
        )
    response = client.get(reverse("analytics:experiment_results", args=[experiment.pk]))
    assert response.context["report"].srm.mismatch
    assert 'id="srm-warning"' in response.content.decode()


def test_admin_lists_and_starts_experiments(client, staff_user):
    client.force_login(staff_user)
    experiment = ExperimentFactory()
    changelist = reverse("admin:analytics_experiment_changelist")
    response = client.get(changelist)
    assert response.status_code == 200
    assert reverse("analytics:experiment_results", args=[experiment.pk]) in response.content.decode()
    client.post(changelist, {"action": "start_experiments", "_selected_action": [experiment.pk]})
    experiment.refresh_from_db()
    assert experiment.status == "running"
    assert Activity.objects.filter(verb="experiment_start", actor=staff_user).exists()


def test_admin_creates_experiment_through_the_service(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:analytics_experiment_add"),
        {"name": "new-test", "surface": "feed", "salt": "", "treatment_percent": 20},
    )
    assert response.status_code == 302
    assert Activity.objects.filter(verb="experiment_create", actor=staff_user).count() == 1
    response = client.post(
        reverse("admin:analytics_experiment_add"),
        {"name": "bad", "surface": "feed", "salt": "", "treatment_percent": 0},
    )
    assert response.status_code == 200
    assert "treatment_percent" in response.context["adminform"].form.errors


def test_activity_admin_is_read_only(client, staff_user):
    client.force_login(staff_user)
    activity = ActivityFactory()
    assert client.get(reverse("admin:analytics_activity_changelist")).status_code == 200
    assert client.get(reverse("admin:analytics_activity_add")).status_code == 403
    assert (
        client.post(reverse("admin:analytics_activity_delete", args=[activity.pk]), {"post": "yes"}).status_code == 403
    )
    assert Activity.objects.filter(pk=activity.pk).exists()
