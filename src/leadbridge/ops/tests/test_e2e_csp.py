"""The Content-Security-Policy holds on the real pages in the browser: no violation, no
console error, and htmx, the board's drag and drop and the API docs still work."""

import pyotp
import pytest

from leadbridge.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture
def records(db):
    from leadbridge.activities.services import activity_create
    from leadbridge.clients.services import client_create, contact_create
    from leadbridge.deals.services import deal_create
    from leadbridge.leads.services import lead_create
    from leadbridge.people.models import User

    admin = User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")
    lead = lead_create(actor=admin, data={"first_name": "Jana", "last_name": "Nováková"}).obj
    activity_create(
        actor=admin, record_type="lead", record_id=lead.pk, data={"type": "task", "subject": "Call"}
    )
    client = client_create(actor=admin, data={"name": "Porost s.r.o."}).obj
    contact = contact_create(actor=admin, data={"last_name": "Svoboda"}).obj
    deal = deal_create(actor=admin, data={"title": "Robots", "client_id": client.pk}).obj
    return {"lead": lead, "client": client, "contact": contact, "deal": deal}


def test_csp_holds_on_every_page(browser_page, records, settings):
    from leadbridge.ops.middleware import DEFAULT_CSP

    settings.CONTENT_SECURITY_POLICY = DEFAULT_CSP  # the production policy, no test relief
    page = browser_page
    page.add_init_script(WATCH_VIOLATIONS)
    response = page.goto("/login/")
    assert response.headers["content-security-policy"] == DEFAULT_CSP
    login(page, "boss")
    paths = [
        "/leads/",
        f"/leads/{records['lead'].pk}/",
        f"/leads/{records['lead'].pk}/edit/",
        f"/leads/{records['lead'].pk}/convert/",
        "/leads/board/",
        "/leads/new/",
        "/clients/",
        f"/clients/{records['client'].pk}/",
        "/contacts/",
        f"/contacts/{records['contact'].pk}/",
        "/deals/",
        f"/deals/{records['deal'].pk}/",
        "/deals/board/",
        "/tasks/",
        "/dashboard/",
        "/search/?q=nov",
        "/settings/",
        "/account/two-factor/",
        f"/privacy/lead/{records['lead'].pk}/export/",
        "/password/",
        "/api/docs",
    ]
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        assert response.headers["x-frame-options"] == "DENY", path
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__cspViolations") == [], path
    # htmx still works under the policy: search as you type swaps the table.
    page.goto("/leads/")
    page.fill("input[name=q]", "novak")
    page.wait_for_selector("#lead-table >> text=Nováková")
    # The API docs (Swagger UI) render from local files.
    page.goto("/api/docs")
    page.wait_for_selector(".swagger-ui .info")
    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []


def test_two_factor_login_in_the_browser(browser_page, records):
    page = browser_page
    login(page, "boss")
    page.goto("/account/two-factor/")
    secret = page.inner_text("#totp-secret").strip()
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Two-factor login is on")
    page.click("text=Log out")
    page.wait_for_url("**/login/**")

    from leadbridge.security.models import UserTotp

    UserTotp.objects.update(last_step=0)  # the setup used this time step's code
    page.fill("#id_username", "boss")
    page.fill("#id_password", "x-Secret-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/login/code/")
    page.fill("#id_code", "000000")
    page.click("button[type=submit]")
    page.wait_for_selector("text=This code is not valid.")
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    page.wait_for_url("**/leads/**")
    assert page.console_errors == []
