from django.core.exceptions import ValidationError
from django.shortcuts import render

from accounts.selectors import follow_suggestions

from .services import feed_serve


def home(request):
    """The feed: a full page, or (for htmx infinite scroll) just the next page of posts."""
    try:
        page = feed_serve(
            user=request.user, mode=request.GET.get("mode", "for_you"), cursor=request.GET.get("cursor") or None
        )
    except ValidationError as error:  # a hand-edited URL: say what is wrong, serve (and log) nothing
        return render(request, "feed/home.html", {"page": None, "errors": error.message_dict}, status=400)
    if request.headers.get("HX-Request"):
        return render(request, "feed/_page.html", {"page": page})
    suggestions = follow_suggestions(user=request.user) if request.user.is_authenticated else []
    return render(request, "feed/home.html", {"page": page, "suggestions": suggestions})
