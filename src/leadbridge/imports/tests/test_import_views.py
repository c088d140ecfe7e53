"""The import pages: upload → map → preview → run with a progress bar, messages at fields."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from leadbridge.imports import engine, jobs
from leadbridge.imports.models import ImportJob
from leadbridge.leads.models import Lead

from .files import csv_bytes

ROWS = [["E-mail", "Příjmení", "Poznámka"], ["a@firma.cz", "Alfa", "x"], ["bad", "Beta", "y"]]


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_upload_map_preview_start_and_progress(admin_user):
    web = browser(admin_user)
    assert web.get("/imports/").status_code == 200
    r = web.post("/imports/", {"file": SimpleUploadedFile("a.csv", csv_bytes(ROWS, bom=True))})
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/imports/{job.pk}/map/"
    page = web.get(f"/imports/{job.pk}/map/").content.decode()
    assert 'value="email" selected' in page and "a@firma.cz" in page
    # Fields by their labels in the reader's language, lookups too; the values stay contract names.
    assert '<option value="expected_value">Expected value</option>' in page
    assert '<label for="id_const_team">Sales team</label>' in page
    # A field fed twice is refused at the column that repeats it.
    r = web.post(
        f"/imports/{job.pk}/map/",
        {"col_0": "email", "col_1": "email", "col_2": "", "on_duplicate": "skip"},
    )
    assert r.status_code == 200
    assert "already fed by column 1" in r.content.decode()
    r = web.post(
        f"/imports/{job.pk}/map/",
        {
            "col_0": "email",
            "col_1": "last_name",
            "col_2": "description",
            "const_city": "Brno",
            "on_duplicate": "skip",
            "match_on": "email",
        },
    )
    assert r.status_code == 302 and r["Location"] == f"/imports/{job.pk}/preview/"
    page = web.get(f"/imports/{job.pk}/preview/").content.decode()
    assert "cell-error" in page and "City: Brno" in page
    r = web.post(f"/imports/{job.pk}/start/")
    assert r.status_code == 302
    page = web.get(f"/imports/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "import-bar" in page
    engine.run_job(job.pk)
    partial = web.get(f"/imports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="done"' in partial and 'value="100"' in partial
    assert "Error report (CSV)" in partial
    assert Lead.objects.get().city == "Brno"
    web.post(f"/imports/{job.pk}/undo/")
    assert not Lead.objects.alive().exists()


def test_upload_errors_at_the_field_and_rights(admin_user, users):
    web = browser(admin_user)
    r = web.post("/imports/", {"file": SimpleUploadedFile("a.xlsx", b"nope")})
    assert r.status_code == 200 and "errorlist" in r.content.decode()
    sales = browser(users["sales_north"])
    assert "may not import" in sales.get("/imports/").content.decode()
    job = jobs.import_upload(
        actor=admin_user, filename="a.csv", stream=__import__("io").BytesIO(b"a\n1\n"), size=4
    )
    assert sales.get(f"/imports/{job.pk}/").status_code == 404


def test_lists_link_to_exports(admin_user):
    web = browser(admin_user)
    assert "/api/leads/export?format=csv" in web.get("/leads/?q=x").content.decode()
    assert "/api/clients/export?format=xlsx" in web.get("/clients/").content.decode()
    # A filter form sends every field; the API would read `status_id=` as a bad number.
    page = web.get("/leads/?q=x&status_id=&owner_id=&tag=vip").content.decode()
    assert 'href="/api/leads/export?format=csv&amp;layout=spreadsheet&amp;q=x&amp;tag=vip"' in page


def workbook(sheets: dict) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_mapping_page_reads_another_sheet_errors_at_the_field(admin_user):
    data = workbook(
        {
            "Intro": [["Exported from the old CRM"]],
            "Leads": [["E-mail", "Příjmení"], ["a@firma.cz", "Alfa"]],
            "Empty": [],
        }
    )
    web = browser(admin_user)
    web.post("/imports/", {"file": SimpleUploadedFile("crm.xlsx", data)})
    job = ImportJob.objects.get()
    assert (job.sheet, job.headers) == ("Intro", ["Exported from the old CRM"])
    page = web.get(f"/imports/{job.pk}/map/").content.decode()
    assert 'id="import-sheet"' in page and "<option>Leads</option>" in page
    r = web.post(f"/imports/{job.pk}/map/", {"sheet": "Leads"})
    assert r.status_code == 302 and r["Location"] == f"/imports/{job.pk}/map/"
    job.refresh_from_db()
    assert (job.sheet, job.headers, job.mapping["columns"]) == (
        "Leads",
        ["E-mail", "Příjmení"],
        ["email", "last_name"],
    )
    page = web.get(f"/imports/{job.pk}/map/").content.decode()
    assert "<option selected>Leads</option>" in page and "a@firma.cz" in page
    # A sheet whose first row names nothing: said at the sheet field; the job is unchanged.
    r = web.post(f"/imports/{job.pk}/map/", {"sheet": "Empty"})
    page = r.content.decode()
    assert r.status_code == 200
    assert 'has-error" style' in page and "The first row must name the columns." in page
    job.refresh_from_db()
    assert job.sheet == "Leads"
    # A CSV has no sheets to choose.
    web.post("/imports/", {"file": SimpleUploadedFile("a.csv", csv_bytes(ROWS))})
    csv_job = ImportJob.objects.latest("pk")
    assert 'id="import-sheet"' not in web.get(f"/imports/{csv_job.pk}/map/").content.decode()
