from django.urls import path

from socialnet.placeholder import placeholder  # PLACEHOLDER

app_name = "accounts"
urlpatterns = [
    path("login/", placeholder, name="login"),
    path("logout/", placeholder, name="logout"),
    path("register/", placeholder, name="register"),
    path("u/<str:username>/", placeholder, name="profile"),
]
