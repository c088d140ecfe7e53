"""The import engine: good rows imported, bad rows reported, duplicates, resume, undo."""

import datetime as dt
import io
from decimal import Decimal

import pytest

from leadbridge.customfields.models import CustomFieldDefinition
from leadbridge.duplicates.models import MatchKey, MatchProfile
from leadbridge.history.models import HistoryEvent
from leadbridge.imports import engine, jobs, writer
from leadbridge.imports.exports import read_back, record_rows, stream
from leadbridge.imports.models import ImportBatch, ImportJob
from leadbridge.leads.models import Lead, LeadSource, LeadStatus

from .files import csv_bytes, xls_bytes, xlsx_bytes


def upload(actor, data: bytes, name="leads.csv", **options):
    job = jobs.import_upload(actor=actor, filename=name, stream=io.BytesIO(data), size=len(data))
    if options:
        mapping = options.pop("mapping", None) or job.mapping
        job = jobs.import_set_mapping(actor=actor, job_id=job.pk, mapping=mapping, **options)
    return job


def run(actor, job, **kw):
    jobs.import_start(actor=actor, job_id=job.pk)
    return engine.run_job(job.pk, **kw)


def errors_of(job):
    return sorted((e.line, e.column, e.message) for e in job.row_errors.all())


STORED = [
    f.attname
    for f in Lead._meta.concrete_fields
    if f.attname not in ("id", "created_at", "updated_at", "converted_at")
]


def test_imported_lead_equals_api_lead_in_every_stored_column(admin_api, admin_user):
    source = LeadSource.objects.create(name="Veletrh 2026")
    CustomFieldDefinition.objects.create(record_type="lead", key="segment", label="Segment")
    values = {
        "first_name": "Šárka",
        "last_name": "Kopřivová",
        "company_name": "Žluťoučký kůň s.r.o.",
        "registration_number": "27074358",
        "email": "Sarka.Koprivova@Kun.cz",
        "phone": "603 123 456",
        "other_emails": ["sarka@gmail.com"],
        "street": "Náměstí 1",
        "city": "Říčany",
        "country": "CZ",
        "expected_value": "1234.50",
        "currency": "CZK",
        "tags": ["vip", "veletrh"],
        "description": "Z veletrhu",
        "source_id": source.pk,
        "custom_fields": {"segment": "B2B"},
    }
    r = admin_api.post("/api/leads", values)
    assert r.status_code == 201, r.content
    via_api = Lead.objects.get(pk=r.json()["id"])
    # The same lead in a Czech file; the API one is deleted first so the import's
    # duplicate check does not skip it.
    header = [
        "Jméno",
        "Příjmení",
        "Název firmy",
        "IČO",
        "E-mail",
        "Telefon",
        "Další e-maily",
        "Ulice",
        "Město",
        "Země",
        "Hodnota",
        "Měna",
        "Štítky",
        "Poznámka",
        "Zdroj",
        "Segment",
    ]
    row = [
        "Šárka",
        "Kopřivová",
        "Žluťoučký kůň s.r.o.",
        "27074358",
        "Sarka.Koprivova@Kun.cz",
        "603 123 456",
        "sarka@gmail.com",
        "Náměstí 1",
        "Říčany",
        "CZ",
        "1 234,50",
        "CZK",
        "vip, veletrh",
        "Z veletrhu",
        "Veletrh 2026",
        "B2B",
    ]
    api_keys = sorted(MatchKey.objects.filter(record_id=via_api.pk).values_list("key", flat=True))
    api_event = HistoryEvent.objects.get(record_id=via_api.pk, kind="created")
    api_profile = MatchProfile.objects.get(record_type="lead", record_id=via_api.pk).data
    api_values = {name: getattr(via_api, name) for name in STORED}
    admin_api.delete(f"/api/leads/{via_api.pk}")
    job = upload(admin_user, csv_bytes([header, row], encoding="cp1250", delimiter=";"))
    assert job.mapping["columns"][-1] == "custom_fields.segment"
    job = run(admin_user, job)
    assert (job.status, job.rows_created, job.rows_failed) == ("done", 1, 0), errors_of(job)
    imported = Lead.objects.exclude(pk=via_api.pk).get()
    assert {name: getattr(imported, name) for name in STORED} == api_values
    assert sorted(MatchKey.objects.filter(record_id=imported.pk).values_list("key", flat=True)) == (
        api_keys
    )
    assert MatchProfile.objects.get(record_type="lead", record_id=imported.pk).data == api_profile
    event = HistoryEvent.objects.get(record_id=imported.pk, kind="created")
    assert event.new_value == api_event.new_value
    assert (event.actor_id, event.actor_name) == (api_event.actor_id, api_event.actor_name)
    assert event.data == {"import": job.pk}


