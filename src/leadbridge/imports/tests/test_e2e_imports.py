"""The import page in a browser: upload → map → preview → start, the progress bar follows the
worker until done (Playwright on Debian's chromium, marked e2e)."""

import pytest

from leadbridge.conftest import login

from .files import csv_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin(db):
    from leadbridge.people.models import User

    return User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")


def test_import_steps_and_progress_bar(browser_page, admin, tmp_path):
    from leadbridge.imports import services
    from leadbridge.imports.models import ImportJob
    from leadbridge.leads.models import Lead

    path = tmp_path / "stary-crm.csv"
    rows = [["E-mail", "Příjmení", "Hodnota", "Interní"], ["spatny-email", "Chyba", "", ""]]
    rows += [[f"u{i}@firma.cz", f"Dvořák {i}", "1 234,50", "x"] for i in range(30)]
    path.write_bytes(csv_bytes(rows, encoding="cp1250", delimiter=";"))
    page = browser_page
    login(page, "boss")
    page.click("nav >> text=Import")
    page.set_input_files("#id_file", str(path))
    page.click("text=Upload and map columns")
    page.wait_for_url("**/map/")
    assert page.input_value("#id_col_0") == "email"
    assert page.input_value("#id_col_3") == ""
    page.select_option("#id_col_2", "expected_value")
    page.fill("#id_const_city", "Brno")
    page.click("text=Preview")
    page.wait_for_url("**/preview/")
    assert "spatny-email" in page.inner_text("#import-preview .cell-error")
    page.click("#import-start")
    page.wait_for_selector("#import-bar")
    job = ImportJob.objects.get()
    assert job.status == "queued"
    services.run_job(job.pk, batch_size=10)  # what the worker does
    page.wait_for_selector("[data-status=done]", timeout=15_000)
    assert page.inner_text("#import-created") == "30"
    assert page.inner_text("#import-failed") == "1"
    assert page.get_attribute("#import-bar", "value") == "100"
    assert Lead.objects.filter(city="Brno").count() == 30
    assert page.console_errors == []


def test_export_follows_the_filters_typed_in_the_list(browser_page, admin):
    from leadbridge.leads.services import lead_create

    from ..exports import read_back

    for name in ("Nováková", "Dvořák", "Kowalska"):
        lead_create(actor=admin, data={"last_name": name})
    page = browser_page
    login(page, "boss")  # lands on the lead list
    page.fill("#id_q", "dvořák")
    page.wait_for_url("**q=*")  # htmx swapped the table and pushed the address
    page.wait_for_function(
        "document.querySelector('a[data-export]').href.includes('q=')", timeout=5_000
    )
    with page.expect_download() as info:
        page.click("text=Export CSV")
    rows = read_back(open(info.value.path(), "rb").read())
    assert [row[rows[0].index("last_name")] for row in rows[1:]] == ["Dvořák"]
    assert page.console_errors == []


@pytest.mark.parametrize("kind", ["zip bomb", "too wide"])
def test_a_refused_file_is_shown_at_the_file_field_and_nothing_is_kept(
    browser_page, admin, tmp_path, kind
):
    from leadbridge.imports.models import ImportJob

    from .files import xlsx_with_long_cell

    if kind == "zip bomb":  # 300 KB unpacking to 300 MB (issue 19)
        path = tmp_path / "leads.xlsx"
        path.write_bytes(xlsx_with_long_cell(300 * 1024 * 1024))
        expected = "compressed more than 100 to 1"
    else:
        path = tmp_path / "wide.csv"
        path.write_bytes(csv_bytes([[f"Sloupec {i}" for i in range(501)], ["x"] * 501]))
        expected = "The file has 501 columns; at most 500 can be imported."
    page = browser_page
    login(page, "boss")
    page.goto("/imports/")
    page.set_input_files("#id_file", str(path))
    page.click("text=Upload and map columns")
    error = page.locator(".field.has-error:has(#id_file) .errorlist")
    error.wait_for()
    assert expected in error.inner_text()
    assert page.url.endswith("/imports/")
    assert ImportJob.objects.count() == 0
    # A good file afterwards goes on to the mapping.
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([["E-mail", "Příjmení"], ["a@firma.cz", "Alfa"]]))
    page.set_input_files("#id_file", str(good))
    page.click("text=Upload and map columns")
    page.wait_for_url("**/map/")
    assert ImportJob.objects.get().headers == ["E-mail", "Příjmení"]
    assert page.console_errors == []
