from django.urls import path

from . import views

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="api-register"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/password-reset/", views.PasswordResetView.as_view(), name="api-password-reset"),
    path(
        "auth/password-reset/confirm/", views.PasswordResetConfirmView.as_view(), name="api-password-reset-confirm"
    ),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("me/avatar/", views.AvatarView.as_view(), name="api-me-avatar"),
    path("me/password/", views.PasswordChangeView.as_view(), name="api-me-password"),
    path("me/blocked/", views.BlockedListView.as_view(), name="api-me-blocked"),
    path("me/suggestions/", views.FollowSuggestionsView.as_view(), name="api-me-suggestions"),
    path("users/", views.UserListView.as_view(), name="api-user-list"),
    path("users/<str:username>/", views.UserDetailView.as_view(), name="api-user-detail"),
    path("users/<str:username>/follow/", views.FollowView.as_view(), name="api-user-follow"),
    path("users/<str:username>/followers/", views.FollowersView.as_view(), name="api-user-followers"),
    path("users/<str:username>/following/", views.FollowingView.as_view(), name="api-user-following"),
    path("users/<str:username>/block/", views.BlockView.as_view(), name="api-user-block"),
]
