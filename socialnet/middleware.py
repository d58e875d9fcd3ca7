import hashlib
import logging
import time

from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
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


class RejectNulCharactersMiddleware:
    """400 for a NUL character in the path, query, cookies or Authorization header.

    PostgreSQL cannot store or compare strings with NUL, so such a value reaching a query (a session key, a
    username in the URL, a search term) raised ValueError and answered 500. Form and JSON fields are checked by
    the forms and serializers themselves (Django's and DRF's CharField refuse NUL).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        values = [request.path, request.headers.get("Authorization", "")]
        values += [value for _, value_list in request.GET.lists() for value in value_list]
        values += list(request.GET) + list(request.COOKIES.values())
        if any("\x00" in value for value in values):
            detail = "NUL characters are not allowed in the address, cookies or headers."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": detail}, status=400)
            return HttpResponseBadRequest(detail)
        return self.get_response(request)


class IdempotencyKeyMiddleware:
    """Replays the first response to a write that repeats its idempotency key, so retries create nothing twice.

    API clients send the key in the Idempotency-Key header; HTML create forms carry a one-time hidden
    `idempotency_key` field (templates/includes/idempotency_field.html), so a double-clicked form creates one row.
    Keys are scoped by user (or session) and kept for a day. A duplicate arriving while the first is still running
    waits for it and replays its answer; if the first takes longer than WAIT_SECONDS, the duplicate gets 409.
    """

    HEADER = "Idempotency-Key"
    FORM_FIELD = "idempotency_key"
    TTL = 24 * 3600
    RUNNING_TTL = 60
    WAIT_SECONDS = 10
    POLL_SECONDS = 0.05
    WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
    FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
    # Headers a replay must repeat for the client to end where the first answer took it.
    REPLAYED_HEADERS = ("Location", "HX-Redirect", "HX-Retarget", "HX-Reswap", "HX-Trigger", "Retry-After")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in self.WRITE_METHODS:
            return self.get_response(request)
        key = request.headers.get(self.HEADER) or self._form_key(request)
        if not key:
            return self.get_response(request)
        if len(key) > 200:
            return JsonResponse({self.HEADER: ["At most 200 characters."]}, status=400)
        scope = self._scope(request)
        cache_key = "idem:" + hashlib.sha256(f"{scope}|{request.method}|{request.path}|{key}".encode()).hexdigest()
        deadline = time.monotonic() + self.WAIT_SECONDS
        while True:
            stored = cache.get(cache_key)
            if isinstance(stored, dict) and stored.get("state") == "done":
                return self._replay(stored)
            if cache.add(cache_key, {"state": "running"}, timeout=self.RUNNING_TTL):
                break
            if cache.get(cache_key) is None:
                # The cache is unreachable: serve the request unprotected rather than refuse it.
                logger.error("idempotency cache down; %s %s served unprotected", request.method, request.path)
                break
            if time.monotonic() >= deadline:
                return JsonResponse(
                    {"detail": "A request with this Idempotency-Key is already being processed."}, status=409
                )
            time.sleep(self.POLL_SECONDS)
        try:
            response = self.get_response(request)
        except Exception:
            cache.delete(cache_key)
            raise
        if response.status_code < 500 and not getattr(response, "streaming", False):
            cache.set(cache_key, self._stored(response), timeout=self.TTL)
        else:
            cache.delete(cache_key)
        return response

    def _form_key(self, request) -> str:
        """The hidden field of an HTML form post by a signed-in user (API clients use the header)."""
        if request.path.startswith("/api/") or request.content_type not in self.FORM_CONTENT_TYPES:
            return ""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return ""
        # Reading POST before the CSRF check is safe: CsrfViewMiddleware still checks the same parsed data.
        # A body over DATA_UPLOAD_MAX_MEMORY_SIZE raises RequestDataTooBig here, which Django answers with 400.
        return request.POST.get(self.FORM_FIELD, "")

    def _stored(self, response) -> dict:
        return {
            "state": "done",
            "status": response.status_code,
            "body": response.content,
            "content_type": response.get("Content-Type", "application/json"),
            "headers": {name: response[name] for name in self.REPLAYED_HEADERS if response.has_header(name)},
        }

    @staticmethod
    def _replay(stored: dict) -> HttpResponse:
        response = HttpResponse(stored["body"], status=stored["status"], content_type=stored["content_type"])
        for name, value in stored.get("headers", {}).items():
            response[name] = value
        response["Idempotent-Replayed"] = "true"
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

