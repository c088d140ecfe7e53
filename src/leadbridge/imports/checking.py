"""Checking an import's rows: each file row read, converted by the mapping and validated
exactly as `lead_create` would (`lead_prepare`), then derived into the lead row to insert
(`lead_new`). Pure of writes, so forked processes can run it beside the writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leadbridge.automation.services import assign_by_rules
from leadbridge.core.normalize import fold
from leadbridge.core.record_services import PrepareCache
from leadbridge.customfields.models import CustomFieldDefinition
from leadbridge.duplicates.policy import OnDuplicate
from leadbridge.leads.bulk import NewLead, lead_new
from leadbridge.leads.intake import DEAL, becomes
from leadbridge.leads.models import LeadSource, LeadStatus
from leadbridge.leads.services import lead_prepare, lead_prepare_cache
from leadbridge.people import access
from leadbridge.people.models import Team
from leadbridge.people.selectors import assignable_users

from . import readers
from .mapping import LOOKUPS, CustomField, Lookups, Mapping, convert_row
from .models import ImportJob

# Reading ------------------------------------------------------------------------------------


def open_table(job: ImportJob, stream: IO[bytes]) -> readers.Table:
    return readers.read_table(
        stream,
        filename=job.filename,
        sheet=job.sheet or None,
        encoding=job.encoding or None,
        delimiter=job.delimiter or None,
    )


def custom_fields(record_type: str = "lead") -> list[CustomField]:
    return [
        CustomField(d.key, d.label, d.type)
        for d in CustomFieldDefinition.objects.filter(record_type=record_type)
    ]


def load_lookups() -> Lookups:
    """Names the lookup fields accept, folded: statuses, sources, users (username, e-mail or
    full name), teams; and the custom fields' types."""
    lookups = Lookups()
    for pk, name in LeadStatus.objects.values_list("pk", "name"):
        lookups.status.setdefault(fold(name), pk)
    for pk, name in LeadSource.objects.values_list("pk", "name"):
        lookups.source.setdefault(fold(name), pk)
    users = assignable_users()
    for pk, username, email, first, last in users.values_list(
        "pk", "username", "email", "first_name", "last_name"
    ):
        for key in (username, email, f"{first} {last}".strip()):
            if key:
                lookups.owner.setdefault(fold(key), pk)
    for pk, name in Team.objects.values_list("pk", "name"):
        lookups.team.setdefault(fold(name), pk)
    lookups.custom_types = dict(
        CustomFieldDefinition.objects.filter(record_type="lead").values_list("key", "type")
    )
    return lookups


@dataclass
class RowOutcome:
    line: int
    cells: list
    data: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)  # {column, field, message}
    warnings: list[dict] = field(default_factory=list)
    state: dict | None = None
    by_rule: bool = False  # owner and team set by an assignment rule


def _column_of(mapping: Mapping, headers: list[str], name: str) -> str:
    """The header of the column that feeds a contract field path ("" for a constant)."""
    root = name.split(".")[0] if not name.startswith("custom_fields.") else name
    root = {v: k for k, v in LOOKUPS.items()}.get(root, root)
    for i, mapped in enumerate(mapping.columns):
        if mapped == root or (mapped.startswith("custom_fields.") and name.startswith(mapped)):
            return headers[i] if i < len(headers) else ""
    return ""


