"""Remember where a visitor came from on their first page, so that sign-up (pages later) can record it."""

from urllib.parse import urlsplit

LANDING_SESSION_KEY = "landing"


class LandingSourceMiddleware:
    """Stores ?utm_source= and an external Referer of the first landing page in the session, once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        anonymous = user is None or not user.is_authenticated
        if session is not None and anonymous and LANDING_SESSION_KEY not in session and request.method == "GET":
            utm_source = request.GET.get("utm_source", "")[:100]
            referer = request.META.get("HTTP_REFERER", "")[:300]
            if urlsplit(referer).hostname == request.get_host().split(":")[0]:
                referer = ""  # moving between our own pages says nothing about the source
            if utm_source or referer:
                session[LANDING_SESSION_KEY] = {"utm_source": utm_source, "referer": referer}
        return self.get_response(request)


def landing_source(request) -> dict[str, str]:
    """The remembered landing source, or what this very request carries (a first visit straight to sign-up)."""
    remembered = request.session.get(LANDING_SESSION_KEY) or {}
    return {
        "utm_source": remembered.get("utm_source") or request.GET.get("utm_source", ""),
        "referer": remembered.get("referer", ""),
    }
