"""Reads behind the feed: what a user has already seen, random recent posts, the chronological feed."""

import random
from datetime import datetime

from django.db.models import Q, QuerySet

from accounts.models import Follow
from communities.models import Membership
from posts.models import Like, Post, PostView
from posts.selectors import post_list

# The random feed samples from this many of the newest unseen posts.
RANDOM_POOL_SIZE = 500
# The random pool looks at most this many of the newest posts, however many the viewer has seen.
MAX_NEWEST_SCANNED = 20_000


def seen_post_ids(*, user) -> set[int]:
    """Posts the user was shown or liked, in one query over the (user, viewed_at) and (user, post) indexes."""
    views = PostView.objects.filter(user=user).values_list("post_id", flat=True)
    likes = Like.objects.filter(user=user).values_list("post_id", flat=True)
    return set(views.union(likes))


def posts_in_order(*, viewer, post_ids: list[int]) -> list[Post]:
    """Post cards for the ids in the given order; posts the viewer may not see are dropped."""
    by_id = {post.pk: post for post in post_list(viewer=viewer).filter(id__in=post_ids)}
    return [by_id[pk] for pk in post_ids if pk in by_id]


def _newest_unseen_ids(*, viewer, exclude_post_ids: set[int], count: int) -> list[int]:
    """Ids of up to `count` newest visible posts not in `exclude_post_ids`.

    Reads the newest count + len(exclude) posts by the created_at index (enough, since at most len(exclude) of
    them are excluded; capped for users who have seen a great many) and drops the seen ones here: a NOT IN list
    of everything a busy user has seen made PostgreSQL plan a scan and sort of every post instead.
    """
    limit = min(count + len(exclude_post_ids), MAX_NEWEST_SCANNED)
    newest = post_list(viewer=viewer).order_by("-created_at", "-id").values_list("id", flat=True)[:limit]
    return [pk for pk in newest if pk not in exclude_post_ids][:count]


def random_recent_posts(*, viewer, exclude_post_ids: set[int], count: int, rng: random.Random | None = None) -> list:
    """A random sample of the newest posts the viewer has not seen: the feed without a model."""
    pool_ids = _newest_unseen_ids(viewer=viewer, exclude_post_ids=exclude_post_ids, count=RANDOM_POOL_SIZE)
    chosen = (rng or random).sample(pool_ids, min(count, len(pool_ids)))
    return posts_in_order(viewer=viewer, post_ids=chosen)


def latest_posts(*, viewer, before: tuple[datetime, int] | None, count: int) -> QuerySet[Post]:
    """Newest first, from the viewer, people they follow and communities they belong to (keyset-paginated)."""
    followees = Follow.objects.filter(follower=viewer).values("followee_id")
    communities = Membership.objects.filter(user=viewer, is_banned=False).values("community_id")
    qs = post_list(viewer=viewer).filter(
        Q(author=viewer) | Q(author_id__in=followees) | Q(community_id__in=communities)
    )
    if before is not None:
        created_at, post_id = before
        qs = qs.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=post_id))
    return qs.order_by("-created_at", "-id")[:count]
