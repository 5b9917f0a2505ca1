"""The project's cache backend: Django's Redis cache with one client per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call (a few hundred
microseconds of Python each: its response callbacks are set up anew), and the public
forms' rate limits make several calls a request. A `redis.Redis` is thread-safe (each
command takes a connection from the pool), so one per pool is kept and reused."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClients(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClients
