from django.urls import path

from socialnet.placeholder import placeholder  # PLACEHOLDER

app_name = "analytics"
urlpatterns = [
    path("", placeholder, name="dashboard"),
]
