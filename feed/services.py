"""Serving feed pages: rank with the model (or the experiment's variant), fall back to random posts, log impressions."""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from analytics.experiments import NO_EXPERIMENT, Variant, variant_for
from analytics.services import activity_record
from posts.models import Post, PostView
from posts.reposts import reposts_for_follower
from recommender.serving import ModelUnavailable, rank_for_user

from .selectors import latest_posts, posts_in_order, random_recent_posts, seen_post_ids

logger = logging.getLogger(__name__)

MODES = ("for_you", "latest")
MAX_PAGE_SIZE = 50
# fallback_reason of chronological pages: the model was not asked, by the user's choice.
LATEST_MODE = "latest"
FALLBACK_COUNTER_KEY = "feed:fallbacks:{reason}"
FALLBACK_COUNTER_SECONDS = 7 * 24 * 3600
FALLBACK_REASONS = ("no_model", "artifact_unreadable", "timeout", "no_candidates", "error")
# The model is asked for more posts than a page holds: some may be hidden from the viewer (blocks, removals).
RANK_OVERFETCH = 2


@dataclass
class FeedPage:
    posts: list[Post]
    page_id: uuid.UUID | None = None
    model_version_id: int | None = None
    experiment_id: int | None = None
    experiment_group: str = ""
    fallback_reason: str = ""
    reasons: dict[int, str] = field(default_factory=dict)
    mode: str = "for_you"
    # Latest mode only: where the next page starts.
    next_cursor: str | None = None
    # Latest mode only: position in `posts` -> the repost (by someone the viewer follows) that brought it there.
    reposts: dict = field(default_factory=dict)

    def next_query(self) -> str | None:
        """Query string of the following page: the same mode (for you: the next unseen posts), or the cursor."""
        if not self.posts or self.page_id is None:  # the end, or an anonymous (unpaged, random) feed
            return None
        if self.mode == LATEST_MODE:
            return urlencode({"mode": LATEST_MODE, "cursor": self.next_cursor}) if self.next_cursor else None
        return urlencode({"mode": self.mode})


# Latest mode merges two streams, newest first: posts (kind "p") and reposts by followees (kind "r"). At the same
# instant posts come before reposts; the cursor names the last item shown as "<epoch seconds>_<kind><id>".
POST_KIND, REPOST_KIND = "p", "r"


def cursor_encode(*, created_at: datetime, kind: str, pk: int) -> str:
    return f"{created_at.timestamp():.6f}_{kind}{pk}"


def cursor_decode(cursor: str) -> tuple[datetime, str, int]:
    try:
        timestamp, key = cursor.split("_")
        kind, pk = (key[0], int(key[1:])) if key[:1] in (POST_KIND, REPOST_KIND) else (POST_KIND, int(key))
        return datetime.fromtimestamp(float(timestamp), tz=UTC), kind, pk
    except (ValueError, OverflowError, OSError):
        raise ValidationError({"cursor": "Invalid cursor."})


def _latest_page(*, user, cursor: str | None, page_size: int) -> FeedPage:
    """Posts from followees and communities plus followees' reposts, newest first, keyset-paginated."""
    reposts = reposts_for_follower(viewer=user)
    if cursor:
        at, kind, pk = cursor_decode(cursor)
        # After a post at `at` come the older posts with smaller ids, then every repost at `at`; after a repost,
        # only older posts and the reposts at `at` with smaller ids.
        posts_before = (at, pk if kind == POST_KIND else 0)
        same_instant = {} if kind == POST_KIND else {"id__lt": pk}
        reposts = reposts.filter(Q(created_at__lt=at) | Q(created_at=at, **same_instant))
    else:
        posts_before = None
    # One extra item per stream tells whether another page exists.
    items = [(post.created_at, 1, post.pk, POST_KIND, post, None)
             for post in latest_posts(viewer=user, before=posts_before, count=page_size + 1)]
    items += [(repost.created_at, 0, repost.pk, REPOST_KIND, repost.post, repost)
              for repost in reposts[: page_size + 1] if repost.post is not None]
    items.sort(key=lambda item: item[:3], reverse=True)
    page_items = items[:page_size]
    last = page_items[-1] if page_items else None
    return FeedPage(
        posts=[item[4] for item in page_items],
        fallback_reason=LATEST_MODE,
        next_cursor=cursor_encode(created_at=last[0], kind=last[3], pk=last[2]) if len(items) > page_size else None,
        reposts={position: item[5] for position, item in enumerate(page_items) if item[5] is not None},
    )


