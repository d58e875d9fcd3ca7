from django.urls import path

from socialnet.placeholder import placeholder  # PLACEHOLDER

app_name = "posts"
urlpatterns = [
    path("new/", placeholder, name="create"),
]
