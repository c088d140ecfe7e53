"""Retention: leads untouched for N months are anonymized, after a dry run that only lists."""

import datetime as dt

import pytest
from django.utils import timezone

from leadbridge.core.errors import ValidationFailed
from leadbridge.privacy.services import retention_apply

pytestmark = pytest.mark.django_db


def test_dry_run_lists_then_apply_anonymizes(make_lead):
    from leadbridge.activities.services import activity_create
    from leadbridge.leads.models import Lead
    from leadbridge.people.services import system_actor

    old = make_lead(last_name="Oldman", email="old@example.com")
    busy = make_lead(last_name="Busy")
    fresh = make_lead(last_name="Fresh")
    long_ago = timezone.now() - dt.timedelta(days=400)
    Lead.objects.filter(pk__in=[old.pk, busy.pk]).update(updated_at=long_ago)
    # A recent activity counts as a touch.
    activity_create(
        actor=system_actor("tests"), record_type="lead", record_id=busy.pk,
        data={"type": "note", "subject": "still talking"},
    )  # fmt: skip

    assert retention_apply(months=12) == [old.pk]
    assert Lead.objects.get(pk=old.pk).last_name == "Oldman"  # a dry run changes nothing

    assert retention_apply(months=12, dry_run=False) == [old.pk]
    erased = Lead.objects.get(pk=old.pk)
    assert (erased.last_name, erased.email) == ("[erased]", "")
    assert Lead.objects.get(pk=fresh.pk).last_name == "Fresh"
    assert retention_apply(months=12) == []  # an erased lead is not counted again


def test_retention_needs_a_period():
    with pytest.raises(ValidationFailed):
        retention_apply(months=0)


def test_the_command_line_dry_run(make_lead, capsys):
    from leadbridge.cli import cmd_retention
    from leadbridge.leads.models import Lead

    lead = make_lead(last_name="Cli")
    Lead.objects.filter(pk=lead.pk).update(updated_at=timezone.now() - dt.timedelta(days=100))

    class Args:
        months = 3
        apply = False

    assert cmd_retention(Args()) == 0
    out = capsys.readouterr().out
    assert "would anonymize (dry run" in out and str(lead.pk) in out
