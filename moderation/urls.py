from django.urls import path

from . import views

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("report/<str:target_type>/<int:target_id>/", views.report_create, name="report"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
]
