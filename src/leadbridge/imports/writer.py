"""The import's batch writer: finds a checked batch's duplicates by exact keys (in the file
and in the database at once), creates the new leads in bulk, acts on the duplicates as the
job's `on_duplicate` says through the intake pipeline (`duplicates.intake.act_on_match`:
skip, fill, overwrite and link mean what they mean on every way in), and keeps the row
errors and the undo data."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils.translation import gettext as _

from leadbridge.core.errors import DomainError, FieldIssue
from leadbridge.core.events import publish
from leadbridge.core.selectors import base_queryset
from leadbridge.duplicates.intake import act_on_match
from leadbridge.duplicates.models import MatchKey
from leadbridge.duplicates.policy import OnDuplicate, parse
from leadbridge.history.services import json_value
from leadbridge.leads.bulk import NewLead, leads_bulk_insert
from leadbridge.leads.intake import capture_deal
from leadbridge.leads.models import Lead
from leadbridge.leads.services import lead_update
from leadbridge.people import access

from .checking import Checked, RowChecker, RowOutcome, plain
from .models import ImportBatch, ImportJob, ImportRowError

# The exact match keys a duplicate check by `match_on` looks at (see duplicates.matching).
MATCH_ON = {
    "any": ("e:", "p:", "i:"),
    "email": ("e:",),
    "phone": ("p:",),
    "registration_number": ("i:",),
}


class BatchWriter:
    """Writes one batch: finds duplicates by exact keys (in the file and in the database at
    once), creates, updates, links; records errors and undo data."""

    def __init__(self, job: ImportJob, actor: Any):
        self.job = job
        self.actor = actor
        self.checker = RowChecker(job, actor, assign=job.run_automations)
        self.prefixes = MATCH_ON[job.match_on] if job.match_on in MATCH_ON else MATCH_ON["any"]
        self.mode = parse(job.on_duplicate)

    def write(self, batch: list[Checked]) -> dict[str, int]:
        if self.checker.captures:
            return self._write_captured(batch)
        job = self.job
        counts = dict.fromkeys(("created", "updated", "skipped", "failed", "duplicate"), 0)
        errors: list[ImportRowError] = []
        good: list[tuple[RowOutcome, NewLead, list[str]]] = []
        prefixes = self.prefixes
        for outcome, new in batch:
            if new is None:
                counts["failed"] += 1
                errors += self._errors(outcome)
                continue
            good.append((outcome, new, [k for k in new.keys if k.startswith(prefixes)]))
        # Every key of the batch looked up at once; earlier batches are in the table already.
        in_db = self._in_db({k for _o, _new, keys in good for k in keys})
        pending: list[NewLead] = []
        in_file: dict[str, NewLead] = {}
        created: list[int] = []
        updated: list[dict] = []
        for outcome, new, keys in good:
            match_id = next((in_db[k] for k in keys if k in in_db), None)
            twin = next((in_file[k] for k in keys if k in in_file), None)
            if match_id is None and twin is None:
                pending.append(new)
                in_file.update(dict.fromkeys(keys, new))
                continue
            counts["duplicate"] += 1
            mode = self.mode
            if mode == OnDuplicate.ALLOW:
                pending.append(new)
                continue
            if mode == OnDuplicate.REJECT:
                counts["failed"] += 1
                where = f"lead #{match_id}" if match_id else "an earlier row of this file"
                errors += self._errors(outcome, message=f"Duplicate of {where}.")
                continue
            if match_id is None and mode != OnDuplicate.SKIP:
                # The twin is an earlier row of this batch: save it first, then act on it.
                created += self._flush(pending)
                pending = []
                assert twin is not None and twin.pk is not None
                match_id = twin.pk
            try:
                done, before = act_on_match(
                    actor=self.actor,
                    record_type="lead",
                    pk=match_id or 0,  # skip does not touch it
                    data=outcome.data,
                    mode=mode,
                    update=self._update,
                    source=self._source(outcome),
                )
            except DomainError as exc:  # e.g. a lead the user sees but may not change
                counts["failed"] += 1
                errors += self._errors(outcome, message=exc.detail, issues=exc.errors)
                continue
            if done == "updated":
                if before is not None:
                    updated.append({"id": match_id, "before": before})
                counts["updated"] += 1
            else:  # skipped, linked: no row made or changed
                counts["skipped"] += 1
        created += self._flush(pending)
        counts["created"] = len(created)
        ImportRowError.objects.bulk_create(errors, batch_size=2000)
        ImportBatch.objects.create(
            job=job, first_row=job.rows_done, rows=len(batch), created_ids=created, updated=updated
        )
        job.rows_done += len(batch)
        return counts

    def _write_captured(self, batch: list[Checked]) -> dict[str, int]:
        """The batch with "Use leads" off: each good row becomes a contact (and client) and a
        deal through `leads.intake.capture_deal`, one savepoint a row, so a refused row is a
        row error and the others stay. Row by row, through the records' services: the same
        duplicate check, scope and validation as a contact or deal made any other way.
        What each row made goes to the batch's undo data as {"record_type", "id"}."""
        job = self.job
        counts = dict.fromkeys(("created", "updated", "skipped", "failed", "duplicate"), 0)
        errors: list[ImportRowError] = []
        created: list[dict] = []
        pipeline_id = self.checker.mapping.pipeline_id
        origin = _("Import %(file)s") % {"file": job.filename}
        for outcome, new in batch:
            if new is None:
                counts["failed"] += 1
                errors += self._errors(outcome)
                continue
            data = {k: v for k, v in outcome.data.items() if k != "status_id"}
            try:
                with transaction.atomic():
                    captured = capture_deal(
                        actor=self.actor,
                        data=data,
                        on_duplicate=self.mode,
                        source=self._source(outcome),
                        pipeline_id=pipeline_id,
                        origin=origin,
                    )
            except DomainError as exc:
                counts["failed"] += 1
                if exc.code == "duplicate":
                    counts["duplicate"] += 1
                issues = [
                    FieldIssue("company_name" if i.field == "name" else i.field, i.message)
                    for i in exc.errors
                    if exc.code != "duplicate"
                ]
                errors += self._errors(outcome, message=exc.detail, issues=issues or None)
                continue
            if captured.outcome != "created":
                counts["duplicate"] += 1
            if captured.outcome == "updated":
                counts["updated"] += 1
            elif captured.outcome in ("skipped", "linked") and captured.deal is None:
                counts["skipped"] += 1
            else:
                counts["created"] += 1
            created += [{"record_type": t, "id": pk} for t, pk in captured.created()]
        ImportRowError.objects.bulk_create(errors, batch_size=2000)
        ImportBatch.objects.create(
            job=job, first_row=job.rows_done, rows=len(batch), created_ids=created, updated=[]
        )
        job.rows_done += len(batch)
        return counts

    def _in_db(self, wanted: set[str]) -> dict[str, int]:
        """The lowest live lead id under each of the keys, among the leads the importing
        user may see: as in the API's duplicate check, a lead outside their scope is no
        match (the row is created), so the import neither reveals it nor acts on it."""

        if not wanted:
            return {}
        if access.scope_q(self.actor, "lead", "view") != Q():  # not every lead: filter
            return self._in_scope(wanted)
        if connection.vendor == "postgresql":
            # One index probe per key, whatever the statistics say: with `key = ANY(…)`
            # and no fresh statistics on a key table the import is filling, the planner
            # chose scans of every lead's keys (up to 1.9 s a batch at a million leads).
            # The LIMIT keeps the subquery a probe. The keys go as one text parameter
            # (they hold no newline): a list adapted item by item costs more.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT k.key, m.record_id "
                    "FROM unnest(string_to_array(%s, E'\\n')) AS k(key), LATERAL ("
                    f"SELECT record_id FROM {MatchKey._meta.db_table} "
                    "WHERE key = k.key AND record_type = 'lead' ORDER BY record_id LIMIT 1"
                    ") AS m",
                    ["\n".join(wanted)],
                )
                return dict(cursor.fetchall())
        # SQLite: the record type is filtered here, as `duplicates.checks._sharing` explains.
        rows = (
            MatchKey.objects.filter(key__in=wanted)
            .order_by("record_id")
            .values_list("key", "record_id", "record_type")
        )
        found: dict[str, int] = {}
        for key, record_id, record_type in rows:
            if record_type == "lead":
                found.setdefault(key, record_id)
        return found

    def _in_scope(self, wanted: set[str]) -> dict[str, int]:
        """`_in_db` for a user who sees only some leads: the keys' rows of visible leads."""

        visible = base_queryset(self.actor, "lead").values("pk")
        found: dict[str, int] = {}
        keys = sorted(wanted)
        for start in range(0, len(keys), 2000):  # bounded statements on either database
            rows = (
                MatchKey.objects.filter(
                    key__in=keys[start : start + 2000], record_type="lead", record_id__in=visible
                )
                .values("key")
                .annotate(first=Min("record_id"))
                .values_list("key", "first")
            )
            found.update(rows)
        return found

    def _flush(self, rows: list[NewLead]) -> list[int]:
        if not rows:
            return []
        leads_bulk_insert(actor=self.actor, rows=rows, history_data={"import": self.job.pk})
        ids = [r.pk for r in rows]
        if self.job.run_automations:
            self._automations(ids)  # type: ignore[arg-type]
        return ids  # type: ignore[return-value]

    def _automations(self, ids: list[int]) -> None:
        """What `lead_create` sets off for each new lead (webhooks on `lead.created`, the task
        templates of its status), in the batch's transaction: it happens when the batch
        commits, and a crashed batch sets off nothing."""
        for lead in Lead.objects.filter(pk__in=ids).order_by("pk"):
            publish("lead.created", "lead", lead, actor=self.actor)

    def _update(self, *, actor: Any, pk: int, data: dict, version: int | None) -> dict | None:
        """The lead's update for fill and overwrite (`act_on_match` says which values);
        returns the values before, for undo (None when nothing changed). `lead_update`
        locks the lead once; the values before are read from the changes it made."""
        saved = lead_update(actor=actor, pk=pk, data=data, version=version)
        if not saved.changes:
            return None
        return values_before(saved.obj, saved.changes)

    def _source(self, outcome: RowOutcome) -> str:
        """The row, as a link's note names where its values came from."""
        return _("import %(file)s, line %(line)s") % {
            "file": self.job.filename,
            "line": outcome.line,
        }

    def _errors(
        self,
        outcome: RowOutcome,
        *,
        message: str | None = None,
        issues: list[FieldIssue] | None = None,
    ) -> list[ImportRowError]:
        # A NUL character cannot be stored in PostgreSQL's JSON: the report shows U+FFFD.
        cells = [_no_nul(json_value(plain(c))) for c in outcome.cells]
        found = list(outcome.errors)
        if issues:
            found = [self.checker._issue(i.field, i.message) for i in issues]
        elif message:
            found = [{"column": "", "field": "", "message": message}]
        return [
            ImportRowError(
                job=self.job,
                line=outcome.line,
                column=_no_nul(e["column"])[:255],
                field=e["field"][:100],
                message=_no_nul(e["message"]),
                cells=cells if i == 0 else [],
            )
            for i, e in enumerate(found)
        ]


def values_before(lead: Lead, changes: list[tuple[str, Any, Any]]) -> dict:
    """The changed fields' values before an update, as the undo sets them back: each field's
    old value, and the whole custom-field map as it was (the undo restores it whole)."""
    before: dict = {}
    custom = None
    for name, old, _new in changes:
        if name.startswith("custom_fields."):
            if custom is None:
                custom = dict(lead.custom_fields or {})
            key = name.split(".", 1)[1]
            if old is None:
                custom.pop(key, None)
            else:
                custom[key] = old
        else:
            before[name] = json_value(old)
    if custom is not None:
        before["custom_fields"] = json_value(custom)
    return before


def _no_nul(value: Any) -> Any:
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else value
