"""Search over users, communities and posts: PostgreSQL full-text search, icontains elsewhere.

People and communities match word prefixes (names are typed as you go), people also the start of their username or
display name whatever it is (one letter too); posts take web-search syntax ("quoted phrases", -excluded words)."""

import re
from functools import reduce
from operator import and_, or_

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import Case, Q, QuerySet, When

from accounts.models import Profile, User
from accounts.selectors import blocked_user_ids
from communities.models import Community
from communities.selectors import community_list
from posts.models import Post
from posts.selectors import post_list

KINDS = ("users", "communities", "posts")
# The migration search/0001 indexes exactly these vectors; change both together.
CONFIG = "english"


def _vector(*fields: str) -> SearchVector:
    return SearchVector(*fields, config=CONFIG)


def _query(text: str) -> SearchQuery:
    return SearchQuery(text, config=CONFIG, search_type="websearch")


def _prefix_query(text: str) -> SearchQuery:
    """Every word as a prefix, so that names match as they are typed ("ali" finds alice). Only letters and digits
    reach the raw tsquery syntax."""
    words = re.findall(r"[^\W_]+", text)
    if not words:
        return _query(text)
    return SearchQuery(" & ".join(f"{word}:*" for word in words), config=CONFIG, search_type="raw")


def _words_match(text: str, *fields: str) -> Q:
    """The fallback: every word appears (case-insensitively) in one of the fields."""
    return reduce(and_, (reduce(or_, (Q(**{f"{f}__icontains": w}) for f in fields)) for w in text.split()))


def _ranked(
    qs,
    *,
    text: str,
    fields: tuple[str, ...],
    fallback_order: tuple[str, ...],
    query=_query,
    match: Q | None = None,
    first_order: tuple = (),
):
    """Rows matching `text` in `fields`, best first. `match` replaces the default one-vector filter; `first_order`
    comes before the rank."""
    if not settings.IS_POSTGRES:
        return qs.filter(_words_match(text, *fields)).order_by(*first_order, *fallback_order)
    if match is None:
        qs = qs.alias(search_vector=_vector(*fields)).filter(search_vector=query(text))
    else:
        qs = qs.filter(match)
    return qs.annotate(rank=SearchRank(_vector(*fields), query(text))).order_by(*first_order, "-rank", *fallback_order)


def search_users(*, text: str, viewer=None) -> QuerySet[User]:
    text = text.strip()
    qs = User.objects.filter(is_active=True).select_related("profile")
    if not text:
        return qs.none()
    hidden = blocked_user_ids(user=viewer)
    if hidden:
        qs = qs.exclude(pk__in=hidden)
    # Two single-table matches, so that each can use its own indexes (an OR across a join could not): word prefixes
    # through the full-text index, and the whole name's start through the prefix index (search/0002), which also
    # finds what full text drops: stop words ("a") and partial stems ("happin" for happiness).
    by_username = User.objects.alias(v=_vector("username")).filter(
        Q(v=_prefix_query(text)) | Q(username__istartswith=text)
    )
    by_display_name = Profile.objects.alias(v=_vector("display_name")).filter(
        Q(v=_prefix_query(text)) | Q(display_name__istartswith=text)
    )
    match = Q(pk__in=by_username.values("pk")) | Q(pk__in=by_display_name.values("user_id"))
    # The username typed exactly, then usernames and display names that start with it, then the rest by rank.
    name_match = Case(
        When(username__iexact=text, then=0),
        When(username__istartswith=text, then=1),
        When(profile__display_name__istartswith=text, then=2),
        default=3,
    )
    return _ranked(
        qs.alias(name_match=name_match),
        text=text,
        fields=("username", "profile__display_name"),
        query=_prefix_query,
        match=match,
        first_order=("name_match",),
        fallback_order=("username",),
    )


def search_communities(*, text: str, viewer=None) -> QuerySet[Community]:
    """Communities whose name or description match, with the viewer's role in each (communities.selectors)."""
    text = text.strip()
    qs = community_list(viewer=viewer)
    if not text:
        return qs.none()
    return _ranked(qs, text=text, fields=("name", "description"), query=_prefix_query, fallback_order=("name", "id"))


def search_posts(*, text: str, viewer=None) -> QuerySet[Post]:
    """Visible posts (not removed, no blocked authors) whose text matches."""
    text = text.strip()
    qs = post_list(viewer=viewer)
    if not text:
        return qs.none()
    return _ranked(qs, text=text, fields=("text",), fallback_order=("-created_at", "-id"))
