"""Automatic tasks from task templates (F10), round-robin and assignment rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from leadbridge.activities.services import activity_create
from leadbridge.core import confcache
from leadbridge.core.errors import field_error
from leadbridge.leads.models import LeadSource, LeadStatus
from leadbridge.people import access
from leadbridge.people.models import Team, User
from leadbridge.people.selectors import assignable_users
from leadbridge.people.services import system_actor

from .models import AssignmentRule, RoundRobinCursor, TaskTemplate


def round_robin(team_id: int, key: str | None = None) -> int | None:
    """The next active member of the team after the last one given out under `key`."""
    members = list(assignable_users(team_id=team_id).order_by("id").values_list("id", flat=True))
    if not members:
        return None
    with transaction.atomic():
        cursor, _created = RoundRobinCursor.objects.get_or_create(key=key or f"team:{team_id}")
        cursor = RoundRobinCursor.objects.select_for_update().get(pk=cursor.pk)
        after = [m for m in members if cursor.last_user_id is None or m > cursor.last_user_id]
        chosen = after[0] if after else members[0]
        cursor.last_user_id = chosen
        cursor.save(update_fields=["last_user_id"])
    return chosen


def _assignee(template: TaskTemplate, lead: Any) -> int | None:
    if template.assignee == TaskTemplate.Assignee.USER and template.user_id:
        return template.user_id
    if template.assignee == TaskTemplate.Assignee.ROUND_ROBIN and template.team_id:
        return round_robin(template.team_id, key=f"template:{template.pk}")
    return lead.owner_id


def apply_status_templates(*, actor: Any, lead: Any) -> list:
    """Make the tasks of the templates attached to the lead's current status.

    Called for `lead.created` and `lead.status_changed` (automation/subscribers.py), in the
    change's transaction.
    """
    templates = confcache.cached("task_templates", _templates_by_status).get(lead.status_id, ())
    made: list = []
    if not templates:
        return made
    # The tasks are the system's doing, not the user's: they show as made by the automation
    # and need no right beyond the change that triggered them.
    robot = system_actor("automation")
    for template in templates:
        owner_id = _assignee(template, lead)
        if owner_id is not None and not User.objects.filter(pk=owner_id, is_active=True).exists():
            owner_id = None
        made.append(
            activity_create(
                actor=robot,
                record_type="lead",
                record_id=lead.pk,
                data={
                    "type": "task",
                    "subject": template.subject,
                    "body": template.body,
                    "due_at": timezone.now() + timedelta(days=template.due_in_days),
                    "owner_id": owner_id,
                },
            ).obj
        )
    return made


def _templates_by_status() -> dict[int, tuple[TaskTemplate, ...]]:
    """Active templates per status id, in id order (cached per process by `confcache`)."""
    out: dict[int, list[TaskTemplate]] = {}
    for template in TaskTemplate.objects.filter(active=True).prefetch_related("statuses"):
        for status in template.statuses.all():
            out.setdefault(status.pk, []).append(template)
    return {pk: tuple(sorted(items, key=lambda t: t.pk)) for pk, items in out.items()}


def check_refs(data: dict) -> None:
    """Referenced users, teams, sources and statuses must exist (a clear 422, not a broken
    foreign key at commit)."""
    users = assignable_users()
    models = {
        "user_id": users,
        "owner_id": users,
        "team_id": Team.objects.all(),
        "source_id": LeadSource.objects.all(),
        "status_id": LeadStatus.objects.all(),
    }
    for name, qs in models.items():
        value = data.get(name)
        if value is not None and not qs.filter(pk=value).exists():
            raise field_error(name, _("No such record."))
    ids = data.get("status_ids") or []
    if ids and LeadStatus.objects.filter(pk__in=ids).count() != len(set(ids)):
        raise field_error("status_ids", _("No such status."))


def task_template_save(
    *, actor: Any, data: dict, template: TaskTemplate | None = None
) -> TaskTemplate:
    access.require_admin(actor)
    check_refs(data)
    template = template or TaskTemplate()
    for name in ("subject", "body", "due_in_days", "assignee", "user_id", "team_id", "active"):
        if name in data and data[name] is not None:
            setattr(template, name, data[name])
    if not (template.subject or "").strip():
        raise field_error("subject", _("This field is required."))
    if template.assignee not in TaskTemplate.Assignee.values:
        raise field_error("assignee", _("Must be one of: owner, user, round_robin."))
    if template.assignee == "user" and not template.user_id:
        raise field_error("user_id", _("Choose the user the tasks go to."))
    if template.assignee == "round_robin" and not template.team_id:
        raise field_error("team_id", _("Choose the team whose members take turns."))
    with transaction.atomic():
        template.save()
        if "status_ids" in data:
            template.statuses.set(data["status_ids"] or [])
    return template


def assign_by_rules(values: dict, *, channel: str) -> dict:
    """Owner and team for a new lead from `channel` ("webform", "import") by the first
    matching active rule; {} when none matches."""
    active = confcache.cached(
        "assignment_rules", lambda: tuple(AssignmentRule.objects.filter(active=True))
    )
    rules = [rule for rule in active if rule.channel in ("any", channel)]
    country = str(values.get("country") or "").upper()
    source_id = values.get("source_id")
    for rule in rules:
        if rule.country and rule.country.upper() != country:
            continue
        if rule.source_id and str(rule.source_id) != str(source_id or ""):
            continue
        if rule.user_id:
            return {"owner_id": rule.user_id, **({"team_id": rule.team_id} if rule.team_id else {})}
        if rule.team_id:
            owner = round_robin(rule.team_id, key=f"rule:{rule.pk}")
            return {"team_id": rule.team_id, **({"owner_id": owner} if owner else {})}
    return {}


def task_template_delete(*, actor: Any, template: TaskTemplate) -> None:
    access.require_admin(actor)
    with transaction.atomic():
        template.delete()


RULE_ATTRS = ("order", "name", "channel", "country", "source_id", "user_id", "team_id", "active")


def assignment_rule_save(
    *, actor: Any, data: dict, rule: AssignmentRule | None = None
) -> AssignmentRule:
    access.require_admin(actor)
    check_refs(data)
    rule = rule or AssignmentRule()
    for name in RULE_ATTRS:
        if name in data and data[name] is not None:
            setattr(rule, name, data[name])
    rule.country = (rule.country or "").strip().upper()
    if not (rule.name or "").strip():
        raise field_error("name", _("This field is required."))
    if rule.channel not in AssignmentRule.Channel.values:
        raise field_error("channel", _("Must be one of: any, webform, import."))
    if not rule.user_id and not rule.team_id:
        raise field_error("user_id", _("Choose a user, or a team whose members take turns."))
    with transaction.atomic():
        rule.save()
    return rule


def assignment_rule_delete(*, actor: Any, rule: AssignmentRule) -> None:
    access.require_admin(actor)
    with transaction.atomic():
        rule.delete()
