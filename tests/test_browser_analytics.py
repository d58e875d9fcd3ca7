"""A staff user opens the analytics dashboard and an experiment's results page in a real browser; the charts draw."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from posts.models import PostView
from tests.factories import ActivityFactory, ExperimentFactory, PostFactory, PostViewFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _chart_drawn(page, chart_id: str) -> bool:
    return page.evaluate(
        "id => { const c = document.querySelector(`canvas[data-chart='${id}']`);"
        " return !!(c && window.Chart && Chart.getChart(c)); }",
        chart_id,
    )


def test_staff_sees_dashboard_and_experiment_results(page, live_server):
    staff = UserFactory(is_staff=True, is_superuser=True)
    ActivityFactory(actor=staff)
    experiment = ExperimentFactory(name="random-vs-model", started_at=timezone.now() - timedelta(hours=2))
    PostViewFactory(
        user=staff,
        post=PostFactory(),
        page_id=PostView.new_page_id(),
        experiment=experiment.pk,
        experiment_group="control",
        viewed_at=timezone.now() - timedelta(hours=1),
    )
    _log_in(page, live_server, staff)

    page.goto(live_server.url + reverse("analytics:dashboard"))
    assert page.locator("h1").inner_text() == "Analytics"
    page.wait_for_function("() => window.Chart && document.querySelectorAll('canvas[data-chart]').length > 0")
    for chart_id in ["chart-dau", "chart-signups", "chart-content", "chart-feed"]:
        page.wait_for_function(
            "id => Chart.getChart(document.querySelector(`canvas[data-chart='${id}']`))", arg=chart_id
        )
        assert _chart_drawn(page, chart_id)
    assert page.locator("#table-dau td").first.inner_text() == timezone.now().date().isoformat()

    # Changing the range swaps the report in with htmx and redraws the charts.
    page.fill("input[name=from]", (timezone.now().date() - timedelta(days=6)).isoformat())
    page.click("form.date-range button")
    page.wait_for_url("**from=*")
    page.wait_for_function("() => Chart.getChart(document.querySelector(\"canvas[data-chart='chart-dau']\"))")

    page.click("text=Results >> nth=0")
    page.wait_for_url(f"**/analytics/experiments/{experiment.pk}/")
    assert "random-vs-model" in page.locator("h1").inner_text()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas[data-chart]'))")
    assert _chart_drawn(page, "chart-experiment")
    assert page.locator("text=Treatment minus control").is_visible()

    # On a phone (375 px) charts and tables fit the screen (wide tables scroll inside their card), not the page.
    page.set_viewport_size({"width": 375, "height": 800})
    for url in [reverse("analytics:dashboard"), reverse("analytics:experiment_results", args=[experiment.pk])]:
        page.goto(live_server.url + url)
        page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas[data-chart]'))")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, url


def test_non_staff_is_refused_in_the_browser(page, live_server):
    _log_in(page, live_server, UserFactory())
    response = page.goto(live_server.url + reverse("analytics:dashboard"))
    assert response.status == 403
