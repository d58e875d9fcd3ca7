from django.urls import path, re_path

from . import views

app_name = "communities"
urlpatterns = [
    path("", views.community_list, name="list"),
    path("new/", views.community_create, name="create"),
    path("slug-suggest/", views.slug_suggest, name="slug_suggest"),
    path("<slug:slug>/", views.community_detail, name="detail"),
    path("<slug:slug>/edit/", views.community_edit, name="edit"),
    path("<slug:slug>/delete/", views.community_delete, name="delete"),
    path("<slug:slug>/members/", views.community_members, name="members"),
    path("<slug:slug>/join/", views.community_join, name="join"),
    path("<slug:slug>/leave/", views.community_leave, name="leave"),
    path("<slug:slug>/posts/", views.community_post_create, name="post_create"),
    path("<slug:slug>/posts/<int:post_id>/remove/", views.community_post_remove, name="post_remove"),
    re_path(
        r"^(?P<slug>[-a-zA-Z0-9_]+)/(?P<action>moderator_add|moderator_remove|ban|unban|transfer)/$",
        views.community_user_action,
        name="user_action",
    ),
]