BAD_HEADER = ["Imię", "Nazwisko", "E-mail", "Kraj", "Status", "Wartość", "Data kontaktu"]


@pytest.fixture
def contact_date(db):
    return CustomFieldDefinition.objects.create(
        record_type="lead", key="contacted", label="Data kontaktu", type="date"
    )


def test_good_rows_imported_each_bad_row_reported(admin_user, contact_date):
    LeadStatus.objects.create(name="Nowy", kind="open")
    rows = [
        BAD_HEADER,
        ["Jan", "Kowalski", "jan@firma.pl", "PL", "Nowy", "1 234,50", "24.11.2026"],  # good
        ["Anna", "Nowak", "not-an-email", "PL", "", "", ""],  # bad e-mail
        ["", "", "", "", "", "", ""],  # blank: not a row at all
        ["", "", "", "PL", "", "12", ""],  # no name, company, e-mail or phone
        ["Ewa", "Lis", "", "XX", "", "", ""],  # bad country
        ["Olga", "Mak", "", "PL", "Zamknięty", "", ""],  # unknown status
        ["Piotr", "Wrona", "", "PL", "", "dużo", ""],  # not a number
        ["Iga", "Sowa", "", "PL", "", "", "wczoraj"],  # not a date
        ["Adam", "Kot" * 100, "", "PL", "", "", ""],  # too long
        ["Zofia", "Pies", "zofia@firma.pl", "PL", "", "-5", "2026-01-31"],  # negative value
        ["Maria", "Kruk", "maria@firma.pl", "pl", "nowy", "12,5", "2026-01-31"],  # good
    ]
    job = upload(admin_user, csv_bytes(rows, encoding="cp1250", delimiter=";"))
    assert job.mapping["columns"] == [
        "first_name",
        "last_name",
        "email",
        "country",
        "status",
        "expected_value",
        "custom_fields.contacted",
    ]
    job = run(admin_user, job, batch_size=4)
    assert (job.rows_total, job.rows_done, job.rows_created, job.rows_failed) == (10, 10, 2, 8)
    got = {line: (column, message) for line, column, message in errors_of(job)}
    assert set(got) == {3, 5, 6, 7, 8, 9, 10, 11}
    assert got[3][0] == "E-mail"
    assert got[6][0] == "Kraj"
    assert got[7] == ("Status", "Unknown status 'Zamknięty'.")
    assert got[8][0] == "Wartość" and got[9][0] == "Data kontaktu"
    assert got[10][0] == "Nazwisko" and got[11][0] == "Wartość"
    jan = Lead.objects.get(email="jan@firma.pl")
    assert jan.expected_value == Decimal("1234.50")
    assert jan.custom_fields == {"contacted": "2026-11-24"}
    assert jan.status.name == "Nowy"
    assert Lead.objects.get(last_name="Kruk").country == "PL"
    # The error report: the file's columns, the line and the reasons; it imports again.
    report = list(jobs.error_report_rows(job))
    assert report[0] == [*BAD_HEADER, "Line", "Errors"]
    assert [r[-2] for r in report[1:]] == [3, 5, 6, 7, 8, 9, 10, 11]
    assert report[1][:3] == ["Anna", "Nowak", "not-an-email"]
    fixed = [report[0][:-2]] + [r[:-2] for r in report[1:]]
    fixed[1][2] = "anna@firma.pl"
    again = run(admin_user, upload(admin_user, b"".join(stream(fixed, "csv"))))
    assert again.rows_created == 1 and again.rows_failed == 7


