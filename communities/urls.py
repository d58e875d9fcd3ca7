from django.urls import path

from socialnet.placeholder import placeholder  # PLACEHOLDER

app_name = "communities"
urlpatterns = [
    path("", placeholder, name="list"),
]
