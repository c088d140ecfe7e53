"""The login form with failed-login throttling per account and per address."""

from __future__ import annotations

import math

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy, ngettext

from leadbridge.ops import metrics

from . import throttle
from .models import AuditEvent
from .services import audit


def throttled_message(wait: int) -> str:
    minutes = max(1, math.ceil(wait / 60))
    return ngettext(
        "Too many failed logins for this account or from this address. "
        "Try again in %(minutes)d minute.",
        "Too many failed logins for this account or from this address. "
        "Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class LoginForm(AuthenticationForm):
    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = throttle.client_ip(self.request) if self.request else None
        wait = throttle.login_wait(username, ip)
        if wait:
            metrics.LOGINS.labels("throttled").inc()
            audit(AuditEvent.Kind.LOGIN_THROTTLED, username=username, ip=ip)
            raise forms.ValidationError(throttled_message(wait), code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            throttle.login_failed(username, ip)
            metrics.LOGINS.labels("failed").inc()
            audit(AuditEvent.Kind.LOGIN_FAILED, username=username, ip=ip)
            raise


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
