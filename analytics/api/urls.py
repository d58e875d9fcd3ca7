from django.urls import path

from . import views

urlpatterns = [
    path("analytics/<slug:metric>/", views.MetricView.as_view(), name="analytics-metric"),
]
