"""The user's own language and time zone (the switcher in the top bar and its page)."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from leadbridge.people.services import user_preferences_update

from .errors import DomainError


def _zones() -> list[str]:
    return sorted(z for z in zoneinfo.available_timezones() if "/" in z and z[0].isupper())


def preferences(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    if request.method == "POST":
        language = request.POST.get("language")
        zone = request.POST.get("time_zone")
        try:
            user_preferences_update(
                actor=request.user, user=request.user, language=language, time_zone=zone
            )
        except DomainError as exc:
            errors = {e.field: e.message for e in exc.errors}
        else:
            if language is not None:
                translation.activate(language or settings.LANGUAGE_CODE)
            messages.success(request, _("Your preferences are saved."))
            target = request.POST.get("next") or ""
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "core:preferences"
            response = redirect(target)
            if language is not None:
                # The login page (no user yet) and the next visit speak the same language.
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    language or settings.LANGUAGE_CODE,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
            return response
    context = {
        "languages": settings.LANGUAGES,
        "zones": _zones(),
        "errors": errors,
        "default_zone": settings.TIME_ZONE,
    }
    return render(request, "core/preferences.html", context, status=422 if errors else 200)