def test_a_row_reports_every_reason_at_once(admin_user, contact_date):
    rows = [
        BAD_HEADER,
        ["Anna", "Nowak", "not-an-email", "XX", "Zamknięty", "dużo", "wczoraj"],
        ["", "", "", "PL", "", "x", ""],  # unreadable value and no name, company, e-mail
    ]
    job = run(admin_user, upload(admin_user, csv_bytes(rows, encoding="cp1250", delimiter=";")))
    assert (job.rows_created, job.rows_failed) == (0, 2)
    assert [(line, column) for line, column, _message in errors_of(job)] == [
        (2, "Data kontaktu"),
        (2, "E-mail"),
        (2, "Kraj"),
        (2, "Status"),
        (2, "Wartość"),
        (3, "Nazwisko"),  # the lead as a whole (no name, company, e-mail or phone)
        (3, "Wartość"),
    ]
    assert Lead.objects.count() == 0


def test_localized_xlsx_and_xls_with_dates_and_numbers(admin_user, contact_date):
    LeadSource.objects.create(name="Mugė")
    header = [
        "Vardas",
        "Pavardė",
        "Įmonės kodas",
        "El. paštas",
        "Šaltinis",
        "Vertė",
        "Data kontaktu",
    ]
    rows = [
        header,
        [
            "Jonas",
            "Kazlauskas",
            "302345678",
            "jonas@imone.lt",
            "Mugė",
            1234.5,
            dt.date(2026, 11, 24),
        ],
        ["Ona", "Petraitienė", 302345679, "ona@imone.lt", "mugė", "1 234,50", "2026-11-24"],
    ]
    for name, data in (("l.xlsx", xlsx_bytes(rows)), ("l.xls", xls_bytes(rows))):
        job = run(admin_user, upload(admin_user, data, name, on_duplicate="allow"))
        assert (job.rows_created, job.rows_failed) == (2, 0), errors_of(job)
        jonas = Lead.objects.filter(email="jonas@imone.lt").latest("id")
        assert jonas.source.name == "Mugė"
        assert jonas.expected_value == Decimal("1234.50")
        assert jonas.custom_fields == {"contacted": "2026-11-24"}
        ona = Lead.objects.filter(email="ona@imone.lt").latest("id")
        assert ona.registration_number == "302345679"  # a number cell, without ".0"
        assert ona.expected_value == Decimal("1234.50")


def test_utf8_bom_csv_with_constants(admin_user):
    rows = [["E-mail", "Název firmy"], ["a@firma.cz", "Alfa"], ["b@firma.cz", "Beta"]]
    job = upload(admin_user, csv_bytes(rows, bom=True))
    job = upload(
        admin_user,
        csv_bytes(rows, bom=True),
        mapping={"columns": ["email", "company_name"], "constants": {"source": "Fair 2026"}},
        create_missing=True,
    )
    job = run(admin_user, job)
    assert job.rows_created == 2
    assert set(Lead.objects.values_list("source__name", flat=True)) == {"Fair 2026"}


def test_unknown_source_is_an_error_unless_created(admin_user, users):
    rows = [["E-mail", "Zdroj"], ["a@firma.cz", "Nový zdroj"]]
    job = run(admin_user, upload(admin_user, csv_bytes(rows)))
    assert errors_of(job) == [(2, "Zdroj", "Unknown source 'Nový zdroj'.")]
    job = run(admin_user, upload(admin_user, csv_bytes(rows), create_missing=True))
    assert job.rows_created == 1 and LeadSource.objects.filter(name="Nový zdroj").exists()


DUPES = [
    ["E-mail", "Příjmení", "Telefon"],
    ["jan@firma.cz", "Novák", ""],
    ["JAN@firma.cz", "Novák 2", ""],  # the same e-mail as the row above
    ["eva@firma.cz", "Nová", "+420 603 123 456"],  # the same phone as a stored lead
]


