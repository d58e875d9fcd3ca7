import hashlib
import logging

from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)


def service_unavailable(request) -> HttpResponse:
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"detail": "The service is temporarily unavailable. Please try again shortly."}, status=503)
    # A static template: rendering it must not touch the database that just failed.
    return HttpResponse(loader.get_template("503.html").render(), status=503)


class DatabaseUnavailableMiddleware:
    """PostgreSQL down -> a clear 503 (HTML or JSON), never a stack trace."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except DATABASE_DOWN as exc:
            return self._unavailable(request, exc)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_DOWN):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request, exc):
        logger.error("database unavailable on %s: %s", request.path, exc)
        return service_unavailable(request)


class IdempotencyKeyMiddleware:
    """Replays the first response to an API write that repeats its Idempotency-Key, so retries create nothing twice.

    Keys are scoped by user (or session) and kept for a day; a duplicate arriving while the first is still
    running gets 409.
    """

    HEADER = "Idempotency-Key"
    TTL = 24 * 3600
    WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(self.HEADER)
        if not key or request.method not in self.WRITE_METHODS:
            return self.get_response(request)
        if len(key) > 200:
            return JsonResponse({self.HEADER: ["At most 200 characters."]}, status=400)
        scope = self._scope(request)
        cache_key = "idem:" + hashlib.sha256(f"{scope}|{request.method}|{request.path}|{key}".encode()).hexdigest()
        stored = cache.get(cache_key)
        if isinstance(stored, dict) and stored.get("state") == "done":
            response = HttpResponse(stored["body"], status=stored["status"], content_type=stored["content_type"])
            response["Idempotent-Replayed"] = "true"
            return response
        if not cache.add(cache_key, {"state": "running"}, timeout=60):
            if cache.get(cache_key) is not None:
                return JsonResponse(
                    {"detail": "A request with this Idempotency-Key is already being processed."}, status=409
                )
            # The cache is unreachable: serve the request unprotected rather than refuse it.
            logger.error("idempotency cache down; %s %s served unprotected", request.method, request.path)
        try:
            response = self.get_response(request)
        except Exception:
            cache.delete(cache_key)
            raise
        if response.status_code < 500 and not getattr(response, "streaming", False):
            cache.set(
                cache_key,
                {
                    "state": "done",
                    "status": response.status_code,
                    "body": response.content,
                    "content_type": response.get("Content-Type", "application/json"),
                },
                timeout=self.TTL,
            )
        else:
            cache.delete(cache_key)
        return response

    @staticmethod
    def _scope(request) -> str:
        auth = request.headers.get("Authorization", "")
        if auth:
            return "auth:" + hashlib.sha256(auth.encode()).hexdigest()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        return "session:" + (request.COOKIES.get("sessionid") or request.META.get("REMOTE_ADDR", ""))

