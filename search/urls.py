from django.urls import path

from socialnet.placeholder import placeholder  # PLACEHOLDER

app_name = "search"
urlpatterns = [
    path("", placeholder, name="results"),
]
