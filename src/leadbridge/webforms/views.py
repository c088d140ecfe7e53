"""The public endpoint `/f/<key>`: the hosted form (the JS-free fallback), a fill-time token
for embedded forms, and submissions as form posts or JSON, with CORS for allowed origins.

No login and no CSRF token: the form is posted from other sites. What stands in for them:
the allowed origins, the honeypot, the fill-time token, rate limits and the size limit.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from leadbridge.api.idempotency import run_idempotent
from leadbridge.core import confcache
from leadbridge.core.cleaning import text_problem
from leadbridge.core.errors import DomainError
from leadbridge.core.jsonbody import BodyError, load_json
from leadbridge.ops.middleware import policy_framed_by

from . import spam
from .fields import form_fields
from .models import WebForm
from .services import actor_for, public_answer, webform_submit

HONEYPOT = "_lb_hp"
TOKEN = "_lb_t"
SUBMISSION_ID = "_lb_sid"


def _own_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _origin_allowed(request: HttpRequest, form: WebForm) -> bool:
    origin = request.headers.get("Origin")
    # No Origin header: not a browser's cross-site request (servers, curl); CORS cannot apply.
    return origin is None or origin == _own_origin(request) or origin in form.allowed_origins


def _cors(request: HttpRequest, form: WebForm | None, response: HttpResponse) -> HttpResponse:
    origin = request.headers.get("Origin")
    if form is not None and origin and origin in form.allowed_origins:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type, Idempotency-Key"
        response["Access-Control-Max-Age"] = "3600"
    response["Vary"] = "Origin"
    return response


def _wants_json(request: HttpRequest) -> bool:
    return (request.content_type or "").startswith("application/json") or (
        "application/json" in request.headers.get("Accept", "")
    )


def _page(request, form, *, status=200, errors=None, values=None, done=False) -> HttpResponse:
    messages = {e["field"]: e["message"] for e in (errors or [])}
    with translation.override(form.language or "en"):
        response = render(
            request,
            "webforms/public.html",
            {
                "form": form,
                "fields": form_fields(form, values or {}, messages),
                "errors": messages,
                "token": spam.issue_token(form.key),
                "submission_id": uuid.uuid4().hex,
                "done": done,
                "message": form.thank_you_message,
            },
            status=status,
        )
    # The hosted form may be framed by the allowed sites (the no-JavaScript embed); the rest
    # of the site's policy (no inline script, …) holds here too.

    response["Content-Security-Policy"] = policy_framed_by(
        " ".join(["'self'", *form.allowed_origins])
    )
    return response


def _error(request, form, status, detail, code, errors=None, headers=None, values=None):
    errors = errors or []
    if form is not None and not _wants_json(request) and request.method == "POST":
        response = _page(request, form, status=status, errors=errors, values=values)
        if not errors:
            response.content = response.content.replace(
                b"<!--detail-->", f'<p class="lb-error">{detail}</p>'.encode()
            )
    else:
        response = JsonResponse({"detail": detail, "code": code, "errors": errors}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return _cors(request, form, response)


def _parse(request: HttpRequest) -> dict:
    """The submitted fields; `BodyError` saying why when the body cannot be read (not JSON,
    nested too deep to parse safely, not an object)."""
    if (request.content_type or "").startswith("application/json"):
        data = load_json(request.body or b"{}")
        if not isinstance(data, dict):
            raise BodyError(_("Send a JSON object or a form post."))
        return data
    return {k: request.POST.get(k) for k in request.POST}


def _unstorable(raw: dict) -> list[dict]:
    """Values no database stores (NUL, an unpaired surrogate), refused as the API refuses
    them, at the field and before anything reads them (the token, the idempotency key)."""
    return [
        {"field": str(key).encode("utf-8", "replace").decode()[:100], "message": problem}
        for key, value in raw.items()
        if (problem := text_problem(key) or text_problem(value))
    ]


@csrf_exempt
@xframe_options_exempt
def endpoint(request: HttpRequest, key: str) -> HttpResponse:
    # The settings generation comes along with the form: the submission's lookups of
    # statuses, rules, templates and webhooks are then served from the process's cache.
    form = (
        WebForm.objects.filter(key=key, active=True)
        .annotate(config_generation=confcache.generation_subquery())
        .first()
    )
    if form is None:
        return _error(request, None, 404, _("No such form."), "not_found")
    if request.method == "OPTIONS":
        return _cors(request, form, HttpResponse(status=204))
    if request.method == "GET":
        return _page(request, form)
    if request.method != "POST":
        return _error(request, form, 405, _("Use POST to submit the form."), "method_not_allowed")
    # The visitor reads the form's language, whatever their browser asks for: every message
    # of the submission (required fields, spam checks, limits) speaks it.
    with confcache.pinned(form.config_generation), translation.override(form.language or "en"):
        return _submit(request, form)


@csrf_exempt
def token(request: HttpRequest, key: str) -> HttpResponse:
    """A fill-time token and a submission id for a form embedded with JavaScript."""
    form = WebForm.objects.filter(key=key, active=True).first()
    if form is None:
        return _error(request, None, 404, _("No such form."), "not_found")
    if not _origin_allowed(request, form):
        return _error(
            request, form, 403, _("This site may not use this form."), "origin_not_allowed"
        )
    body = {"token": spam.issue_token(form.key), "submission_id": uuid.uuid4().hex}
    return _cors(request, form, JsonResponse(body))


def _submit(request: HttpRequest, form: WebForm) -> HttpResponse:
    max_bytes = int(getattr(settings, "WEBFORM_MAX_BYTES", 16 * 1024))
    if int(request.headers.get("Content-Length") or 0) > max_bytes:
        return _error(request, form, 413, _("The submission is too large."), "too_large")
    if not _origin_allowed(request, form):
        return _error(
            request, form, 403, _("This site may not use this form."), "origin_not_allowed"
        )
    wait = spam.rate_limited(form.key, spam.client_ip(request))
    if wait is not None:
        return _error(
            request,
            form,
            429,
            _("Too many submissions; try again in a minute."),
            "rate_limited",
            headers={"Retry-After": str(wait)},
        )
    if len(request.body) > max_bytes:
        return _error(request, form, 413, _("The submission is too large."), "too_large")
    try:
        raw = _parse(request)
    except BodyError as exc:
        return _error(request, form, 400, str(exc), "bad_request")
    if errors := _unstorable(raw):
        kept = {k: v for k, v in raw.items() if not (text_problem(k) or text_problem(v))}
        return _error(
            request, form, 422, _("Some values are not valid."), "invalid", errors, values=kept
        )
    if str(raw.get(HONEYPOT) or "").strip():
        return _error(request, form, 400, _("The submission looks automated."), "spam_suspected")
    if form.min_fill_seconds:
        age = spam.token_age(form.key, str(raw.get(TOKEN) or ""))
        if age is None:
            return _error(
                request,
                form,
                400,
                _("The form expired; load it again."),
                "token_invalid",
                values=raw,
            )
        if age < form.min_fill_seconds:
            return _error(
                request,
                form,
                400,
                _("The form was sent too fast; try again."),
                "too_fast",
                values=raw,
            )
    idem_key = request.headers.get("Idempotency-Key") or str(raw.get(SUBMISSION_ID) or "") or None
    actor = actor_for(form)
    try:
        _status, body = run_idempotent(
            request,
            actor=actor,
            key=idem_key,
            endpoint=f"webform:{form.pk}",
            write=lambda: (201, webform_submit(form=form, raw=raw, actor=actor)),
            answer=(201, public_answer(form)),
        )
    except DomainError as exc:
        errors = [e.as_dict() for e in exc.errors]
        return _error(request, form, exc.status, exc.detail, exc.code, errors, values=raw)
    if _wants_json(request):
        return _cors(request, form, JsonResponse(body, status=201))
    if form.redirect_url:
        return redirect(form.redirect_url)
    return _page(request, form, done=True)
