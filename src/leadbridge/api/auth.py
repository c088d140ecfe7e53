"""API authentication: a per-user token (Authorization: Bearer) or the browser session + CSRF."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from leadbridge.people.services import token_authenticate
from leadbridge.security.services import audit
from leadbridge.security.throttle import client_ip


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):

        user = token_authenticate(token)
        if user is not None:
            request.user = user
            request.api_token_id = user.api_token_id
            if user.api_token_touched:
                audit("token_used", user=user, ip=client_ip(request), token_id=user.api_token_id)
        return user


class BrowserSession(SessionAuth):
    """The logged-in browser session; CSRF checked on unsafe methods."""

    def __call__(self, request: HttpRequest):
        # Without a logged-in session there is nothing for CSRF to protect: a request with no
        # credentials, or a wrong or revoked token, answers 401 rather than a CSRF 403.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


def actor(request: HttpRequest):
    return request.auth
