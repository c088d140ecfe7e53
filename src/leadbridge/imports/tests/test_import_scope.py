"""An import's duplicate matching sees only the leads the importing user may see (issue 19):
a lead of another team is no match, so its existence and id are not revealed and the job
neither fails nor touches it. Runs on SQLite and PostgreSQL."""

import pytest

from leadbridge.activities.models import ActivityLink
from leadbridge.leads.models import Lead

from .files import csv_bytes
from .test_import_services import errors_of, run, upload

ROWS = [["E-mail", "Příjmení", "Město"], ["hidden@jih.cz", "Importovaný", "Olomouc"]]


def import_as(user, mode: str, rows=ROWS, constants: dict | None = None):
    """The rows imported by `user`, matched by e-mail, duplicates handled by `mode`."""
    mapping = {"columns": ["email", "last_name", "city"], "constants": constants or {}}
    job = upload(user, csv_bytes(rows), on_duplicate=mode, match_on="email", mapping=mapping)
    return run(user, job)


@pytest.fixture
def south_lead(make_lead, users, teams):
    _north, south = teams
    return make_lead(
        last_name="Jižní",
        email="hidden@jih.cz",
        city="Brno",
        team_id=south.pk,
        owner_id=users["sales_south"].pk,
    )


@pytest.mark.parametrize("mode", ["fill", "overwrite", "update", "link", "reject", "skip"])
def test_another_teams_lead_is_no_match_for_a_sales_manager(users, teams, south_lead, mode):
    manager = users["manager_north"]
    north, _south = teams
    job = import_as(manager, mode, constants={"team": "North"})
    assert job.status == "done", job.error
    assert (job.rows_created, job.rows_duplicate, job.rows_failed) == (1, 0, 0), errors_of(job)
    assert errors_of(job) == []
    new = Lead.objects.exclude(pk=south_lead.pk).get()
    assert (new.email, new.last_name, new.team_id) == ("hidden@jih.cz", "Importovaný", north.pk)
    south_lead.refresh_from_db()
    assert (south_lead.city, south_lead.last_name) == ("Brno", "Jižní")
    assert not ActivityLink.objects.filter(record_type="lead", record_id=south_lead.pk).exists()


def test_a_lead_of_the_own_team_still_matches(users, teams, make_lead):
    manager = users["manager_north"]
    north, _south = teams
    mine = make_lead(last_name="Severní", email="hidden@jih.cz", city="Brno", team_id=north.pk)
    job = import_as(manager, "overwrite", constants={"team": "North"})
    assert (job.rows_created, job.rows_updated, job.rows_duplicate) == (0, 1, 1), errors_of(job)
    mine.refresh_from_db()
    assert mine.city == "Olomouc"


def test_a_visible_lead_is_matched_even_when_a_hidden_one_has_a_lower_id(
    users, teams, south_lead, make_lead
):
    manager = users["manager_north"]
    north, _south = teams
    mine = make_lead(last_name="Severní", email="hidden@jih.cz", city="Brno", team_id=north.pk)
    assert south_lead.pk < mine.pk
    job = import_as(manager, "reject", constants={"team": "North"})
    assert errors_of(job) == [(2, "", f"Duplicate of lead #{mine.pk}.")]


@pytest.mark.parametrize("mode", ["fill", "overwrite", "update", "link"])
def test_a_match_the_user_sees_but_may_not_change_is_a_row_error(south_lead, mode):
    from leadbridge.conftest import make_user
    from leadbridge.people.models import Role

    Role.objects.create(
        key="importer",
        name="Importer",
        permissions={"lead": {"scope": "all", "rights": ["view", "create", "import"]}},
    )
    importer = make_user("importer")
    rows = ROWS + [["fresh@firma.cz", "Nový", "Zlín"]]
    job = import_as(importer, mode, rows=rows)
    assert job.status == "done", job.error
    assert (job.rows_created, job.rows_duplicate, job.rows_failed) == (1, 1, 1)
    assert errors_of(job) == [(2, "", "You may not update this lead.")]
    south_lead.refresh_from_db()
    assert south_lead.city == "Brno"
    assert not ActivityLink.objects.filter(record_type="lead", record_id=south_lead.pk).exists()
