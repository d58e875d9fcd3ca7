from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults

API_PREFIX = "/api/"


def not_found(request, exception):
    """An address no URL matches: JSON under /api/, as every other API error, so clients parse one shape."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """A request the site cannot read (a pager's `before` that is no id...): JSON under /api/, as every other API
    error, else a site page. It gives the reason of a BadRequest, which this code raises with words meant for people,
    but not that of a SuspiciousOperation (a forged Host header...), which would echo what an attacker sent."""
    reason = str(exception) if isinstance(exception, BadRequest) else ""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": reason or "Bad request."}, status=400)
    return render(request, "400.html", {"reason": reason}, status=400)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    """A refused form (no or stale CSRF token) as a site page; rendered with the request, so the header is right."""
    return render(request, "403_csrf.html", status=403)


def healthz(request):
    """Liveness: the process answers (no dependencies checked, so a database outage does not restart web)."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Readiness: database and Redis must answer; the model is reported (the feed falls back without one)."""
    checks = {"database": _check_database(), "redis": _check_redis(), "model": _check_model()}
    ready = checks["database"] == "ok" and checks["redis"] in ("ok", "not configured")
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


def _check_model() -> str:
    try:
        from recommender.models import ModelVersion

        active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).only("id").first()
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return f"active v{active.pk}" if active else "none (feed serves random posts)"
