"""Per-user write limits (posts, comments, messages per minute): one fixed-window counter per user and action."""

import logging
import time

from django.conf import settings
from django.core.cache import cache

from .errors import RateLimited

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
ACTION_NOUNS = {"post": "posts", "comment": "comments", "message": "messages"}


def rate_limit_hit(*, user, action: str, per_minute: int) -> None:
    """Count one `action` by `user` in the current minute; raise RateLimited beyond `per_minute`.

    cache.add starts the window's counter with its expiry and cache.incr is atomic in Redis, so concurrent
    requests never both see the same count. When Redis is down the counter reads 0 and the write is allowed:
    a lost limit is better than refusing every post.
    """
    if not settings.RATE_LIMIT_ENABLED:
        return
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"ratelimit:{action}:{user.pk}:{window}"
    if cache.add(key, 1, timeout=WINDOW_SECONDS + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:
            # The window's key expired between add and incr: this is the first hit of a fresh counter.
            cache.add(key, 1, timeout=WINDOW_SECONDS + 1)
            count = 1
    if count > per_minute:
        retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now) + 1)
        noun = ACTION_NOUNS.get(action, action)
        raise RateLimited(
            f"You can send at most {per_minute} {noun} per minute. Try again in {retry_after} seconds.",
            retry_after=retry_after,
        )
