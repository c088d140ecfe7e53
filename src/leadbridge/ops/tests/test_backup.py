"""Backup, change, restore, compare: the database and the uploaded files come back."""

import pytest
from django.core.files.base import ContentFile

from leadbridge.ops.backup import backup, restore


def _state():
    from leadbridge.activities.models import Attachment
    from leadbridge.leads.models import Lead

    leads = sorted(Lead.objects.values_list("pk", "last_name", "email", "version"))
    files = sorted(
        (a.name, a.file.storage.exists(a.file.name) and a.file.read())
        for a in Attachment.objects.all()
    )
    return leads, files


@pytest.mark.django_db(transaction=True)
def test_backup_change_restore_compare(baseline_data, make_lead, tmp_path, settings):
    from leadbridge.activities.models import Attachment, AttachmentLink
    from leadbridge.leads.services import lead_update
    from leadbridge.people.services import system_actor

    settings.MEDIA_ROOT = tmp_path / "media"
    first = make_lead(last_name="Dvořák", email="dvorak@example.com")
    make_lead(last_name="Svoboda")
    attachment = Attachment(name="offer.txt", size=5)
    attachment.file.save("offer.txt", ContentFile(b"offer"), save=True)
    AttachmentLink.objects.create(attachment=attachment, record_type="lead", record_id=first.pk)
    before = _state()

    target = backup(tmp_path / "backup")
    assert (target / "manifest.json").exists()

    actor = system_actor("tests")
    lead_update(actor=actor, pk=first.pk, data={"last_name": "Changed"})
    make_lead(last_name="Added later")
    attachment.file.delete(save=False)
    assert _state() != before

    restore(target)
    assert _state() == before


def test_restore_asks_for_the_server_to_be_stopped(capsys):
    from leadbridge.cli import build_parser, cmd_restore

    args = build_parser().parse_args(["restore", "/nowhere"])
    assert cmd_restore(args) == 2
    assert "--yes" in capsys.readouterr().err


def test_json_access_log_only_with_log_format_json(monkeypatch):
    from leadbridge.cli import gunicorn_command

    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert "--access-logformat" not in gunicorn_command("127.0.0.1", 8000, 2)
    monkeypatch.setenv("LOG_FORMAT", "json")
    command = gunicorn_command("127.0.0.1", 8000, 2)
    assert '"request_id": "%({x-request-id}o)s"' in command[command.index("--access-logformat") + 1]
