from django.urls import path

from . import views

app_name = "comments"
urlpatterns = [
    path("post/<int:post_id>/", views.post_comments, name="post_comments"),
    path("post/<int:post_id>/new/", views.create, name="create"),
    path("post/<int:post_id>/repost/", views.repost, name="repost"),
    path("post/<int:post_id>/unrepost/", views.unrepost, name="unrepost"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/remove/", views.remove, name="remove"),
    path("<int:pk>/like/", views.like, name="like"),
    path("<int:pk>/unlike/", views.unlike, name="unlike"),
]
