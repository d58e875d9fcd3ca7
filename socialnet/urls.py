from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("posts.api.urls")),
    path("", include("communities.api.urls")),
    path("", include("messaging.api.urls")),
    path("", include("comments.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("moderation.api.urls")),
    path("", include("search.api.urls")),
    path("", include("feed.api.urls")),
    path("", include("analytics.api.urls")),
    path("", include("recommender.api.urls")),
]

urlpatterns = [
    path("", include("feed.urls")),
    path("accounts/", include("accounts.urls")),
    path("posts/", include("posts.urls")),
    path("communities/", include("communities.urls")),
    path("messages/", include("messaging.urls")),
    path("comments/", include("comments.urls")),
    path("notifications/", include("notifications.urls")),
    path("moderation/", include("moderation.urls")),
    path("search/", include("search.urls")),
    path("analytics/", include("analytics.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]

handler400 = "socialnet.views.bad_request"
handler404 = "socialnet.views.not_found"
handler500 = "socialnet.views.server_error"
