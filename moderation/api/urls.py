from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.ReportListView.as_view(), name="api-report-list"),
    path("reports/<int:pk>/resolve/", views.ReportResolveView.as_view(), name="api-report-resolve"),
]
