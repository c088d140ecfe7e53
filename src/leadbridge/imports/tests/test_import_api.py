"""The imports and exports API: the whole flow, errors in the one format, record access."""

from django.core.files.uploadedfile import SimpleUploadedFile

from leadbridge.conftest import api_for
from leadbridge.core.tests.helpers import assert_error
from leadbridge.imports import engine, jobs
from leadbridge.imports.exports import read_back
from leadbridge.leads.models import Lead

from .files import csv_bytes, xlsx_bytes

ROWS = [
    ["E-mail", "Příjmení", "Hodnota"],
    ["a@firma.cz", "Alfa", "1 000,50"],
    ["nope", "Beta", ""],
    ["c@firma.cz", "Gama", "x"],
]


def post_file(api, data: bytes, name="leads.csv", **form):
    return api.client.post(
        "/api/imports", {"file": SimpleUploadedFile(name, data), **form}, format="multipart"
    )


def test_upload_map_preview_start_progress_errors_undo(admin_api):
    r = post_file(admin_api, csv_bytes(ROWS, encoding="cp1250", delimiter=";"))
    assert r.status_code == 201, r.content
    job = r.json()
    assert job["status"] == "uploaded" and job["delimiter"] == ";"
    assert job["mapping"]["columns"] == ["email", "last_name", "expected_value"]
    jid = job["id"]
    r = admin_api.put(
        f"/api/imports/{jid}/mapping",
        {
            "mapping": {
                "columns": ["email", "last_name", "expected_value"],
                "constants": {"city": "Brno"},
            },
            "on_duplicate": "skip",
            "save_template": True,
        },
    )
    assert r.status_code == 200, r.content
    preview = admin_api.get(f"/api/imports/{jid}/preview").json()
    first, second, third = preview["rows"]
    assert first["values"]["expected_value"] == "1000.50" and first["values"]["city"] == "Brno"
    assert second["errors"][0]["column"] == "E-mail"
    assert third["errors"] == [
        {"column": "Hodnota", "field": "expected_value", "message": "Must be a number."}
    ]
    assert Lead.objects.count() == 0  # the preview writes nothing
    r = admin_api.post(f"/api/imports/{jid}/start")
    assert r.status_code == 202 and r.json()["status"] == "queued"
    assert_error(admin_api.post(f"/api/imports/{jid}/start"), 409, code="import_started")
    engine.run_job(jid)  # what the worker does
    job = admin_api.get(f"/api/imports/{jid}").json()
    assert (job["status"], job["rows_done"], job["rows_created"], job["rows_failed"]) == (
        "done",
        3,
        1,
        2,
    )
    assert job["percent"] == 100.0 and job["rate"] > 0
    report = admin_api.client.get(f"/api/imports/{jid}/errors")
    rows = read_back(b"".join(report.streaming_content))
    assert rows[0] == ["E-mail", "Příjmení", "Hodnota", "Line", "Errors"]
    assert [r[3] for r in rows[1:]] == ["3", "4"]
    xlsx = admin_api.client.get(f"/api/imports/{jid}/errors", {"format": "xlsx"})
    assert b"".join(xlsx.streaming_content).startswith(b"PK")
    assert admin_api.post(f"/api/imports/{jid}/undo").json()["status"] == "undone"
    assert not Lead.objects.alive().exists()
    # The saved mapping is offered for the next file with the same headers.
    again = post_file(admin_api, csv_bytes([["Hodnota", "E-mail", "Příjmení"]])).json()
    assert again["mapping"]["columns"] == ["expected_value", "email", "last_name"]
    assert again["mapping"]["constants"] == {"city": "Brno"}


def test_bad_mapping_and_bad_file_answer_the_error_format(admin_api):
    assert_error(post_file(admin_api, b"garbage", "x.xlsx"), 422, field="file")
    jid = post_file(admin_api, csv_bytes(ROWS)).json()["id"]
    r = admin_api.put(
        f"/api/imports/{jid}/mapping", {"mapping": {"columns": ["email", "email", "zzz"]}}
    )
    body = assert_error(r, 422, field="mapping.columns.1")
    assert "mapping.columns.2" in {e["field"] for e in body["errors"]}
    assert_error(admin_api.get("/api/imports/999999"), 404)


def test_rights_and_other_users_jobs(admin_api, users):
    sales = api_for(users["sales_north"])  # no import right on leads
    assert_error(post_file(sales, csv_bytes(ROWS)), 403)
    jid = post_file(admin_api, csv_bytes(ROWS)).json()["id"]
    marketing = api_for(users["marketing"])
    assert_error(marketing.get(f"/api/imports/{jid}"), 404)


