"""Webhook targets in private networks (SSRF): refused when saved and at each delivery,
the connection pinned to the checked address (no DNS rebinding), no redirects followed."""

import socket

import pytest

from leadbridge.automation import webhooks
from leadbridge.automation.models import WebhookDelivery, WebhookSubscription
from leadbridge.automation.webhooks import webhook_save
from leadbridge.core.errors import ValidationFailed
from leadbridge.leads.services import lead_create

from .helpers import Receiver, run_worker

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"  # a global address; nothing in the tests connects to it
HOST = "hooks.shop.test"


@pytest.fixture(autouse=True)
def production_rules(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    settings.OUTBOUND_RETRY_BASE_SECONDS = 3600
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


class Resolver:
    """Answers `HOST` with the given addresses in turn (the last one repeats); other names
    resolve as usual."""

    def __init__(self, monkeypatch, *answers: str):
        self.answers, self.calls = list(answers), 0
        real = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            if host != HOST:
                return real(host, port, *args, **kwargs)
            address = self.answers[min(self.calls, len(self.answers) - 1)]
            self.calls += 1
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, port or 0))]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class Connections:
    """Records where deliveries connect; loopback connects for real, anything else fails
    (the tests have no outside network)."""

    def __init__(self, monkeypatch):
        self.addresses: list[tuple[str, int]] = []
        real = socket.create_connection

        def create_connection(address, *args, **kwargs):
            self.addresses.append(address)
            if address[0] == "127.0.0.1":
                return real(address, *args, **kwargs)
            raise OSError("no route to host (test)")

        monkeypatch.setattr(socket, "create_connection", create_connection)


def subscribe(admin_user, url):
    return webhook_save(actor=admin_user, data={"url": url, "events": ["lead.created"]})


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.169.254", "::1", "fd00::1"]
)
def test_a_name_resolving_to_a_private_address_is_refused_when_saved(
    admin_user, monkeypatch, address
):
    Resolver(monkeypatch, address)
    with pytest.raises(ValidationFailed) as caught:
        subscribe(admin_user, f"https://{HOST}/hook")
    [issue] = caught.value.errors
    assert issue.field == "url" and "private" in issue.message
    assert not WebhookSubscription.objects.exists()


def test_literal_private_addresses_are_refused_when_saved(admin_user):
    for url in ("http://127.0.0.1:8000/x", "http://169.254.169.254/latest", "http://[::1]/"):
        with pytest.raises(ValidationFailed):
            subscribe(admin_user, url)


def test_public_and_unresolvable_names_are_accepted_when_saved(admin_user, monkeypatch):
    Resolver(monkeypatch, PUBLIC)
    subscribe(admin_user, f"https://{HOST}/hook")
    subscribe(admin_user, "https://not-yet-there.invalid/hook")  # checked at each delivery
    assert WebhookSubscription.objects.count() == 2


def test_a_name_resolving_to_loopback_is_not_called(admin_user, monkeypatch, settings):
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
        subscribe(admin_user, f"http://{HOST}:{port}/hook")
        settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
        Resolver(monkeypatch, "127.0.0.1")
        connections = Connections(monkeypatch)
        lead_create(actor=admin_user, data={"last_name": "A"})
        run_worker()
    assert receiver.requests == [] and connections.addresses == []
    [attempt] = WebhookDelivery.objects.get().log.all()
    assert attempt.status_code is None and "private address (127.0.0.1)" in attempt.error


def test_dns_rebinding_cannot_reach_a_private_address(admin_user, monkeypatch):
    """The name answers a public address to the check and loopback to any later lookup: the
    delivery connects to the address it checked, so loopback is never reached."""
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        Resolver(monkeypatch, PUBLIC)
        subscribe(admin_user, f"http://{HOST}:{port}/hook")
        resolver = Resolver(monkeypatch, PUBLIC, "127.0.0.1")
        connections = Connections(monkeypatch)
        lead_create(actor=admin_user, data={"last_name": "A"})
        run_worker()
    assert receiver.requests == []
    assert connections.addresses == [(PUBLIC, port)] and resolver.calls == 1
    [attempt] = WebhookDelivery.objects.get().log.all()
    assert attempt.status_code is None and "no route to host" in attempt.error


def test_the_pinned_connection_sends_the_original_host(admin_user, monkeypatch, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True  # the receiver is on loopback
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        Resolver(monkeypatch, "127.0.0.1")
        subscribe(admin_user, f"http://{HOST}:{port}/hook?x=1")
        lead_create(actor=admin_user, data={"last_name": "A"})
        run_worker()
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"{HOST}:{port}"
    assert WebhookDelivery.objects.get().status == "delivered"


def test_https_checks_the_certificate_against_the_original_host(monkeypatch):
    wrapped = {}

    class Context:
        verify_mode, check_hostname = webhooks.ssl.CERT_REQUIRED, True

        def wrap_socket(self, sock, server_hostname):
            wrapped["server_hostname"] = server_hostname
            return sock

    monkeypatch.setattr(webhooks.ssl, "create_default_context", Context)
    monkeypatch.setattr(socket, "create_connection", lambda address, timeout: address)
    connection = webhooks._PinnedHTTPS(HOST, 443, PUBLIC, 5)
    connection.connect()
    assert connection.sock == (PUBLIC, 443) and wrapped["server_hostname"] == HOST


def test_redirects_are_not_followed(admin_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True  # both receivers are on loopback
    with Receiver() as inside:
        with Receiver([302], headers={"Location": inside.url}) as outside:
            subscribe(admin_user, outside.url)
            lead_create(actor=admin_user, data={"last_name": "A"})
            run_worker()
    assert len(outside.requests) == 1 and inside.requests == []
    delivery = WebhookDelivery.objects.get()
    [attempt] = delivery.log.all()
    assert attempt.status_code == 302 and "redirects are not followed" in attempt.error
    assert delivery.status == "pending"  # a failed attempt: retried later
