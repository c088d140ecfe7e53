"""Browser test of the weights chart on the finder page and the Train button (marked e2e)."""

import re

import pytest

from leadbridge.automation.tests.helpers import run_worker
from leadbridge.conftest import axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIRST = ["Jan", "Eva", "Petr", "Marta", "Tomáš", "Lucie", "Karel", "Jana", "Pavel", "Hana",
         "Ondřej", "Lenka", "Martin", "Petra", "Jakub", "Tereza", "Lukáš", "Veronika", "Josef",
         "Alena"]  # fmt: skip
LAST = ["Novák", "Malý", "Svoboda", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý",
        "Horák", "Němec", "Marek", "Pospíšil", "Hájek", "Jelínek", "Král", "Růžička", "Beneš",
        "Fiala", "Sedláček", "Doležal", "Zeman", "Kolář", "Navrátil", "Čermák", "Urban",
        "Vaněk"]  # fmt: skip
CITIES = [("Brno", "60200"), ("Praha", "11000"), ("Ostrava", "70200"), ("Plzeň", "30100"),
          ("Olomouc", "77900"), ("Liberec", "46001")]  # fmt: skip
PEOPLE = 520  # twice each: enough records (weights.MIN_RECORDS) for the training to learn


def _people():
    """520 people, each typed twice (the second time with a typo in the last name and the
    house number): what the training learns agreement from. Loaded through the service."""
    from leadbridge.leads.services import lead_create
    from leadbridge.people.services import system_actor

    actor = system_actor("tests")
    for i in range(PEOPLE):
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        city, postcode = CITIES[i % len(CITIES)]
        street = f"Dlouhá {i + 1}"
        base = {"first_name": first, "city": city, "postcode": postcode}
        lead_create(actor=actor, data={**base, "last_name": last, "street": street})
        typo = last[:-1] + ("x" if last[-1] != "x" else "y")
        lead_create(actor=actor, data={**base, "last_name": typo, "street": street + "a"})


def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS colours "rgb(r, g, b)"."""

    def luminance(color: str) -> float:
        channels = [int(x) / 255 for x in re.findall(r"\d+", color)[:3]]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_chart_shows_the_weights_and_train_makes_a_new_version(browser_page):
    from leadbridge.duplicates import weights
    from leadbridge.duplicates.models import WeightsJob
    from leadbridge.people.models import User

    User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")
    assert 2 * PEOPLE >= weights.MIN_RECORDS
    _people()
    page = browser_page
    login(page, "boss")
    page.goto("/duplicates/")
    chart = page.locator("[data-testid=weights-chart]")
    chart.wait_for()
    bars = chart.locator("g.weight[data-field]")
    fields = set(bars.evaluate_all("els => els.map(e => e.dataset.field)"))
    assert {"first_name", "last_name", "postcode", "city", "street"} <= fields
    # Drawn, not just present: the first name's exact level is a green bar right of zero.
    exact = chart.locator("g.weight[data-field=first_name][data-level=exact]")
    assert "pos" in exact.get_attribute("class")
    box = exact.locator("rect").bounding_box()
    axis = chart.locator("line.axis").bounding_box()
    assert box["width"] > 5 and box["x"] >= axis["x"] - 1
    other = chart.locator("g.weight[data-field=first_name][data-level=other]")
    assert "neg" in other.get_attribute("class")
    assert other.locator("rect").bounding_box()["x"] < axis["x"]
    assert page.locator("[data-testid=model-version]").get_attribute("data-version") == "0"
    before = bars.evaluate_all("els => els.map(e => e.dataset.weight)")
    # The chart is an image with a name (its caption) to a screen reader, and its texts are
    # readable: axe-core finds nothing serious on the page, the chart included.
    assert chart.get_attribute("role") == "img"
    assert chart.evaluate("el => el.getAttribute('aria-labelledby')") == "weights-caption"
    assert page.locator("#weights-caption").inner_text().startswith("Each bar is")
    assert axe_violations(page) == []
    # axe-core leaves the contrast of text inside an SVG image undecided ("imgNode"): measured
    # here, each text's fill against the panel behind the chart.
    fills, panel = chart.evaluate(
        "svg => [[...svg.querySelectorAll('text')].map(t => getComputedStyle(t).fill),"
        " getComputedStyle(svg.closest('.panel')).backgroundColor]"
    )
    assert fills and min(_contrast(fill, panel) for fill in fills) >= 4.5

    page.click("[data-testid=train]")
    page.locator("[data-testid=training][data-status=queued]").wait_for()
    job = WeightsJob.objects.get()
    run_worker()  # what `leadbridge worker` does; the page keeps polling meanwhile
    version = page.locator("[data-testid=model-version][data-version='1']")
    version.wait_for(state="attached", timeout=15_000)
    text = page.inner_text("#weights")
    assert re.search(r"Version 1, learned .* from 1\D?040 records\.", text), text
    assert page.locator("[data-testid=training]").count() == 0 or (
        page.locator("[data-testid=training]").get_attribute("data-status") == "done"
    )
    # Read back: the saved model and a fresh page agree.
    job.refresh_from_db()
    assert job.status == "done" and weights.model_info()["version"] == 1
    page.reload()
    assert page.locator("[data-testid=model-version]").get_attribute("data-version") == "1"
    after = bars.evaluate_all("els => els.map(e => e.dataset.weight)")
    # The chart now draws the learned weights, which are not the built-in ones.
    assert after == [f"{r['weight']:+.2f}" for r in weights.chart_data()] and after != before
    assert axe_violations(page) == []  # the learned chart (other lengths, the version line)
    assert page.console_errors == []


def test_a_non_admin_sees_no_train_button_and_is_refused(browser_page, make_lead, users):
    from leadbridge.duplicates.models import WeightsJob

    make_lead(first_name="Jan", last_name="Novák", city="Brno")
    page = browser_page
    login(page, users["sales_north"].username)
    page.goto("/duplicates/")
    page.locator("[data-testid=weights-chart]").wait_for()
    assert page.locator("[data-testid=train]").count() == 0
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    answer = page.request.post("/duplicates/weights/train/", headers={"X-CSRFToken": token})
    assert answer.status == 403
    assert not WeightsJob.objects.exists()
