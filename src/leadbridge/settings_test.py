"""Settings for the test suite: the real settings with a throwaway key and fast hashing.

The database comes from DATABASE_URL like in production (the test command runs the suite
once on SQLite and once on PostgreSQL).
"""

import os
import tempfile

os.environ.setdefault("LEADBRIDGE_INSECURE_DEV_KEY", "1")
os.environ.setdefault("LEADBRIDGE_DATA_DIR", tempfile.mkdtemp(prefix="leadbridge-test-"))

from leadbridge.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {  # noqa: F405
    "default": media_storage(MEDIA_STORAGE_URL),  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Playwright's wait_for_function evaluates its predicate with eval() in the page, which the
# production policy refuses. The browser tests keep every other directive (an inline script
# still fails them); ops/tests/test_e2e_csp.py checks the production policy itself.
from leadbridge.ops.middleware import DEFAULT_CSP  # noqa: E402

CONTENT_SECURITY_POLICY = DEFAULT_CSP.replace(
    "script-src 'self'", "script-src 'self' 'unsafe-eval'"
)

# Webhook tests deliver to receivers on loopback; the SSRF tests turn this off again.
WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
