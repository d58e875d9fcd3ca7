from django.urls import path

from . import views

urlpatterns = [
    path("communities/", views.CommunityListCreateView.as_view(), name="api-community-list"),
    path("communities/<slug:slug>/", views.CommunityDetailView.as_view(), name="api-community-detail"),
    path("communities/<slug:slug>/join/", views.CommunityJoinView.as_view(), name="api-community-join"),
    path("communities/<slug:slug>/leave/", views.CommunityLeaveView.as_view(), name="api-community-leave"),
    path("communities/<slug:slug>/members/", views.CommunityMembersView.as_view(), name="api-community-members"),
    path("communities/<slug:slug>/posts/", views.CommunityPostsView.as_view(), name="api-community-posts"),
    path("communities/<slug:slug>/moderators/", views.ModeratorAddView.as_view(), name="api-community-moderators"),
    path(
        "communities/<slug:slug>/moderators/<str:username>/",
        views.ModeratorRemoveView.as_view(),
        name="api-community-moderator",
    ),
    path("communities/<slug:slug>/bans/", views.BanCreateView.as_view(), name="api-community-bans"),
    path("communities/<slug:slug>/bans/<str:username>/", views.BanDeleteView.as_view(), name="api-community-ban"),
    path("communities/<slug:slug>/transfer/", views.OwnershipTransferView.as_view(), name="api-community-transfer"),
    path(
        "communities/<slug:slug>/posts/<int:post_id>/remove/",
        views.CommunityPostRemoveView.as_view(),
        name="api-community-post-remove",
    ),
]
