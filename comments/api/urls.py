from django.urls import path

from . import views

urlpatterns = [
    path("posts/<int:post_id>/comments/", views.PostCommentsView.as_view(), name="api-post-comments"),
    path("comments/<int:pk>/", views.CommentDetailView.as_view(), name="api-comment-detail"),
    path("comments/<int:pk>/replies/", views.CommentRepliesView.as_view(), name="api-comment-replies"),
    path("comments/<int:pk>/like/", views.CommentLikeView.as_view(), name="api-comment-like"),
    path("comments/<int:pk>/remove/", views.CommentRemoveView.as_view(), name="api-comment-remove"),
    path("posts/<int:post_id>/repost/", views.RepostView.as_view(), name="api-post-repost"),
    path("users/<str:username>/reposts/", views.UserRepostsView.as_view(), name="api-user-reposts"),
]
