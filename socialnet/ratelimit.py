"""Write limits (posts, comments, messages, reports per minute per user; password-reset e-mails per address and per
client): a sliding-window counter per actor and action."""

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache

from .errors import RateLimited

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
ACTION_NOUNS = {
    "post": "posts",
    "comment": "comments",
    "message": "messages",
    "report": "reports",
    "password_reset": "password reset requests",
}


def _count_in(key: str) -> int:
    """Add one to a minute's counter and return it: cache.add starts the counter with its expiry and cache.incr is
    atomic in Redis, so concurrent requests never both see the same count."""
    if cache.add(key, 1, timeout=2 * WINDOW_SECONDS + 1):
        return 1
    try:
        return cache.incr(key)
    except ValueError:
        # The key expired between add and incr: this is the first hit of a fresh counter.
        cache.add(key, 1, timeout=2 * WINDOW_SECONDS + 1)
        return 1


def rate_limit_hit(
    *, action: str, per_minute: int, user=None, subject: str = "", now: float | None = None
) -> None:
    """Count one `action` by `user`, or by `subject` where nobody is signed in (a string naming the actor: "ip:…",
    "email:…"); raise RateLimited when it would make more than `per_minute` in the last minute.

    The last minute is estimated from two fixed minutes, the previous one weighted by how much of it is still inside
    the last 60 seconds (the sliding-window counter): a fixed window alone let twice the limit through across a
    minute's boundary. A refused action is not counted. When Redis is down the counters read 0 and the write is
    allowed: a lost limit is better than refusing every post.
    """
    if not settings.RATE_LIMIT_ENABLED:
        return
    now = time.time() if now is None else now
    minute, elapsed = divmod(now, WINDOW_SECONDS)
    prefix = f"ratelimit:{action}:{subject or user.pk}:"
    current_key = f"{prefix}{int(minute)}"
    current = _count_in(current_key)
    previous = cache.get(f"{prefix}{int(minute) - 1}") or 0
    remaining_share = 1 - elapsed / WINDOW_SECONDS
    if previous * remaining_share + current <= per_minute:
        return
    try:
        cache.decr(current_key)
    except ValueError:
        pass
    # When the next action fits: the previous minute's weight shrinks until previous * share + current + 1 fits,
    # or, if this minute alone is full, until this minute's weight shrinks in the next one.
    current -= 1
    if current + 1 <= per_minute:
        fits_at = minute * WINDOW_SECONDS + WINDOW_SECONDS * (1 - (per_minute - current - 1) / previous)
    else:
        fits_at = (minute + 1) * WINDOW_SECONDS + WINDOW_SECONDS * (1 - (per_minute - 1) / current)
    retry_after = max(1, math.ceil(fits_at - now))
    noun = ACTION_NOUNS.get(action, action)
    raise RateLimited(
        f"You can send at most {per_minute} {noun} per minute. Try again in {retry_after} seconds.",
        retry_after=retry_after,
    )
