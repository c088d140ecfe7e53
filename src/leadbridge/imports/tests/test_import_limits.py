"""Upload limits (issue 19): a zip bomb is refused before anything reads it, a cell longer than
the limit is a row error in every reader, and a file wider than a mapping can hold is refused
at upload."""

import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from leadbridge.core.errors import ValidationFailed
from leadbridge.core.tests.helpers import assert_error
from leadbridge.imports import jobs, readers
from leadbridge.imports.models import ImportJob
from leadbridge.leads.models import Lead

from .files import csv_bytes, with_stated_size, xlsx_bytes, xlsx_with_long_cell
from .test_import_api import post_file
from .test_import_services import errors_of, run, upload
from .test_import_views import browser


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """The probe's file: about 300 KB whose one cell unpacks to 300 MB."""
    return xlsx_with_long_cell(300 * 1024 * 1024)


@pytest.fixture
def nothing_reads_a_sheet(monkeypatch):
    """Fails the test if a reader opens the workbook: the refusal comes before any reading."""

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was read before its archive was checked")

    monkeypatch.setattr(readers, "read_workbook", refuse)
    monkeypatch.setattr(readers, "read_xlsx_streaming", refuse)


def stored_files() -> list[str]:
    from django.conf import settings

    root = settings.MEDIA_ROOT / "imports"
    return [f for _d, _s, files in os.walk(root) for f in files] if root.exists() else []


def test_a_zip_bomb_is_refused_at_upload_before_any_reader_opens_it(
    admin_api, bomb, nothing_reads_a_sheet
):
    assert len(bomb) < 400 * 1024
    before = stored_files()
    r = post_file(admin_api, bomb, name="leads.xlsx")
    body = assert_error(r, 422, field="file", code="file_too_large")
    assert "100 to 1" in body["errors"][0]["message"]
    assert ImportJob.objects.count() == 0
    assert stored_files() == before  # the file is not kept


def test_the_upload_page_shows_the_refusal_at_the_file_field(admin_user, bomb):
    r = browser(admin_user).post(
        "/imports/", {"file": SimpleUploadedFile("leads.xlsx", bomb)}, follow=False
    )
    assert r.status_code == 200
    page = r.content.decode()
    field = page.index('class="field wide has-error"')
    assert page.index("compressed more than 100 to 1", field) > field
    assert ImportJob.objects.count() == 0


def test_the_total_unpacked_size_is_limited_by_a_setting(admin_api, nothing_reads_a_sheet):
    # Random text hardly compresses: only the total can refuse it.
    rows = [["E-mail", "Poznámka"]] + [
        [f"u{i}@firma.cz", os.urandom(300).hex()] for i in range(400)
    ]
    data = xlsx_bytes(rows)
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    with override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=unpacked - 1):
        r = post_file(admin_api, data, name="leads.xlsx")
        body = assert_error(r, 422, field="file", code="file_too_large")
        assert "unpacks to more than" in body["detail"]
    with override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=unpacked):
        assert readers.check_archive(io.BytesIO(data)) == unpacked


def test_a_workbook_of_ordinary_rows_passes_the_archive_check():
    rows = [["E-mail", "Příjmení", "Město"]] + [
        [f"user{i}@firma.cz", "Novák", "Praha"] for i in range(20_000)
    ]
    data = xlsx_bytes(rows)
    assert readers.check_archive(io.BytesIO(data)) > 1024 * 1024


@pytest.mark.parametrize("reader", ["calamine", "streaming"])
def test_a_cell_over_the_limit_is_a_row_error_in_either_reader(admin_user, monkeypatch, reader):
    if reader == "streaming":
        monkeypatch.setattr(readers, "XLSX_STREAM_ABOVE", 0)
    data = xlsx_with_long_cell(5000, char="Ž")
    with override_settings(IMPORT_MAX_CELL_CHARS=4000):
        table = readers.read_table(io.BytesIO(data), filename="x.xlsx")
        assert table.format == "xlsx"
        (line2, cells2), (line3, cells3) = list(table.rows)
        assert isinstance(cells2[1], readers.TooLong) and cells2[1].length == 5000
        assert len(cells2[1]) < 100 and cells3 == ["short@firma.cz", "Krátký"]
        job = run(admin_user, upload(admin_user, data, name="x.xlsx"))
    assert (job.rows_created, job.rows_failed) == (1, 1)
    assert errors_of(job) == [
        (2, "Příjmení", "The cell holds 5000 characters; at most 4000 can be imported.")
    ]
    error = job.row_errors.get()
    assert error.cells[0] == "long@firma.cz" and len(error.cells[1]) < 100  # not the cell
    assert list(Lead.objects.values_list("email", flat=True)) == ["short@firma.cz"]


