"""The import page in a browser: upload → map → preview → start, the progress bar follows the
worker until done (Playwright on Debian's chromium, marked e2e)."""

import pytest

from leadbridge.conftest import login

from .files import csv_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_import_steps_and_progress_bar(browser_page, boss, tmp_path):
    from leadbridge.conftest import make_user
    from leadbridge.imports import engine
    from leadbridge.imports.models import ImportJob
    from leadbridge.leads.models import Lead, LeadSource

    LeadSource.objects.create(name="Veletrh Brno 2026")
    make_user("sales", username="bozena", first_name="Božena", last_name="Šťastná")
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
    # Lists are picked, not typed: the source, the owner by name, the country by its name.
    page.select_option("#id_const_source", label="Veletrh Brno 2026")
    page.select_option("#id_const_owner", label="Božena Šťastná")
    page.select_option("#id_const_country", label="Slovakia")
    page.click("text=Preview")
    page.wait_for_url("**/preview/")
    assert "spatny-email" in page.inner_text("#import-preview .cell-error")
    saved_as = page.inner_text("#import-preview tbody tr:nth-child(2) td:last-child")
    assert "Source: Veletrh Brno 2026" in saved_as and "Owner: Božena Šťastná" in saved_as
    assert "Country: SK" in saved_as and "_id" not in saved_as
    page.click("#import-start")
    page.wait_for_selector("#import-bar")
    job = ImportJob.objects.get()
    assert job.status == "queued"
    engine.run_job(job.pk, batch_size=10)  # what the worker does
    page.wait_for_selector("[data-status=done]", timeout=15_000)
    assert page.inner_text("#import-created") == "30"
    assert page.inner_text("#import-failed") == "1"
    assert page.get_attribute("#import-bar", "value") == "100"
    assert Lead.objects.filter(city="Brno").count() == 30
    assert set(Lead.objects.values_list("source__name", "owner__username", "country")) == {
        ("Veletrh Brno 2026", "bozena", "SK")
    }
    assert page.console_errors == []


def test_export_follows_the_filters_typed_in_the_list(browser_page, boss):
    from leadbridge.leads.services import lead_create

    from ..exports import read_back

    for name in ("Nováková", "Dvořák", "Kowalska"):
        lead_create(actor=boss, data={"last_name": name})
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
    assert [row[rows[0].index("Last name")] for row in rows[1:]] == ["Dvořák"]
    assert page.console_errors == []


def test_a_czech_users_csv_opens_in_excel_as_columns(browser_page, boss):
    """Czech Excel splits a CSV at `;` and reads decimal commas: the list's export is written
    so, with Czech column labels and people by name; the API's default layout is unchanged."""
    import csv
    import io

    from leadbridge.leads.services import lead_create

    boss.first_name, boss.last_name, boss.language = "Božena", "Šťastná", "cs"
    boss.save()
    lead_create(
        actor=boss,
        data={
            "last_name": "Procházka",
            "expected_value": "356000.5",
            "currency": "PLN",
            "owner_id": boss.pk,
        },
    )
    page = browser_page
    login(page, "boss")
    with page.expect_download() as info:
        page.click("text=Export CSV")
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, row = rows[0], rows[1]
    assert {"Příjmení", "Vlastník", "Očekávaná hodnota"} <= set(header), header
    assert row[header.index("Příjmení")] == "Procházka"
    assert row[header.index("Vlastník")] == "Božena Šťastná"
    assert row[header.index("Očekávaná hodnota")] == "356000,50"
    # The API's CSV keeps contract names, commas and user names.
    api = page.request.get("/api/leads/export?format=csv")
    rows = list(csv.reader(io.StringIO(api.body().decode("utf-8-sig"))))
    assert rows[1][rows[0].index("owner")] == "boss"
    assert rows[1][rows[0].index("expected_value")] == "356000.50"


@pytest.mark.parametrize("kind", ["zip bomb", "too wide"])
def test_a_refused_file_is_shown_at_the_file_field_and_nothing_is_kept(
    browser_page, boss, tmp_path, kind
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
