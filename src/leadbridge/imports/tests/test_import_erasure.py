"""GDPR erasure reaches what an import keeps: undo data, failed rows, the uploaded file."""

import pytest
from django.core.files.storage import default_storage

from leadbridge.imports.models import ImportJob
from leadbridge.imports.tests.files import csv_bytes
from leadbridge.imports.tests.test_import_services import run, upload
from leadbridge.leads.models import Lead
from leadbridge.privacy.tests.test_erasure import EMAIL, FIRST, LAST, dump_text, traces

pytestmark = pytest.mark.django_db


def test_erasure_reaches_import_undo_data_failed_rows_and_the_file(admin_api, admin_user):
    lead = admin_api.post(
        "/api/leads", {"first_name": FIRST, "last_name": LAST, "email": EMAIL, "city": "Brno"}
    ).json()
    rows = [
        ["E-mail", "Město", "Jméno", "Příjmení"],
        [EMAIL, "Praha", FIRST, LAST],  # updates the lead: its old values go to the undo data
        ["not an e-mail", "Ostrava", FIRST, LAST],  # a failed row that names the person
    ]
    job = run(
        admin_user, upload(admin_user, csv_bytes(rows), on_duplicate="overwrite", match_on="email")
    )
    assert job.rows_updated == 1 and job.rows_failed == 1
    assert Lead.objects.get(pk=lead["id"]).city == "Praha"
    path = ImportJob.objects.get(pk=job.pk).file

    r = admin_api.post(f"/api/privacy/lead/{lead['id']}/erase")
    assert r.status_code == 200, r.content
    assert r.json()["rows"]["imports"] >= 2
    assert traces(dump_text()) == []
    assert not default_storage.exists(path)


def test_csv_export_cells_never_start_a_formula():
    from leadbridge.imports.exports import csv_cell

    assert csv_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert csv_cell("+420 603 123 456") == "+420 603 123 456"
    assert csv_cell("-12.5") == "-12.5"
    assert csv_cell("Novák") == "Novák"


def test_a_binary_file_is_refused_at_the_field(admin_user):
    from leadbridge.core.errors import ValidationFailed

    from .test_import_services import upload

    with pytest.raises(ValidationFailed) as caught:
        upload(admin_user, b"\x00")
    assert caught.value.errors[0].field == "file"
