from django.urls import path

from socialnet.placeholder import placeholder  # PLACEHOLDER

app_name = "notifications"
urlpatterns = [
    path("", placeholder, name="list"),
]
