"""Failed-login throttling per account and per address, two-factor codes, the audit log,
password rules and session expiry."""

import pyotp
import pytest
from django.test import override_settings
from django.utils import timezone

from leadbridge.security.models import AuditEvent, UserTotp

pytestmark = pytest.mark.django_db


def _login(client, username, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=3, LOGIN_FAILURES_PER_IP=100)
def test_an_account_is_locked_after_failed_logins_with_a_clear_message(client, users):
    user = users["sales_north"]
    for _ in range(3):
        response = _login(client, user.username, "wrong")
        assert "Please enter a correct" in response.content.decode()
    # Now even the right password is refused, from any address, and the page says why.
    response = _login(client, user.username, "x-Secret-123", ip="10.9.9.9")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Too many failed logins" in body and "Try again in 15 minutes" in body
    assert "_auth_user_id" not in client.session
    # Another account from the same address still logs in.
    assert _login(client, users["marketing"].username, "x-Secret-123").status_code == 302
    kinds = list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds.count("login_failed") == 3
    assert "login_throttled" in kinds and kinds[-1] == "login"


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=100, LOGIN_FAILURES_PER_IP=4)
def test_an_address_is_locked_after_failed_logins_across_accounts(client, users):
    for name in ("a", "b", "c", "d"):
        _login(client, name, "wrong", ip="10.0.0.7")
    response = _login(client, users["marketing"].username, "x-Secret-123", ip="10.0.0.7")
    assert "Too many failed logins" in response.content.decode()
    assert (
        _login(client, users["marketing"].username, "x-Secret-123", ip="10.0.0.8").status_code
        == 302
    )


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=3)
def test_a_successful_login_resets_the_account_counter(client, users):
    user = users["sales_north"]
    _login(client, user.username, "wrong")
    _login(client, user.username, "wrong")
    assert _login(client, user.username, "x-Secret-123").status_code == 302
    client.logout()
    _login(client, user.username, "wrong")
    _login(client, user.username, "wrong")
    assert _login(client, user.username, "x-Secret-123").status_code == 302


def test_login_audit_records_address_and_user(client, users):
    user = users["marketing"]
    assert _login(client, user.username, "x-Secret-123", ip="192.0.2.5").status_code == 302
    event = AuditEvent.objects.get(kind="login")
    assert (event.user_id, event.username, event.ip) == (user.pk, user.username, "192.0.2.5")


# Two-factor ------------------------------------------------------------------------------


def _enable_totp(client, user) -> str:
    client.force_login(user)
    page = client.get("/account/two-factor/")
    secret = page.context["secret"]
    assert "otpauth://totp/" in page.content.decode()
    response = client.post("/account/two-factor/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert UserTotp.objects.filter(user=user).exists()
    client.logout()
    return secret


def test_totp_setup_needs_a_valid_code(client, users):
    user = users["marketing"]
    client.force_login(user)
    client.get("/account/two-factor/")
    response = client.post("/account/two-factor/", {"code": "000000"})
    assert "not valid" in response.content.decode()
    assert not UserTotp.objects.filter(user=user).exists()


def test_login_asks_for_the_code_when_two_factor_is_on(client, users):
    user = users["marketing"]
    secret = _enable_totp(client, user)
    response = _login(client, user.username, "x-Secret-123")
    assert response.status_code == 302 and response["Location"] == "/login/code/"
    assert "_auth_user_id" not in client.session  # the password alone does not log in
    wrong = client.post("/login/code/", {"code": "123456"})
    assert "not valid" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    # Leave the step already used by the setup behind, so the code is a fresh one.
    UserTotp.objects.filter(user=user).update(last_step=0)
    right = client.post("/login/code/", {"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEvent.objects.filter(kind="login", user_id=user.pk, data__two_factor=True).exists()


def test_a_code_is_accepted_only_once(users):
    from leadbridge.security.services import totp_verify

    user = users["marketing"]
    secret = pyotp.random_base32()
    UserTotp.objects.create(user=user, secret=secret)
    code = pyotp.TOTP(secret).now()
    assert totp_verify(user=user, code=code)
    assert not totp_verify(user=user, code=code)


def test_two_factor_can_be_turned_off_with_a_code(client, users):
    user = users["marketing"]
    secret = _enable_totp(client, user)
    client.force_login(user)
    UserTotp.objects.filter(user=user).update(last_step=0)  # the setup's code, used again
    response = client.post("/account/two-factor/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert not UserTotp.objects.filter(user=user).exists()
    kinds = set(AuditEvent.objects.values_list("kind", flat=True))
    assert {"totp_enabled", "totp_disabled"} <= kinds


# Password rules and sessions -------------------------------------------------------------


def test_password_rules_refuse_short_and_common_passwords(admin_user):
    from leadbridge.core.errors import ValidationFailed
    from leadbridge.people.services import user_create

    for weak in ("Short-1", "password123", "1234567890123"):
        with pytest.raises(ValidationFailed) as exc:
            user_create(actor=admin_user, username=f"u{len(weak)}", password=weak)
        assert exc.value.errors[0].field == "password"
    assert user_create(actor=admin_user, username="fine", password="long-Enough-pass-7")


def test_sessions_expire(client, users, settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    _login(client, users["marketing"].username, "x-Secret-123")
    expiry = client.session.get_expiry_date()
    assert abs((expiry - timezone.now()).total_seconds() - 12 * 3600) < 60


def test_an_administrator_turns_off_two_factor_for_a_lost_phone(client, admin_user, users):
    user = users["marketing"]
    device = UserTotp.objects.create(user=user, secret=pyotp.random_base32())
    client.force_login(admin_user)
    page = client.get(f"/admin/security/usertotp/{device.pk}/delete/")
    assert page.status_code == 200 and device.secret not in page.content.decode()
    client.post(f"/admin/security/usertotp/{device.pk}/delete/", {"post": "yes"})
    assert not UserTotp.objects.filter(user=user).exists()
    assert client.get("/admin/security/auditevent/").status_code == 200


def test_login_outcomes_are_counted_for_metrics(client, users):
    from prometheus_client import REGISTRY

    def count(outcome):
        return REGISTRY.get_sample_value("leadbridge_logins_total", {"outcome": outcome}) or 0

    failed, ok = count("failed"), count("ok")
    _login(client, users["marketing"].username, "wrong")
    _login(client, users["marketing"].username, "x-Secret-123")
    assert (count("failed"), count("ok")) == (failed + 1, ok + 1)
