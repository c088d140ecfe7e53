"""The API's one error format: {"detail", "code", "errors": [{"field", "message"}]}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.parser import Parser

from leadbridge.core.errors import DomainError
from leadbridge.core.jsonbody import load_json

# Parameter names the endpoints give their bodies; dropped from error paths.
BODY_PARAM_NAMES = {"payload", "body", "data"}


class JsonParser(Parser):
    """Bodies with their nesting bounded before parsing (see `core.jsonbody`); ninja answers
    an unreadable body 400."""

    def parse_body(self, request: HttpRequest) -> dict:
        return load_json(request.body)


def error_body(detail: str, code: str, errors: list[dict] | None = None) -> dict:
    return {"detail": detail, "code": code, "errors": errors or []}


def _field_path(loc: list) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "form", "file", "cookie"}:
        where = parts.pop(0)
        if where == "body" and parts and parts[0] in BODY_PARAM_NAMES:
            parts.pop(0)
    return ".".join(parts) or "body"


def _message(err: dict) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "Unknown field."
    if kind == "missing":
        return "This field is required."
    return str(err.get("msg", "Invalid value."))


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {"field": _field_path(e.get("loc", [])), "message": _message(e)} for e in exc.errors
        ]
        return api.create_response(
            request, error_body(_("Some values are not valid."), "invalid", errors), status=422
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request,
            error_body(
                _("Authentication required: log in or send a valid API token."), "unauthorized"
            ),
            status=401,
        )

    @api.exception_handler(AuthorizationError)
    def unauthorized(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return api.create_response(request, error_body(str(exc), "forbidden"), status=403)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {400: "bad_request", 403: "forbidden", 404: "not_found", 429: "throttled"}.get(
            exc.status_code, "error"
        )
        errors = [{"field": "body", "message": str(exc)}] if exc.status_code == 400 else []
        return api.create_response(
            request, error_body(str(exc), code, errors), status=exc.status_code
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body(_("Not found."), "not_found"), status=404)

    @api.exception_handler(OverflowError)
    def too_large(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        # An id in the path beyond what the database stores: no such record can exist.
        return api.create_response(request, error_body(_("Not found."), "not_found"), status=404)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(
            request, error_body(str(exc) or "Forbidden.", "forbidden"), status=403
        )