@pytest.mark.parametrize(
    ("mode", "created", "skipped", "failed"),
    [("allow", 3, 0, 0), ("skip", 1, 2, 0), ("reject", 1, 0, 2)],
)
def test_duplicates_in_file_and_database(admin_user, make_lead, mode, created, skipped, failed):
    stored = make_lead(last_name="Stored", phone="603123456", country="CZ")
    job = run(admin_user, upload(admin_user, csv_bytes(DUPES), on_duplicate=mode))
    assert (job.rows_created, job.rows_skipped, job.rows_failed) == (created, skipped, failed)
    assert job.rows_duplicate == 2
    if mode == "reject":
        assert [m for _l, _c, m in errors_of(job)] == [
            "Duplicate of an earlier row of this file.",
            f"Duplicate of lead #{stored.pk}.",
        ]


def test_upsert_by_email_then_undo_restores(admin_user, make_lead):
    old = make_lead(last_name="Novák", email="jan@firma.cz", city="Brno")
    version = old.version
    rows = [
        ["E-mail", "Město", "Příjmení"],
        ["jan@firma.cz", "Praha", ""],
        ["new@firma.cz", "Ostrava", "Nový"],
    ]
    job = run(
        admin_user, upload(admin_user, csv_bytes(rows), on_duplicate="overwrite", match_on="email")
    )
    assert (job.rows_updated, job.rows_created) == (1, 1), errors_of(job)
    old.refresh_from_db()
    assert (old.city, old.last_name) == ("Praha", "Novák")
    new = Lead.objects.get(email="new@firma.cz")
    jobs.import_undo(actor=admin_user, job_id=job.pk)
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.city == "Brno" and old.version > version
    assert new.deleted_at is not None
    assert not MatchKey.objects.filter(record_id=new.pk).exists()
    assert ImportJob.objects.get(pk=job.pk).status == "undone"
    # The undo is in the history of both.
    assert HistoryEvent.objects.filter(record_id=old.pk, field="city").count() == 2
    assert HistoryEvent.objects.filter(record_id=new.pk, kind="deleted").exists()


def test_in_file_duplicate_updates_the_row_created_before(admin_user):
    job = run(
        admin_user, upload(admin_user, csv_bytes(DUPES), on_duplicate="overwrite", match_on="email")
    )
    assert (job.rows_created, job.rows_updated) == (2, 1)
    assert Lead.objects.get(email__iexact="jan@firma.cz").last_name == "Novák 2"


class Crash(Exception):
    """A worker dying in the middle of a batch, raised from `run_job`'s `on_batch` hook."""


def test_a_crash_mid_batch_leaves_nothing_half_written_and_resume_counts_right(admin_user):
    rows = [["E-mail", "Příjmení"]] + [[f"u{i}@firma.cz", f"N{i}"] for i in range(10)]
    rows[5][0] = "bad"
    job = upload(admin_user, csv_bytes(rows))
    jobs.import_start(actor=admin_user, job_id=job.pk)

    def crash(job):
        if job.rows_done >= 6:
            raise Crash

    with pytest.raises(Crash):
        engine.run_job(job.pk, batch_size=3, on_batch=crash)
    job.refresh_from_db()
    # Two batches committed, the third (rows 7-9) rolled back with its progress.
    assert (job.status, job.rows_done, job.rows_created, job.rows_failed) == ("running", 3, 3, 0)
    assert Lead.objects.count() == 3 and ImportBatch.objects.count() == 1
    job = engine.run_job(job.pk, batch_size=3)
    assert (job.status, job.rows_done, job.rows_created, job.rows_failed) == ("done", 10, 9, 1)
    assert Lead.objects.count() == 9
    assert Lead.objects.values("email").distinct().count() == 9
    assert [line for line, _c, _m in errors_of(job)] == [6]


