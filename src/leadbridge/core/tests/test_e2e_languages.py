"""The main pages in every language in a real browser (Playwright on Debian's chromium)."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from leadbridge.conftest import login
from leadbridge.core import messages

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LANGUAGES = ["en", "cs", "sk", "pl", "lt", "vi"]


@pytest.fixture(scope="module", autouse=True)
def compiled():
    messages.compile_all()


def _translation(language: str, msgid: str, context: str | None = None) -> str:
    if language == "en":
        return msgid
    with messages.po_path(language).open("rb") as handle:
        entry = read_po(handle, locale=language).get(msgid, context=context)
    return entry.string if entry is not None else ""


def _visit_main_pages(page, lead_id: int) -> dict[str, str]:
    """The text of the leads list, the lead card, the board and the wizard's first step."""
    seen = {}
    for name, url in (
        ("list", "/leads/"),
        ("card", f"/leads/{lead_id}/"),
        ("board", "/leads/board/"),
        ("wizard", f"/leads/{lead_id}/convert/"),
    ):
        response = page.goto(url)
        assert response.status == 200, (name, response.status)
        seen[name] = page.inner_text("body")
        seen[f"{name}:lang"] = page.get_attribute("html", "lang")
    return seen


def _user_and_lead(language: str):
    from leadbridge.leads.services import lead_create
    from leadbridge.people.models import User

    user = User.objects.create_superuser(
        f"user-{language}", f"{language}@example.com", "x-Secret-123", language=language
    )
    lead = lead_create(
        actor=user,
        data={"first_name": "Jana", "last_name": "Dvořáková", "company_name": "Porost s.r.o."},
    ).obj
    return user, lead


@pytest.mark.parametrize("language", LANGUAGES)
def test_main_pages_render_in_the_users_language(browser_page, language):
    user, lead = _user_and_lead(language)
    page = browser_page
    login(page, user.username)
    seen = _visit_main_pages(page, lead.pk)
    for name in ("list", "card", "board", "wizard"):
        assert seen[f"{name}:lang"] == language, name
        assert "Dvořáková" in seen[name], name
    assert page.console_errors == []


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_main_pages_show_the_translated_words(browser_page, language):
    user, lead = _user_and_lead(language)
    page = browser_page
    login(page, user.username)
    seen = _visit_main_pages(page, lead.pk)
    leads = _translation(language, "Leads")
    convert = _translation(language, "Convert…")
    assert leads and leads != "Leads", f"{language}: 'Leads' is not translated"
    for name in ("list", "card", "board", "wizard"):
        assert leads in seen[name], name  # the top bar's first item
    assert convert and convert in seen["card"]
