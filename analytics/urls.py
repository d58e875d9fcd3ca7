from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:name>.csv", views.table_csv, name="table_csv"),
    path("experiments/<int:pk>/", views.experiment_results, name="experiment_results"),
    path("experiments/<int:pk>/results.csv", views.experiment_results_csv, name="experiment_results_csv"),
]