def _variant_for(user) -> Variant:
    """The experiment arm of the user; a failing experiment lookup must not break the feed."""
    try:
        return variant_for(user=user, surface="feed")
    except Exception:
        logger.exception("feed: experiment assignment failed for user %s; serving without experiment", user.pk)
        return NO_EXPERIMENT


def fallback_count(*, reason: str) -> None:
    key = FALLBACK_COUNTER_KEY.format(reason=reason)
    cache.add(key, 0, FALLBACK_COUNTER_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, FALLBACK_COUNTER_SECONDS)


def fallback_counts() -> dict[str, int]:
    """Fallbacks per reason over the last week (approximately: the counters are cache entries)."""
    values = cache.get_many([FALLBACK_COUNTER_KEY.format(reason=reason) for reason in FALLBACK_REASONS])
    return {reason: values.get(FALLBACK_COUNTER_KEY.format(reason=reason), 0) for reason in FALLBACK_REASONS}


def _validate(mode: str, page_size: int) -> None:
    errors = {}
    if mode not in MODES:
        errors["mode"] = f"Choose one of: {', '.join(MODES)}."
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        errors["page_size"] = f"Between 1 and {MAX_PAGE_SIZE}."
    if errors:
        raise ValidationError(errors)


def _ranked_or_random(*, user, variant, seen: set[int], page_size: int) -> FeedPage:
    if variant.use_random:
        posts = random_recent_posts(viewer=user, exclude_post_ids=seen, count=page_size)
        return FeedPage(posts=posts)
    try:
        ranked = rank_for_user(
            user_id=user.pk,
            k=page_size * RANK_OVERFETCH,
            exclude_post_ids=seen,
            model_version_id=variant.model_version_id,
            time_budget_ms=settings.RECOMMENDER_TIME_BUDGET_MS,
        )
    except ModelUnavailable as unavailable:
        reason = unavailable.reason
    except Exception:
        logger.exception("feed: ranking failed for user %s", user.pk)
        reason = "error"
    else:
        posts = posts_in_order(viewer=user, post_ids=ranked.post_ids)[:page_size]
        if posts:
            return FeedPage(posts=posts, reasons=ranked.reasons, model_version_id=ranked.model_version_id)
        reason = "no_candidates"
    logger.warning("feed: random fallback for user %s: %s", user.pk, reason)
    fallback_count(reason=reason)
    posts = random_recent_posts(viewer=user, exclude_post_ids=seen, count=page_size)
    return FeedPage(posts=posts, fallback_reason=reason)


def feed_serve(*, user, mode: str = "for_you", page_size: int | None = None, cursor: str | None = None) -> FeedPage:
    """One feed page for the user, logged as impressions (one bulk insert). Never fails because of the model.

    Anonymous visitors get random recent posts, unlogged.
    """
    page_size = page_size or settings.RECOMMENDER_PAGE_SIZE
    _validate(mode, page_size)
    if not user.is_authenticated:
        return FeedPage(posts=random_recent_posts(viewer=None, exclude_post_ids=set(), count=page_size), mode=mode)

    if mode == LATEST_MODE:
        page = _latest_page(user=user, cursor=cursor, page_size=page_size)
    else:
        variant = _variant_for(user)
        page = _ranked_or_random(user=user, variant=variant, seen=seen_post_ids(user=user), page_size=page_size)
        page.experiment_id, page.experiment_group = variant.experiment_id, variant.group
    page.mode = mode
    if not page.posts:
        return page

    page.page_id = PostView.new_page_id()
    with transaction.atomic():
        PostView.objects.bulk_create(
            PostView(
                user=user,
                post=post,
                source=PostView.Source.FEED,
                position=position,
                page_id=page.page_id,
                model_version=page.model_version_id,
                experiment=page.experiment_id,
                experiment_group=page.experiment_group,
                fallback_reason=page.fallback_reason,
            )
            for position, post in enumerate(page.posts)
        )
        activity_record(
            actor=user,
            verb="feed_page_view",
            context={
                "page_id": str(page.page_id),
                "mode": mode,
                "posts": len(page.posts),
                "model_version": page.model_version_id,
                "fallback_reason": page.fallback_reason,
            },
        )
    return page
