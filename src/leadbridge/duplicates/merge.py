"""Merge of duplicate records (F22) and its undo.

A merge keeps one record (the survivor, by default the oldest, as the Odoo seed does), fills
it from the others by the user's per-field choices (else the survivor's value, else the first
non-empty one), moves every activity link, attachment link, conversion link and foreign key
(deals and contacts of a client, contacts made from a lead, ...) to it, and soft-deletes the
others with `merged_into`. The timeline of the survivor shows the merged records' history
through `merged_into` (history rows are never rewritten). A `MergeRecord` holds a snapshot
of every row the merge changed, so `merge_undo` can put everything back as it was — unless
someone changed the survivor since, which is answered 409 naming the change.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from leadbridge.activities.models import Activity, ActivityLink, AttachmentLink
from leadbridge.activities.next_activity import refresh_next_activity
from leadbridge.activities.services import activity_create, activity_delete
from leadbridge.core import labels
from leadbridge.core.errors import Conflict, FieldIssue, NotFound, ValidationFailed
from leadbridge.core.events import publish
from leadbridge.core.normalize import normalize_tags, tags_index
from leadbridge.core.record_services import refresh_derived, snapshot
from leadbridge.core.registry import model_for
from leadbridge.core.specs import SPECS
from leadbridge.history.models import HistoryEvent
from leadbridge.history.services import history_changes, history_event
from leadbridge.leads.models import ConversionLink
from leadbridge.people import access

from .channels import pooled_channels
from .models import MergeRecord

MERGEABLE = ("lead", "client", "contact")
RIGHTS = ("merge", "update", "delete")
LINK_MODELS = (ActivityLink, AttachmentLink)
_KEEP = ("id", "created_at", "created_by_id")


def _row(obj: Any) -> dict:
    """Every column of a row in JSON: JSON columns as they are, others as their text form."""
    row = {}
    for f in obj._meta.concrete_fields:
        value = f.value_from_object(obj)
        if value is None or isinstance(f, models.JSONField):
            row[f.attname] = value
        else:
            row[f.attname] = f.value_to_string(obj)
    return row


def _restore_row(obj: Any, row: dict) -> None:
    for f in obj._meta.concrete_fields:
        if f.attname in row and f.attname not in ("id", "version"):
            raw = row[f.attname]
            if raw is None or isinstance(f, models.JSONField):
                setattr(obj, f.attname, raw)
            else:
                setattr(obj, f.attname, f.to_python(raw))


def _lock_all(actor: Any, record_type: str, ids: list[int]) -> dict[int, Any]:
    model = model_for(record_type)
    visible = access.restrict(model.objects.alive(), actor, record_type, "view")
    found = {o.pk: o for o in visible.select_for_update().filter(pk__in=ids).order_by("pk")}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(
            _("No %(record_type)s with id %(missing_0)s.")
            % {"record_type": labels.record_type(record_type), "missing_0": missing[0]}
        )
    for obj in found.values():
        for right in RIGHTS:
            access.check(actor, record_type, right, obj)
    return found


def _validate(record_type: str, ids: list[int], survivor_id: Any, choices: dict) -> None:
    issues = []
    if record_type not in MERGEABLE:
        issues.append(FieldIssue("record_type", _("Merge leads, clients or contacts.")))
    if len(set(ids)) < 2:
        issues.append(FieldIssue("ids", _("Give at least two different records.")))
    if survivor_id is not None and survivor_id not in ids:
        issues.append(FieldIssue("survivor_id", _("The survivor must be one of ids.")))
    spec = SPECS.get(record_type)
    names = {f.name for f in spec.fields} if spec else set()
    for name, source in (choices or {}).items():
        if name not in names and not name.startswith("custom_fields."):
            issues.append(FieldIssue(f"choices.{name}", _("Unknown field.")))
        elif source not in ids:
            issues.append(FieldIssue(f"choices.{name}", _("Take the value from one of ids.")))
    if issues:
        raise ValidationFailed(_("The merge request is not valid."), errors=issues)


def merged_values(
    record_type: str, survivor: Any, others: list[Any], choices: dict, records: dict[int, Any]
) -> tuple[dict, list[str]]:
    """The survivor's contract values after the merge and the e-mails and phones that did
    not fit its lists (pure over loaded records)."""
    spec = SPECS[record_type]
    state = snapshot(survivor, spec)
    for f in spec.fields:
        if f.name in choices:
            state[f.name] = snapshot(records[choices[f.name]], spec)[f.name]
        elif state[f.name] in (None, "", []) and f.kind not in ("emails", "phones"):
            for other in others:  # (the lists are pooled below, in record order)
                value = snapshot(other, spec)[f.name]
                if value not in (None, "", []):
                    state[f.name] = value
                    break
    custom = dict(survivor.custom_fields or {})
    for other in others:
        for key, value in (other.custom_fields or {}).items():
            if custom.get(key) in (None, "") and value not in (None, ""):
                custom[key] = value
    for name, source in choices.items():
        if name.startswith("custom_fields."):
            key = name.split(".", 1)[1]
            custom[key] = (records[source].custom_fields or {}).get(key)
    state["custom_fields"] = custom
    if "tags" in state:
        state["tags"] = normalize_tags(
            [t for o in [survivor, *others] for t in (o.tags or [])]
            if "tags" not in choices
            else state["tags"]
        )
    pooled = pooled_channels(state, [survivor, *others])
    state["other_emails"] = pooled["other_emails"]
    state["other_phones"] = pooled["other_phones"]
    return state, [*pooled["email_overflow"], *pooled["phone_overflow"]]


def _references(record_type: str) -> list[tuple[Any, str]]:
    """(model, foreign-key attname) of every row that points at this record type."""
    model = model_for(record_type)
    out = []
    for rel in model._meta.related_objects:
        if rel.one_to_many or rel.one_to_one:
            out.append((rel.related_model, rel.field.attname))
    return out


def record_merge(
    *,
    actor: Any,
    record_type: str,
    ids: list[int],
    survivor_id: int | None = None,
    choices: dict | None = None,
) -> MergeRecord:
    """Merge `ids` into one record; answers the MergeRecord that can undo it."""
    ids = [int(i) for i in ids]
    choices = dict(choices or {})
    _validate(record_type, ids, survivor_id, choices)
    with transaction.atomic():
        records = _lock_all(actor, record_type, sorted(set(ids)))
        if survivor_id is None:
            survivor_id = min(records.values(), key=lambda o: (o.created_at, o.pk)).pk
        survivor = records[survivor_id]
        others = [records[i] for i in sorted(records) if i != survivor_id]
        other_ids = [o.pk for o in others]
        snap: dict[str, Any] = {"records": {str(pk): _row(o) for pk, o in records.items()}}

        # Links and references move to the survivor; the snapshot keeps where they were.
        moved, dropped = [], []
        for link_model in LINK_MODELS:
            owner = "activity_id" if link_model is ActivityLink else "attachment_id"
            have = set(
                link_model.objects.filter(
                    record_type=record_type, record_id=survivor_id
                ).values_list(owner, flat=True)
            )
            for link in link_model.objects.filter(record_type=record_type, record_id__in=other_ids):
                entry = {"model": link_model._meta.label, "row": _row(link)}
                if getattr(link, owner) in have:
                    dropped.append(entry)
                    link.delete()
                else:
                    have.add(getattr(link, owner))
                    moved.append(entry)
                    link.record_id = survivor_id
                    link.save(update_fields=["record_id"])
        conversions = ConversionLink.objects.filter(
            **(
                {"lead_id__in": other_ids}
                if record_type == "lead"
                else {"target_type": record_type, "target_id__in": other_ids}
            )
        )
        for link in conversions:
            moved.append({"model": ConversionLink._meta.label, "row": _row(link)})
        column = "lead_id" if record_type == "lead" else "target_id"
        conversions.update(**{column: survivor_id})
        references = []
        for ref_model, attname in _references(record_type):
            rows = list(
                ref_model.objects.filter(**{f"{attname}__in": other_ids}).values_list("pk", attname)
            )
            if rows:
                references.append({"model": ref_model._meta.label, "field": attname, "rows": rows})
                ref_model.objects.filter(pk__in=[r[0] for r in rows]).update(
                    **{attname: survivor_id}
                )
        snap.update(moved=moved, dropped=dropped, references=references)

        # The survivor takes the merged values; the others are soft-deleted into it.
        spec = SPECS[record_type]
        before = snapshot(survivor, spec)
        state, overflow = merged_values(record_type, survivor, others, choices, records)
        changes = [(k, before.get(k), v) for k, v in state.items() if before.get(k) != v]
        for name, value in state.items():
            setattr(survivor, name, value)
        survivor.tags_index = tags_index(survivor.tags or [])
        survivor.version += 1
        refresh_derived(survivor, spec)
        survivor.save()
        if changes:
            history_changes(
                actor=actor, record_type=record_type, record_id=survivor_id, changes=changes
            )
        if overflow:  # past the list limit: kept in a note, which an undo deletes
            note = activity_create(
                actor=actor,
                record_type=record_type,
                record_id=survivor_id,
                data={
                    "type": "note",
                    "subject": _("E-mails and phones of merged records"),
                    "body": "\n".join(overflow),
                },
            ).obj
            snap["notes"] = [note.pk]
        now = timezone.now()
        for other in others:
            other.deleted_at = now
            other.merged_into = survivor_id
            other.version += 1
            other.save(update_fields=["deleted_at", "merged_into", "version", "updated_at"])
            history_event(
                actor=actor,
                record_type=record_type,
                record_id=other.pk,
                kind=HistoryEvent.Kind.MERGED,
                data={"into": survivor_id},
            )
        # After the survivor's save, which wrote its stored next activity as it was.
        refresh_next_activity((record_type, pk) for pk in records)
        merge = MergeRecord.objects.create(
            record_type=record_type,
            survivor_id=survivor_id,
            merged_ids=other_ids,
            choices=choices,
            snapshot=snap,
            survivor_version=survivor.version,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        history_event(
            actor=actor,
            record_type=record_type,
            record_id=survivor_id,
            kind=HistoryEvent.Kind.MERGED,
            data={"merge_id": merge.pk, "merged_ids": other_ids},
        )
        publish(
            f"{record_type}.merged",
            record_type,
            survivor,
            actor=actor,
            extra={"merged_ids": other_ids},
        )
    return merge


def merge_undo(*, actor: Any, merge_id: int) -> MergeRecord:
    """Put every record, link and reference of a merge back as it was before it; emits
    `<type>.updated` for the survivor and each record merged into it."""
    with transaction.atomic():
        try:
            merge = MergeRecord.objects.select_for_update().get(pk=merge_id)
        except MergeRecord.DoesNotExist:
            raise NotFound(_("No merge with id %(merge_id)s.") % {"merge_id": merge_id}) from None
        record_type = merge.record_type
        model = model_for(record_type)
        if merge.undone_at is not None:
            raise Conflict(_("This merge was already undone."), code="already_undone")
        survivor = model.objects.select_for_update().filter(pk=merge.survivor_id).first()
        if survivor is None or survivor.deleted_at is not None:
            raise Conflict(
                _("The surviving record was deleted or merged since; restore it first."),
                code="merge_conflict",
                errors=[FieldIssue("survivor_id", f"{record_type} {merge.survivor_id}")],
            )
        for right in RIGHTS:
            access.check(actor, record_type, right, survivor)
        if survivor.version != merge.survivor_version:
            raise Conflict(
                _(
                    "%(record)s %(survivor_pk)s was changed after the merge;"
                    " undoing would lose that change."
                )
                % {"record": record_type.capitalize(), "survivor_pk": survivor.pk},
                code="merge_conflict",
                errors=[
                    FieldIssue(
                        "survivor_id",
                        _(
                            "Version %(survivor_version)s differs from"
                            " %(merge_survivor_version)s left by the merge."
                        )
                        % {
                            "survivor_version": survivor.version,
                            "merge_survivor_version": merge.survivor_version,
                        },
                    )
                ],
                extra={"record_type": labels.record_type(record_type), "id": survivor.pk},
            )
        merged = {
            o.pk: o for o in model.objects.select_for_update().filter(pk__in=merge.merged_ids)
        }
        for pk in merge.merged_ids:
            obj = merged.get(pk)
            if obj is None or obj.merged_into != merge.survivor_id:
                raise Conflict(
                    _("%(record)s %(pk)s was changed after the merge.")
                    % {"record": record_type.capitalize(), "pk": pk},
                    code="merge_conflict",
                    errors=[FieldIssue("ids", f"{record_type} {pk}")],
                )
        snap = merge.snapshot
        for pk_text, row in snap["records"].items():
            obj = survivor if int(pk_text) == survivor.pk else merged[int(pk_text)]
            _restore_row(obj, row)
            obj.version += 1
            obj.save()
        for entry in snap.get("moved", []):
            link_model = apps.get_model(entry["model"])
            row = entry["row"]
            column = "record_id"
            if link_model is ConversionLink:
                column = "lead_id" if record_type == "lead" else "target_id"
            link_model.objects.filter(pk=int(row["id"])).update(**{column: int(row[column])})
        for entry in snap.get("dropped", []):
            link_model = apps.get_model(entry["model"])
            obj = link_model()
            _restore_row(obj, entry["row"])
            obj.pk = int(entry["row"]["id"])
            obj.save(force_insert=True)
        for ref in snap.get("references", []):
            ref_model = apps.get_model(ref["model"])
            for pk, old in ref["rows"]:
                ref_model.objects.filter(pk=pk, **{ref["field"]: merge.survivor_id}).update(
                    **{ref["field"]: old}
                )
        for note_id in snap.get("notes", []):
            if Activity.objects.filter(pk=note_id, deleted_at__isnull=True).exists():
                activity_delete(actor=actor, pk=note_id)
        refresh_next_activity((record_type, pk) for pk in [survivor.pk, *merge.merged_ids])
        merge.undone_at = timezone.now()
        merge.undone_by = actor if getattr(actor, "pk", None) else None
        merge.save(update_fields=["undone_at", "undone_by"])
        for pk in [merge.survivor_id, *merge.merged_ids]:
            history_event(
                actor=actor,
                record_type=record_type,
                record_id=pk,
                kind=HistoryEvent.Kind.MERGE_UNDONE,
                data={"merge_id": merge.pk},
            )
        # Webhook subscribers saw `<type>.merged`: the survivor has its values from before
        # again and the merged records live again, each an update (`merge_undo`: the merge).
        for obj in [survivor, *(merged[pk] for pk in merge.merged_ids)]:
            publish(
                f"{record_type}.updated",
                record_type,
                obj,
                actor=actor,
                extra={"merge_undo": merge.pk},
            )
    return merge


def merge_list(
    *, actor: Any, record_type: str | None = None, limit: int = 100
) -> list[MergeRecord]:
    """Merges the actor may see (the survivor visible to them), newest first: one query for
    the merges and one per record type for the visibility."""
    qs = MergeRecord.objects.all()
    if record_type:
        qs = qs.filter(record_type=record_type)
    candidates = list(qs[: limit * 3])
    survivors: dict[str, set[int]] = {}
    for merge in candidates:
        survivors.setdefault(merge.record_type, set()).add(merge.survivor_id)
    visible = {
        (kind, pk)
        for kind, ids in survivors.items()
        for pk in access.restrict(model_for(kind).objects.all(), actor, kind, "view")
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    }
    return [m for m in candidates if (m.record_type, m.survivor_id) in visible][:limit]
