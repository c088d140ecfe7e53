"""Binary data in a later row of a CSV (past the rows the upload looks at): the row is
reported at its cell and the others are imported; PostgreSQL stores no NUL in text or JSON,
so nothing of it may reach a column."""

import pytest

from leadbridge.core.errors import ValidationFailed
from leadbridge.imports import jobs
from leadbridge.leads.models import Lead

from .files import csv_bytes
from .test_import_services import errors_of, run, upload

pytestmark = pytest.mark.django_db


def test_nul_in_a_later_row_is_a_row_error(admin_user):
    rows = [["Příjmení", "E-mail", "Telefon", "Poznámka"]]
    rows += [[f"Novák{i}", f"n{i}@firma.cz", f"+420 603 100 {i:03d}", ""] for i in range(40)]
    rows[30][2] = "+420 603\x00 999"  # the phone is kept as typed when it does not parse
    rows[35][3] = "PK\x03\x04\x00\x00binary"
    job = upload(admin_user, csv_bytes(rows))
    job = run(admin_user, job)
    assert (job.status, job.rows_created, job.rows_failed) == ("done", 38, 2)
    assert [(line, column) for line, column, _m in errors_of(job)] == [
        (31, "Telefon"),
        (36, "Poznámka"),
    ]
    assert all("NUL" in message for _l, _c, message in errors_of(job))
    assert not Lead.objects.filter(last_name__in=["Novák29", "Novák34"]).exists()
    report = list(jobs.error_report_rows(job))
    assert report[1][:3] == ["Novák29", "n29@firma.cz", "+420 603\ufffd 999"]
    assert report[1][-2] == 31


def test_nul_in_a_constant_is_refused_at_the_mapping(admin_user):
    job = upload(admin_user, csv_bytes([["Příjmení"], ["Novák"]]))
    mapping = job.mapping | {"constants": {"phone": "1\x002"}}
    with pytest.raises(ValidationFailed) as caught:
        jobs.import_set_mapping(actor=admin_user, job_id=job.pk, mapping=mapping)
    assert [e.field for e in caught.value.errors] == ["mapping.constants.phone"]


def test_copy_text_keeps_tabs_newlines_and_backslashes(admin_user):
    note = "a\tb\\c\r\nd \\N e"
    data = csv_bytes([["Příjmení", "Poznámka"], ["Novák", note]])
    job = run(admin_user, upload(admin_user, data))
    assert job.rows_created == 1, errors_of(job)
    lead = Lead.objects.get()
    assert lead.description == note
