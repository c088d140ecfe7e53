"""`run_automations`: imported leads set off what `lead_create` sets off (webhooks on
`lead.created`, the status's task templates) and take owners from the "import" assignment
rules; switched off, nothing fires."""

import pytest

from leadbridge.activities.models import Activity, ActivityLink
from leadbridge.automation.models import WebhookDelivery, WebhookSubscription
from leadbridge.automation.services import assignment_rule_save, task_template_save
from leadbridge.conftest import make_user
from leadbridge.imports.models import ImportJob
from leadbridge.leads.models import Lead
from leadbridge.leads.services import default_status

from .files import csv_bytes
from .test_import_services import errors_of, run, upload

pytestmark = pytest.mark.django_db

ROWS = [
    ["Příjmení", "E-mail", "Země"],
    ["Novák", "jan@firma.cz", "CZ"],
    ["Kowalski", "jan@firma.pl", "PL"],
]


@pytest.fixture
def automations(admin_user, teams):
    north, _south = teams
    member = make_user("sales", [north])
    task_template_save(
        actor=admin_user,
        data={"subject": "Call the imported lead", "status_ids": [default_status().pk]},
    )
    WebhookSubscription.objects.create(url="http://127.0.0.1:9/hook", events=["lead.created"])
    assignment_rule_save(
        actor=admin_user,
        data={"name": "Czech imports", "channel": "import", "country": "CZ", "team_id": north.pk},
    )
    return north, member


def tasks_on(lead: Lead) -> list[str]:
    ids = ActivityLink.objects.filter(record_type="lead", record_id=lead.pk).values("activity_id")
    return list(Activity.objects.filter(pk__in=ids, type="task").values_list("subject", flat=True))


def imported(admin_user, **options) -> tuple[ImportJob, Lead, Lead]:
    job = run(admin_user, upload(admin_user, csv_bytes(ROWS), **options))
    assert (job.status, job.rows_created, job.rows_failed) == ("done", 2, 0), errors_of(job)
    return job, Lead.objects.get(last_name="Novák"), Lead.objects.get(last_name="Kowalski")


def test_on_fires_webhooks_task_templates_and_assignment_rules(admin_user, automations):
    north, member = automations
    _job, czech, polish = imported(admin_user, run_automations=True)
    deliveries = WebhookDelivery.objects.filter(event="lead.created")
    assert sorted(deliveries.values_list("record_id", flat=True)) == sorted([czech.pk, polish.pk])
    assert tasks_on(czech) == tasks_on(polish) == ["Call the imported lead"]
    # The Czech row matches the rule: the team's members take turns; the Polish row does not.
    assert (czech.team_id, czech.owner_id) == (north.pk, member.pk)
    assert (polish.team_id, polish.owner_id) == (None, admin_user.pk)


def test_off_fires_nothing(admin_user, automations):
    _job, czech, polish = imported(admin_user, run_automations=False)
    assert not WebhookDelivery.objects.exists()
    assert tasks_on(czech) == tasks_on(polish) == []
    assert czech.owner_id == polish.owner_id == admin_user.pk
    assert czech.team_id is None


def test_a_row_naming_its_owner_keeps_it(admin_user, automations):
    rows = [[*ROWS[0], "Vlastník"], [*ROWS[1], admin_user.username]]
    job = upload(admin_user, csv_bytes(rows), run_automations=True)
    assert job.mapping["columns"][-1] == "owner"
    job = run(admin_user, job)
    assert job.rows_created == 1, errors_of(job)
    lead = Lead.objects.get()
    assert (lead.owner_id, lead.team_id) == (admin_user.pk, None)
    assert tasks_on(lead) == ["Call the imported lead"]


def test_cli_switch(admin_user, automations, tmp_path, capsys):
    from leadbridge.cli import main

    path = tmp_path / "leads.csv"
    path.write_bytes(csv_bytes(ROWS))
    args = ["import", str(path), "--user", admin_user.username]
    assert main(args) == 0, capsys.readouterr()
    assert not WebhookDelivery.objects.exists()
    assert main([*args, "--run-automations", "--on-duplicate", "allow"]) == 0, capsys.readouterr()
    assert WebhookDelivery.objects.filter(event="lead.created").count() == 2
