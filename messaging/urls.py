from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.group_create, name="group_create"),
    path("with/<str:username>/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/messages/", views.messages_after, name="messages_after"),
    path("<int:pk>/leave/", views.leave, name="leave"),
    path("message/<int:pk>/", views.message_detail, name="message"),
    path("message/<int:pk>/edit/", views.message_edit, name="message_edit"),
    path("message/<int:pk>/delete/", views.message_delete, name="message_delete"),
]