def test_a_csv_cell_over_the_limit_is_a_row_error(admin_user):
    rows = [
        ["E-mail", "Příjmení", "Interní"],
        ["a@firma.cz", "x" * 301, ""],
        ["b@firma.cz", "Béčko", "y" * 400],  # a skipped column's cell is not imported
    ]
    with override_settings(IMPORT_MAX_CELL_CHARS=300):
        job = upload(admin_user, csv_bytes(rows))
        assert job.mapping["columns"] == ["email", "last_name", ""]
        job = run(admin_user, job)
    assert (job.rows_created, job.rows_failed) == (1, 1)
    assert Lead.objects.get().last_name == "Béčko"
    assert errors_of(job) == [
        (2, "Příjmení", "The cell holds 301 characters; at most 300 can be imported.")
    ]


def test_a_column_name_over_the_cell_limit_is_refused_at_upload(admin_user):
    with override_settings(IMPORT_MAX_CELL_CHARS=50), pytest.raises(ValidationFailed) as caught:
        upload(admin_user, csv_bytes([["E-mail", "N" * 51], ["a@firma.cz", "x"]]))
    assert [i.field for i in caught.value.errors] == ["file"]
    assert "longer than 50 characters" in caught.value.detail


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_wider_than_a_mapping_can_hold_is_refused_at_upload(admin_api, fmt):
    def file(width: int) -> bytes:
        rows = [[f"Column {i}" for i in range(width)], [f"v{i}" for i in range(width)]]
        return csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)

    r = post_file(admin_api, file(501), name=f"wide.{fmt}")
    body = assert_error(r, 422, field="file")
    assert body["errors"][0]["message"] == (
        "The file has 501 columns; at most 500 can be imported."
    )
    assert ImportJob.objects.count() == 0
    # The widest file that can be mapped is accepted, and its mapping can be saved.
    r = post_file(admin_api, file(500), name=f"wide.{fmt}")
    assert r.status_code == 201, r.content
    job = r.json()
    assert len(job["headers"]) == 500
    r = admin_api.put(
        f"/api/imports/{job['id']}/mapping",
        {"mapping": {"columns": ["email"] + [""] * 499}, "on_duplicate": "skip"},
    )
    assert r.status_code == 200, r.content
    assert jobs.import_get(actor=admin_api.user, job_id=job["id"]).mapping["columns"][0] == (
        "email"
    )


@pytest.mark.parametrize("reader", ["calamine", "streaming"])
def test_a_forged_directory_cannot_hide_the_unpacked_size(admin_api, monkeypatch, reader):
    """The archive check trusts the sizes the zip's directory states; a member that unpacks to
    more than it states is refused by the readers themselves, before the extra is read."""
    if reader == "streaming":
        monkeypatch.setattr(readers, "XLSX_STREAM_ABOVE", 0)
    forged = with_stated_size(xlsx_with_long_cell(5 * 1024 * 1024), 1000)
    stated = {i.filename: i.file_size for i in zipfile.ZipFile(io.BytesIO(forged)).infolist()}
    assert stated["xl/worksheets/sheet1.xml"] == 1000  # small enough for both checks
    assert readers.check_archive(io.BytesIO(forged)) < 20_000
    r = post_file(admin_api, forged, name="leads.xlsx")
    body = assert_error(r, 422, field="file")
    assert body["detail"].startswith("The workbook cannot be read")
    assert ImportJob.objects.count() == 0


def test_a_sheet_wider_than_a_mapping_can_hold_is_refused_when_chosen(admin_user):
    wide = [[f"Column {i}" for i in range(501)], [f"v{i}" for i in range(501)]]
    job = upload(admin_user, xlsx_bytes(wide, sheet="Wide", extra_sheet="Narrow"), "two.xlsx")
    assert (job.sheet, job.headers) == ("Narrow", ["nothing here"])
    with pytest.raises(ValidationFailed) as caught:
        jobs.import_choose_sheet(actor=admin_user, job_id=job.pk, sheet="Wide")
    assert [(i.field, i.message) for i in caught.value.errors] == [
        ("sheet", "The file has 501 columns; at most 500 can be imported.")
    ]
    job.refresh_from_db()
    assert (job.sheet, job.headers) == ("Narrow", ["nothing here"])
