from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ConversationMessagesView, ConversationViewSet, MessageDetailView

router = SimpleRouter()
router.register("conversations", ConversationViewSet, basename="conversation")

urlpatterns = [
    *router.urls,
    path("conversations/<int:pk>/messages/", ConversationMessagesView.as_view(), name="conversation-messages"),
    path("messages/<int:pk>/", MessageDetailView.as_view(), name="message-detail"),
]