def test_xlsx_upload_lists_sheets(admin_api):
    data = xlsx_bytes([["Company"], ["Acme"]], extra_sheet="Intro")
    job = post_file(admin_api, data, "f.xlsx", sheet="Leads").json()
    assert (job["format"], job["sheets"], job["sheet"]) == ("xlsx", ["Intro", "Leads"], "Leads")


def test_export_respects_filters_and_record_access(admin_api, users, teams, make_lead):
    north, south = users["sales_north"], users["sales_south"]
    make_lead(last_name="Mine", owner_id=north.pk, team_id=teams[0].pk, tags=["Brno"])
    make_lead(last_name="Theirs", owner_id=south.pk, team_id=teams[1].pk, tags=["Brno"])
    make_lead(last_name="Elsewhere", owner_id=north.pk, team_id=teams[0].pk, city="Praha")
    r = admin_api.client.get("/api/leads/export", {"q": "mine theirs", "owner_id": south.pk})
    assert read_back(b"".join(r.streaming_content))[1:] == []
    r = admin_api.client.get("/api/leads/export", {"tag": "brno"})
    assert r["Content-Type"].startswith("text/csv")
    rows = read_back(b"".join(r.streaming_content))
    assert sorted(row[2] for row in rows[1:]) == ["Mine", "Theirs"]
    # Salespeople may not export leads; a sales manager exports the team's only.
    assert_error(api_for(north).get("/api/leads/export"), 403)
    r = api_for(users["manager_north"]).client.get("/api/leads/export", {"format": "xlsx"})
    assert r.status_code == 200
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    names = sorted(row[2] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert names == ["Elsewhere", "Mine"]
    for plural in ("clients", "contacts", "deals", "activities"):
        r = admin_api.client.get(f"/api/{plural}/export")
        assert r.status_code == 200, (plural, r.content)
        assert read_back(b"".join(r.streaming_content))[0][0] == "id"
    assert_error(admin_api.get("/api/leads/export", format="pdf"), 422)


def test_export_columns_chosen_in_order(admin_api, make_lead):
    lead = make_lead(last_name="Dvořák", email="d@firma.cz")
    r = admin_api.client.get(
        "/api/leads/export", {"columns": "email, last_name,status", "q": "dvořák"}
    )
    assert read_back(b"".join(r.streaming_content)) == [
        ["email", "last_name", "status"],
        ["d@firma.cz", "Dvořák", lead.status.name],
    ]
    r = admin_api.client.get("/api/activities/export", {"columns": "subject,id"})
    assert read_back(b"".join(r.streaming_content))[0] == ["subject", "id"]
    # An empty choice is every column; an unknown one is refused before anything streams.
    r = admin_api.client.get("/api/leads/export", {"columns": " , "})
    assert read_back(b"".join(r.streaming_content))[0][:2] == ["id", "first_name"]
    body = assert_error(
        admin_api.get("/api/leads/export", columns="email,shoe_size"), 422, field="columns"
    )
    assert "shoe_size" in body["errors"][0]["message"]
    assert "last_name" in body["errors"][0]["message"]


def test_choose_another_sheet_before_the_start(admin_api, users):
    from .test_import_views import workbook

    data = workbook({"Intro": [["Read me"]], "Leads": [["Company"], ["Acme"]]})
    job = post_file(admin_api, data, "f.xlsx").json()
    assert (job["sheet"], job["headers"]) == ("Intro", ["Read me"])
    r = admin_api.put(f"/api/imports/{job['id']}/sheet", {"sheet": "Leads"})
    assert r.status_code == 200, r.content
    assert (r.json()["sheet"], r.json()["headers"]) == ("Leads", ["Company"])
    assert r.json()["mapping"]["columns"] == ["company_name"]
    body = assert_error(
        admin_api.put(f"/api/imports/{job['id']}/sheet", {"sheet": "Nope"}), 422, field="sheet"
    )
    assert "Intro, Leads" in body["errors"][0]["message"]
    # Someone else's import is not there for them; a started one keeps its sheet.
    other = api_for(users["manager_north"])
    assert_error(other.put(f"/api/imports/{job['id']}/sheet", {"sheet": "Leads"}), 404)
    jobs.import_start(actor=admin_api.user, job_id=job["id"])
    assert_error(admin_api.put(f"/api/imports/{job['id']}/sheet", {"sheet": "Intro"}), 409)
