"""Browser tests of capture: an embedded form on another site (CORS, token, JSON post) and
the registry lookup on the lead form (marked e2e)."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache

from leadbridge.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class Site:
    """Another origin serving one page: the customer's site with the pasted snippet."""

    def __init__(self):
        self.html = b""
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(outer.html)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_embedded_form_on_another_site_makes_one_lead(browser_page, live_server, boss):
    from leadbridge.leads.models import Lead
    from leadbridge.webforms import embed
    from leadbridge.webforms.services import webform_save

    cache.clear()
    site = Site()
    try:
        form = webform_save(
            actor=boss,
            data={
                "name": "Contact",
                "fields": ["first_name", "last_name", "email"],
                "required_fields": ["email"],
                "allowed_origins": [site.origin],
                "min_fill_seconds": 1,
                "thank_you_message": "Thanks, we will call you.",
            },
        )
        snippet = embed.snippet(form, live_server.url)
        site.html = f"<!doctype html><html><body>{snippet}</body></html>".encode()
        page = browser_page
        page.goto(site.origin + "/")
        page.fill("input[name=first_name]", "Ona")
        page.fill("input[name=last_name]", "Kazlauskienė")
        page.fill("input[name=email]", "ona@example.com")
        page.wait_for_function("document.querySelector('input[name=_lb_t]') !== null")
        time.sleep(1.2)  # a person takes longer than the minimum fill time
        page.click("button[type=submit]")
        page.wait_for_selector("text=Thanks, we will call you.")
        assert not page.console_errors
        [lead] = Lead.objects.all()
        assert (lead.first_name, lead.last_name, lead.email) == (
            "Ona",
            "Kazlauskienė",
            "ona@example.com",
        )
    finally:
        site.close()


def test_registry_lookup_fills_the_lead_form(browser_page, boss, settings):
    from leadbridge.registry.tests.replay import ReplayServer

    cache.clear()
    with ReplayServer() as registry:
        settings.REGISTRY_ARES_URL = f"{registry.base}/ares"
        page = browser_page
        login(page, "boss")
        page.goto("/leads/new/")
        page.fill("#registry-q", "27074358")
        page.click("[data-registry-go]")
        page.click("[data-registry-results] button")
        assert page.input_value("#id_company_name") == "Asseco Central Europe, a.s."
        assert page.input_value("#id_registration_number") == "27074358"
        assert page.input_value("#id_vat_id") == "CZ27074358"
        assert page.input_value("#id_city") == "Praha"
        page.fill("#registry-q", "99999999")
        page.click("[data-registry-go]")
        page.wait_for_selector("[data-registry-message] li")
        assert "ARES" in page.inner_text("[data-registry-message]")
