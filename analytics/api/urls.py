from django.urls import path

from . import views

urlpatterns = [
    path("analytics/<slug:metric>/", views.MetricView.as_view(), name="analytics-metric"),
    path(
        "analytics/experiments/<int:pk>/results/",
        views.ExperimentResultsView.as_view(),
        name="analytics-experiment-results",
    ),
]