class RowChecker:
    """Turns file rows into prepared lead states with per-cell errors (one per import run).

    `assign`: new leads without an owner or team from the file get them from the assignment
    rules of the "import" channel (`run_automations`; never in a preview, as round-robin
    turns would be used up).
    """

    def __init__(self, job: ImportJob, actor: Any, *, assign: bool = False):
        self.job = job
        self.actor = actor
        self.mapping = Mapping.from_dict(job.mapping)
        self.lookups = load_lookups()
        self.cache: PrepareCache = lead_prepare_cache()
        self.assign = assign
        # What the rows become, decided once per run (leads/intake.py): with "Use leads" off
        # the writer makes contacts and deals from each row's values.
        self.captures = becomes() == DEAL

    def check(self, line: int, cells: list) -> RowOutcome:
        nul = [i for i, c in enumerate(cells) if isinstance(c, str) and "\x00" in c]
        if nul:
            # Binary data in a text file: PostgreSQL stores no NUL in text or JSON, and the
            # row cannot be meant as it is.
            return RowOutcome(line, cells, errors=[self._nul_issue(i) for i in nul])
        columns = self.mapping.columns
        long = [
            i
            for i, c in enumerate(cells)
            if isinstance(c, readers.TooLong) and i < len(columns) and columns[i]
        ]
        if long:
            # The reader kept only the cell's start: the row cannot be imported as it is
            # (a skipped column's cell is not imported, so it may be as long as it is).
            return RowOutcome(line, cells, errors=[self._long_issue(i, cells[i]) for i in long])
        result = convert_row(cells, self.mapping, self.lookups)
        outcome = RowOutcome(line, cells, result.data)
        if result.unknown and self.job.create_missing:
            if self._create_missing(result.unknown):
                return self.check(line, cells)
        for name, message in result.errors:
            outcome.errors.append(self._issue(name, message))
        data = result.data
        if outcome.errors:
            # The cells that were read are validated too, so that one pass shows every
            # reason of the row, not one per attempt (the unread ones are simply absent).
            _state, out = lead_prepare(actor=self.actor, data=data, cache=self.cache)
            outcome.errors += [self._issue(e.field, e.message) for e in out.errors]
            return outcome
        by_rule = False
        if self.assign and "owner_id" not in data and "team_id" not in data:
            placement = assign_by_rules(data, channel="import")
            data, by_rule = data | placement, bool(placement)
            if self.captures:
                outcome.data = data  # the capture places the contact and deal alike
        state, out = lead_prepare(actor=self.actor, data=data, cache=self.cache)
        outcome.errors = [self._issue(e.field, e.message) for e in out.errors]
        outcome.warnings = [self._issue(w.field, w.message) for w in out.warnings]
        if not outcome.errors:
            # A placement by the administrator's assignment rule is the system's doing, as
            # for web forms: it needs no right of the importing user.
            if not by_rule and not access.in_scope(
                self.actor,
                "lead",
                "create",
                owner_id=state.get("owner_id"),
                team_id=state.get("team_id"),
            ):
                outcome.errors.append(
                    self._issue(
                        "owner_id", _("The owner and team are outside what you may create.")
                    )
                )
            else:
                outcome.state = state
                outcome.by_rule = by_rule
        return outcome

    def _nul_issue(self, column: int) -> dict:
        return self._column_issue(
            column,
            _(
                "The cell holds a NUL character (binary data); fix the file and import "
                "this row again."
            ),
        )

    def _column_issue(self, column: int, message: str) -> dict:
        mapped = self.mapping.columns[column] if column < len(self.mapping.columns) else ""
        return {
            "column": self.job.headers[column] if column < len(self.job.headers) else "",
            "field": mapped,
            "message": message,
        }

    def _long_issue(self, column: int, cell: readers.TooLong) -> dict:
        return self._column_issue(
            column,
            ngettext(
                "The cell holds %(length)s character; at most %(max)s can be imported.",
                "The cell holds %(length)s characters; at most %(max)s can be imported.",
                cell.length,
            )
            % {"length": cell.length, "max": readers.max_cell_chars()},
        )

    def _issue(self, name: str, message: str) -> dict:
        return {
            "column": _column_of(self.mapping, self.job.headers, name),
            "field": name,
            "message": message,
        }

    def _create_missing(self, unknown: list[tuple[str, str]]) -> bool:
        """Statuses and sources the file names that do not exist yet, made when the user
        chose so (administrators only: they edit these lists)."""
        if not access.is_admin(self.actor):
            return False
        made = False
        for kind, name in unknown:
            if kind == "source":
                obj, _created = LeadSource.objects.get_or_create(name=name[:100])
                self.lookups.source[fold(name)] = obj.pk
            elif kind == "status":
                obj = LeadStatus.objects.create(name=name[:100], order=1000)
                self.lookups.status[fold(name)] = obj.pk
                self.cache.extra["status_kinds"][obj.pk] = obj.kind
            else:
                continue
            self.cache.refs.setdefault(obj._meta.label, set()).add(obj.pk)
            made = True
        return made


def plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


# The modes whose writer never reads a row's values again (it creates, skips or refuses).
REUSE_NOTHING = (OnDuplicate.ALLOW, OnDuplicate.SKIP, OnDuplicate.REJECT)
Checked = tuple[RowOutcome, NewLead | None]  # the row, and its lead ready to insert if good


def check_row(checker: RowChecker, line: int, cells: list) -> Checked:
    """A row read, validated and derived into the lead row to insert, with its match keys.
    What the writer does not need is dropped, so less crosses between processes."""
    outcome = checker.check(line, cells)
    if outcome.state is None:
        return outcome, None
    new = lead_new(actor=checker.actor, state=outcome.state)
    new.by_rule = outcome.by_rule
    outcome.state = None
    if checker.job.on_duplicate in REUSE_NOTHING and not checker.captures:
        outcome.data = {}  # only fill, overwrite, link or a capture use the row's values again
    return outcome, new
