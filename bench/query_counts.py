"""SQL queries per request for the main pages, on a small and a large page (or a quiet and a busy owner).

Prints one JSON line {page: [queries_small, queries_large]}. They should be equal (no N+1), but for a section that
one page of a pair has and the other lacks: a profile with reposts loads their posts in one more query.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialnet.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from communities.models import Community  # noqa: E402


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, HTTP_HOST="127.0.0.1")
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return len(captured)


def main() -> None:
    by_activity = User.objects.filter(is_staff=False).annotate(n=Count("posts")).order_by("n", "id")
    quiet = by_activity.filter(n__gte=1).first()
    busy = by_activity.last()
    # The viewer stands in the same relation to both pages of a pair (someone else's profile, a community they are
    # not in), so that the counts differ only if a page's size does.
    viewer = by_activity.exclude(pk__in=[quiet.pk, busy.pk]).last()
    others = Community.objects.exclude(memberships__user=viewer)
    by_members = others.annotate(n=Count("memberships")).order_by("n", "id")
    client = Client()
    client.force_login(viewer)
    queries(client, reverse("feed:home"))  # the session's first request loads what later ones find cached
    result = {
        "feed API (5 vs 20 posts)": [queries(client, f"/api/v1/feed/?page_size={n}") for n in (5, 20)],
        "post list API (5 vs 50 posts)": [queries(client, f"/api/v1/posts/?page_size={n}") for n in (5, 50)],
        "profile page (quiet vs busy author)": [
            queries(client, reverse("accounts:profile", args=[u.username])) for u in (quiet, busy)
        ],
        "community page (small vs large)": [
            queries(client, reverse("communities:detail", args=[c.slug]))
            for c in (by_members.first(), by_members.last())
        ],
        "inbox (quiet vs busy user)": [],
    }
    for user in (quiet, busy):
        client.force_login(user)
        queries(client, reverse("feed:home"))
        result["inbox (quiet vs busy user)"].append(queries(client, reverse("messaging:inbox")))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
