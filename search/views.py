from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.http import urlencode

from . import selectors

RESULTS_PER_PAGE = 20
PREVIEW_PER_KIND = 5
KIND_TITLES = {"users": "People", "communities": "Communities", "posts": "Posts"}


def results(request):
    """One box for people, communities and posts: a preview of each kind, or one kind page by page (?type=)."""
    text = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("type", "")
    searches = {
        "users": lambda: selectors.search_users(text=text, viewer=request.user),
        "communities": lambda: selectors.search_communities(text=text, viewer=request.user),
        "posts": lambda: selectors.search_posts(text=text, viewer=request.user),
    }
    context = {"q": text, "kind": kind if kind in searches else "", "kind_titles": KIND_TITLES}
    if context["kind"]:
        context["page"] = Paginator(searches[kind](), RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        context["extra"] = "&" + urlencode({"q": text, "type": kind})
    elif text:
        context["groups"] = [
            {"kind": name, "title": KIND_TITLES[name], "items": list(qs[:PREVIEW_PER_KIND]), "count": qs.count()}
            for name, qs in ((name, search()) for name, search in searches.items())
        ]
    return render(request, "search/results.html", context)
