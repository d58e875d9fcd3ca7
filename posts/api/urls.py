from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("posts", views.PostViewSet, basename="api-post")

urlpatterns = [
    path("posts/<int:pk>/like/", views.LikeView.as_view(), name="api-post-like"),
    path("posts/<int:pk>/likes/", views.PostLikersView.as_view(), name="api-post-likes"),
    path("topics/", views.TopicListView.as_view(), name="api-topic-list"),
    *router.urls,
]