def test_cancel_stops_after_the_batch(admin_user):
    rows = [["E-mail"]] + [[f"u{i}@firma.cz"] for i in range(6)]
    job = upload(admin_user, csv_bytes(rows))
    jobs.import_start(actor=admin_user, job_id=job.pk)

    def cancel(job):
        jobs.import_cancel(actor=admin_user, job_id=job.pk)

    job = engine.run_job(job.pk, batch_size=2, on_batch=cancel)
    assert (job.status, job.rows_done, job.rows_created) == ("cancelled", 2, 2)
    jobs.import_undo(actor=admin_user, job_id=job.pk)
    assert not Lead.objects.alive().exists()


def test_converted_status_is_stored_converted_without_targets(admin_user):
    LeadStatus.objects.create(name="Won", kind="converted")
    job = run(admin_user, upload(admin_user, csv_bytes([["Company", "Status"], ["Acme", "won"]])))
    lead = Lead.objects.get()
    assert lead.is_converted and lead.converted_at is not None
    assert job.rows_created == 1


def test_export_round_trip_gives_the_same_records(admin_user, make_lead, users):
    CustomFieldDefinition.objects.create(record_type="lead", key="segment", label="Segment")
    source = LeadSource.objects.create(name="Web")
    make_lead(
        first_name="Jan",
        last_name="Novák",
        email="jan@firma.cz",
        phone="+420603123456",
        tags=["a", "b"],
        expected_value="10.50",
        source_id=source.pk,
        country="CZ",
        custom_fields={"segment": "B2B"},
        owner_id=users["sales_north"].pk,
    )
    make_lead(
        company_name="Čerstvé ředkvičky a.s.",
        other_emails=["x@y.cz", "z@y.cz"],
        owner_id=users["marketing"].pk,
    )
    before = list(Lead.objects.order_by("id").values(*STORED_FIELDS))
    qs = Lead.objects.all()
    data = b"".join(stream(record_rows("lead", qs, ["segment"]), "csv"))
    assert read_back(data)[0][:3] == ["id", "first_name", "last_name"]
    Lead.objects.all().delete()
    MatchKey.objects.all().delete()
    job = run(admin_user, upload(admin_user, data))
    assert (job.rows_created, job.rows_failed) == (2, 0), errors_of(job)
    after = list(Lead.objects.order_by("id").values(*STORED_FIELDS))
    assert after == before
    xlsx = b"".join(stream(record_rows("lead", Lead.objects.all(), ["segment"]), "xlsx"))
    Lead.objects.all().delete()
    MatchKey.objects.all().delete()
    job = run(admin_user, upload(admin_user, xlsx, "export.xlsx"))
    assert list(Lead.objects.order_by("id").values(*STORED_FIELDS)) == before


STORED_FIELDS = [
    n for n in STORED if n not in ("created_by_id", "deleted_at", "version", "board_position")
]


def test_start_resumes_a_job_whose_worker_stopped(admin_user):
    import datetime as dt

    from django.utils import timezone

    from leadbridge.core.errors import Conflict

    job = upload(admin_user, csv_bytes([["E-mail"], ["a@firma.cz"]]))
    jobs.import_start(actor=admin_user, job_id=job.pk)
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    with pytest.raises(Conflict):  # still running, as far as anyone can tell
        jobs.import_start(actor=admin_user, job_id=job.pk)
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - dt.timedelta(seconds=engine.STALE_AFTER + 1)
    )
    assert jobs.import_start(actor=admin_user, job_id=job.pk).status == "queued"
    assert engine.run_job(job.pk).rows_created == 1


def test_key_lookup_skips_other_record_types_and_keeps_the_lowest_lead(admin_user, make_lead):
    first, second = make_lead(email="same@example.com"), make_lead(email="other@example.com")
    MatchKey.objects.create(record_type="client", record_id=1, key="e:same@example.com")
    MatchKey.objects.create(record_type="lead", record_id=second.pk, key="e:same@example.com")
    job = upload(admin_user, csv_bytes([["E-mail"], ["same@example.com"]]))
    batch_writer = writer.BatchWriter(job, admin_user)
    found = batch_writer._in_db({"e:same@example.com", "e:other@example.com", "e:none@example.com"})
    assert found == {"e:same@example.com": first.pk, "e:other@example.com": second.pk}
