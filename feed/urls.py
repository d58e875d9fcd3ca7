from django.urls import path

from socialnet.placeholder import placeholder  # PLACEHOLDER

app_name = "feed"
urlpatterns = [
    path("", placeholder, name="home"),
]
