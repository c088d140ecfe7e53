"""Login (with the two-factor step when the user turned it on) and the two-factor setup."""

from __future__ import annotations

import time

from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from leadbridge.core.errors import DomainError
from leadbridge.ops import metrics
from leadbridge.people.models import User

from . import services, throttle
from .forms import CodeForm, LoginForm, throttled_message
from .models import AuditEvent

PENDING = "leadbridge_2fa_pending"
PENDING_SECONDS = 300
SETUP_SECRET = "leadbridge_2fa_setup_secret"


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        ip = throttle.client_ip(self.request)
        if services.totp_enabled(user):
            # The password was right; the session is not logged in until the code is.
            self.request.session[PENDING] = {
                "user_id": user.pk,
                "backend": user.backend,
                "next": self.get_success_url(),
                "until": time.time() + PENDING_SECONDS,
            }
            return redirect("login_code")
        throttle.login_succeeded(user.username)
        metrics.LOGINS.labels("ok").inc()
        services.audit(AuditEvent.Kind.LOGIN, user=user, ip=ip)
        return super().form_valid(form)


def login_code(request):
    pending = request.session.get(PENDING)
    if not pending or pending.get("until", 0) < time.time():
        request.session.pop(PENDING, None)
        return redirect("login")
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    if user is None:
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = throttle.client_ip(request)
        wait = throttle.login_wait(user.username, ip)
        if wait:
            form.add_error("code", throttled_message(wait))
        elif services.totp_verify(user=user, code=form.cleaned_data["code"], ip=ip):
            del request.session[PENDING]
            throttle.login_succeeded(user.username)
            auth_login(request, user, backend=pending["backend"])
            metrics.LOGINS.labels("ok").inc()
            services.audit(AuditEvent.Kind.LOGIN, user=user, ip=ip, data={"two_factor": True})
            target = pending.get("next") or "/"
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                target = "/"
            return redirect(target)
        else:
            throttle.login_failed(user.username, ip)
            metrics.LOGINS.labels("code_failed").inc()
            form.add_error("code", _("This code is not valid."))
    return render(request, "security/login_code.html", {"form": form})


def two_factor(request):
    """Set up or turn off the authenticator app for the logged-in user."""
    user = request.user
    ip = throttle.client_ip(request)
    enabled = services.totp_enabled(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if enabled:
                services.totp_disable(actor=user, code=form.cleaned_data["code"], ip=ip)
            else:
                secret = request.session.get(SETUP_SECRET) or ""
                services.totp_enable(
                    actor=user, secret=secret, code=form.cleaned_data["code"], ip=ip
                )
                request.session.pop(SETUP_SECRET, None)
            return redirect(reverse("two_factor"))
        except DomainError as exc:
            for issue in exc.errors:
                form.add_error(issue.field, issue.message)
    context = {"form": form, "enabled": enabled}
    if not enabled:
        secret = request.session.get(SETUP_SECRET)
        if not secret:
            secret = request.session[SETUP_SECRET] = services.totp_new_secret()
        context.update(secret=secret, uri=services.totp_uri(user, secret))
    return render(request, "security/two_factor.html", context)
