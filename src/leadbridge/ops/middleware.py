"""Request id and metrics around every request; the Content-Security-Policy header."""

from __future__ import annotations

import logging
import time

from django.conf import settings

from . import context, metrics

logger = logging.getLogger("leadbridge.requests")

# No inline script may run (templates attach behaviour from static files, a test enforces
# it). Inline style attributes remain allowed: a few templates size inputs with them and
# htmx adds its indicator style; styles cannot run code.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class RequestIdAndMetrics:
    """Gives each request an id (the proxy's X-Request-ID when sane), logs it, counts it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = context.new_request_id(request.headers.get("X-Request-ID"))
        token = context.request_id.set(rid)
        request.request_id = rid
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            elapsed = time.perf_counter() - started
            match = getattr(request, "resolver_match", None)
            route = match.route if match is not None else "unmatched"
            metrics.observe(request.method, route, response.status_code, elapsed)
            if response.status_code >= 500:
                logger.error(
                    "%s %s -> %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={"status": response.status_code, "duration_ms": round(elapsed * 1000)},
                )
            return response
        finally:
            context.request_id.reset(token)


# A CRM page needs no camera, microphone, location or payment; nor may an embedded frame.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def site_policy() -> str:
    return getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP)


def policy_framed_by(ancestors: str) -> str:
    """The site's policy with only `frame-ancestors` replaced: for a page that other sites
    may frame (the hosted web form), which keeps every other directive (script-src …)."""
    kept = [
        d.strip()
        for d in site_policy().split(";")
        if d.strip() and d.split()[0].lower() != "frame-ancestors"
    ]
    return "; ".join([*kept, f"frame-ancestors {ancestors}"])


class ContentSecurityPolicy:
    """`CONTENT_SECURITY_POLICY` (settings) or the default above; "" switches it off. Also
    sends the Permissions-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = site_policy()
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
