"""A Redis cache that degrades to misses when Redis is unreachable, so pages keep serving from the database."""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def _degrade(default_factory):
    def wrap(method):
        def call(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except REDIS_DOWN as exc:
                logger.error("cache unavailable, %s degraded: %s", method.__name__, exc)
                return default_factory(*args, **kwargs)

        call.__name__ = method.__name__
        return call

    return wrap


class ResilientRedisCache(RedisCache):
    get = _degrade(lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _degrade(lambda keys, version=None: {})(RedisCache.get_many)
    set = _degrade(lambda *a, **k: None)(RedisCache.set)
    set_many = _degrade(lambda *a, **k: [])(RedisCache.set_many)
    # add() answering False means "someone else holds it": the safe answer for locks when Redis is gone.
    add = _degrade(lambda *a, **k: False)(RedisCache.add)
    delete = _degrade(lambda *a, **k: False)(RedisCache.delete)
    delete_many = _degrade(lambda *a, **k: None)(RedisCache.delete_many)
    incr = _degrade(lambda *a, **k: 0)(RedisCache.incr)
    touch = _degrade(lambda *a, **k: False)(RedisCache.touch)
    has_key = _degrade(lambda *a, **k: False)(RedisCache.has_key)
    clear = _degrade(lambda *a, **k: None)(RedisCache.clear)
