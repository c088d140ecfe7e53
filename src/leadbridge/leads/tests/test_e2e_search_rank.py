"""Browser test: the leads list ranks a typed surname's own form first (issue 24)."""

import pytest

from leadbridge.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _names(page) -> list[str]:
    return [
        row.split("\t")[1].strip() for row in page.locator("#lead-rows tbody tr").all_inner_texts()
    ]


def test_typing_a_feminine_surname_puts_her_first(browser_page, boss, make_lead):
    # Rūta is the oldest lead: newest first would list her last.
    make_lead(first_name="Rūta", last_name="Kazlauskienė")
    for first in ("Jonas", "Tomas", "Mindaugas"):
        make_lead(first_name=first, last_name="Kazlauskas")
    make_lead(first_name="Aistė", last_name="Kazlauskaitė")
    make_lead(first_name="Jan", last_name="Novák")
    page = browser_page
    login(page, "boss")
    page.fill("#id_q", "kazlauskiene")
    page.wait_for_url("**q=kazlauskiene**")
    page.wait_for_function("!document.querySelector('#lead-table').innerText.includes('Novák')")
    names = _names(page)
    assert names[0] == "Rūta Kazlauskienė"
    assert names.index("Rūta Kazlauskienė") < names.index("Jonas Kazlauskas")
    assert len(names) == 5  # the stem still finds the family, below her

    # The masculine form typed in full: the men first, Rūta after them.
    page.fill("#id_q", "kazlauskas")
    page.wait_for_url("**q=kazlauskas**")
    page.wait_for_function(
        "document.querySelector('#lead-rows tbody tr').innerText.includes('Kazlauskas')"
    )
    names = _names(page)
    assert {n.split()[1] for n in names[:3]} == {"Kazlauskas"}
    assert names.index("Rūta Kazlauskienė") > 2

    # A typo finds nothing: the closest name is offered, and following it finds her.
    page.fill("#id_q", "kazlauskene")
    offer = page.locator("[data-testid=did-you-mean] a").first  # the closest first
    offer.wait_for()
    assert offer.inner_text() == "Kazlauskienė"
    assert page.inner_text("[data-testid=lead-count]").startswith("0")
    offer.click()
    page.wait_for_url("**q=Kazlauski**")
    page.wait_for_function("document.querySelectorAll('#lead-rows tbody tr').length === 5")
    assert _names(page)[0] == "Rūta Kazlauskienė"
    assert page.input_value("#id_q") == "Kazlauskienė"
    assert page.console_errors == []
