import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.experiments import experiment_report
from tests.factories import ActivityFactory, ExperimentFactory

from .test_views import _experiment_with_traffic

pytestmark = pytest.mark.django_db
METRICS = ["activity", "signups", "content", "topics", "retention", "feed"]


@pytest.mark.parametrize("metric", METRICS)
def test_anonymous_and_non_staff_are_refused(api_client, auth_api_client, metric):
    assert api_client.get(f"/api/v1/analytics/{metric}/").status_code in (401, 403)
    assert auth_api_client.get(f"/api/v1/analytics/{metric}/").status_code == 403


@pytest.mark.parametrize("metric", METRICS)
def test_staff_get_the_metric_tables(api_client, staff_user, metric):
    api_client.force_authenticate(staff_user)
    response = api_client.get(f"/api/v1/analytics/{metric}/")
    assert response.status_code == 200
    body = response.json()
    assert body["metric"] == metric
    assert body["end"] == timezone.now().date().isoformat()
    assert all({"name", "title", "columns", "rows"} <= set(table) for table in body["tables"])


def test_range_and_rows(api_client, staff_user):
    api_client.force_authenticate(staff_user)
    ActivityFactory(actor=staff_user)
    today = timezone.now().date().isoformat()
    body = api_client.get("/api/v1/analytics/activity/", {"from": today, "to": today}).json()
    dau = next(t for t in body["tables"] if t["name"] == "dau")
    assert dau["rows"] == [[today, 1]]


def test_bad_range_is_400_with_field_messages(api_client, staff_user):
    api_client.force_authenticate(staff_user)
    response = api_client.get("/api/v1/analytics/activity/", {"from": "2026-05-02", "to": "2026-05-01"})
    assert response.status_code == 400
    assert "from" in response.json()
    assert "to" in api_client.get("/api/v1/analytics/activity/", {"to": "yesterday"}).json()


def test_unknown_metric_is_404(api_client, staff_user):
    api_client.force_authenticate(staff_user)
    assert api_client.get("/api/v1/analytics/nope/").status_code == 404


def test_staff_get_experiment_results_as_on_the_page(api_client, auth_api_client, staff_user):
    experiment = _experiment_with_traffic()
    url = reverse("analytics-experiment-results", args=[experiment.pk])
    assert auth_api_client.get(url).status_code == 403
    api_client.force_authenticate(staff_user)
    data = api_client.get(url).json()
    report = experiment_report(experiment=experiment)
    assert data["experiment"]["id"] == experiment.pk and data["experiment"]["status"] == "running"
    assert [(g["group"], g["users"], g["pages"], g["hits"]) for g in data["groups"]] == [
        (g.group, g.users, g.pages, g.hits) for g in report.groups
    ]
    assert data["groups"][1]["hitrate"]["value"] == 1.0  # every treatment page was liked
    assert [c["metric"] for c in data["comparisons"]] == ["hitrate@5", "CTR"]
    assert 0 <= data["comparisons"][0]["proportion_test"]["p_value"] <= 1
    assert api_client.get(reverse("analytics-experiment-results", args=[experiment.pk + 1000])).status_code == 404


def test_experiment_without_traffic_has_null_rates(api_client, staff_user):
    api_client.force_authenticate(staff_user)
    experiment = ExperimentFactory(started_at=timezone.now())
    data = api_client.get(reverse("analytics-experiment-results", args=[experiment.pk])).json()
    assert data["groups"][0]["hitrate"]["value"] is None and data["srm"] is None
