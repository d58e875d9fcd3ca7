import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
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

if settings.DEBUG and not urlsplit(settings.MEDIA_URL).netloc:
    # Development only, and profile pictures only: MEDIA_ROOT also holds the private model artifacts, which
    # django.conf.urls.static.static() would serve too. Production: deploy/nginx-media.conf (README, "Media").
    # The folder is the document root, so no "../" in the address reaches out of it.
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}avatars/(?P<path>.+)$",
            serve,
            {"document_root": settings.MEDIA_ROOT / "avatars"},
        )
    ]

handler400 = "socialnet.views.bad_request"
handler404 = "socialnet.views.not_found"
handler500 = "socialnet.views.server_error"
