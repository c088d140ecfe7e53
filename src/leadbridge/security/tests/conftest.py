"""Every login-throttle and API rate-limit test runs on both shared caches: the database
cache (the default) and Redis (CACHE_URL)."""

import pytest

from leadbridge.ops.testing import cache_backend


@pytest.fixture(autouse=True, params=["database", "redis"])
def shared_cache(request):
    with cache_backend(request.param) as kind:
        yield kind
