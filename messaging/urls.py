from django.urls import path

from socialnet.placeholder import placeholder  # PLACEHOLDER

app_name = "messaging"
urlpatterns = [
    path("", placeholder, name="inbox"),
]
