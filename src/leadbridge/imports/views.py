"""The import pages: upload → map → preview → run (progress bar), through `jobs`."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from leadbridge.core.choices import country_choices, currency_choices
from leadbridge.core.errors import DomainError
from leadbridge.core.forms import LABELS
from leadbridge.deals.models import Pipeline
from leadbridge.duplicates import policy
from leadbridge.leads.models import LeadSource, LeadStatus
from leadbridge.people import access
from leadbridge.people.models import Team, User
from leadbridge.people.selectors import assignable_users

from . import jobs
from .checking import custom_fields
from .engine import STALE_AFTER
from .mapping import LEAD_FIELDS
from .models import ImportJob

CONSTANT_FIELDS = ("source", "status", "owner", "team", "tags", "city", "country", "currency")
MATCH_ON = (
    ("any", _("e-mail, phone or registration number")),
    ("email", _("e-mail")),
    ("phone", _("phone")),
    ("registration_number", _("registration number")),
)


def _label(name: str) -> str:
    """A field's label in the reader's language: lookups are mapped by name ("status"),
    their form label sits under the id ("status_id")."""
    return str(LABELS.get(name) or LABELS.get(f"{name}_id") or name)


def _constant_options() -> dict[str, list[tuple[str, str]]]:
    """The choices of the constants that are lists: (value the import reads, what it shows).

    Lookups are posted by name, as a column would hold them (the import resolves names).
    """
    people = assignable_users().order_by("first_name", "last_name", "username")
    return {
        "source": [(s.name, s.name) for s in LeadSource.objects.filter(active=True)],
        "status": [(s.name, s.name) for s in LeadStatus.objects.all()],
        "owner": [(u.username, u.get_full_name() or u.username) for u in people],
        "team": [(t.name, t.name) for t in Team.objects.all()],
        "country": country_choices(),
        "currency": currency_choices(),
    }


def _names() -> dict:
    """What `_saved_as` shows for ids and keys, read once for a page."""
    return {
        "status_id": dict(LeadStatus.objects.values_list("pk", "name")),
        "source_id": dict(LeadSource.objects.values_list("pk", "name")),
        "team_id": dict(Team.objects.values_list("pk", "name")),
        "owner_id": {
            u.pk: u.get_full_name() or u.username
            for u in User.objects.filter(is_system=False).only(
                "first_name", "last_name", "username"
            )
        },
        "custom_fields": {d.key: d.label for d in custom_fields()},
    }


def _saved_as(values: dict, names: dict) -> list[tuple[str, str]]:
    """A preview row's values as a person reads them: labels, and names for the ids."""
    shown = []
    for key, value in values.items():
        if key == "custom_fields" and isinstance(value, dict):
            labels = names["custom_fields"]
            shown += [(labels.get(k, k), str(v)) for k, v in value.items() if v not in (None, "")]
            continue
        if value in (None, "", []):
            continue
        if key in names:
            value = names[key].get(value, value)
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        shown.append((str(LABELS.get(key, key)), str(value)))
    return shown


def _errors_by_field(exc: DomainError) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for issue in exc.errors:
        out.setdefault(issue.field, []).append(issue.message)
    return out


def index(request: HttpRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = {"file": [_("Choose a CSV, XLSX or XLS file.")]}
        else:
            try:
                job = jobs.import_upload(
                    actor=request.user,
                    filename=upload.name or "import.csv",
                    stream=upload.file,
                    size=upload.size or 0,
                    sheet=request.POST.get("sheet") or None,
                    encoding=request.POST.get("encoding") or None,
                    delimiter=request.POST.get("delimiter") or None,
                )
            except DomainError as exc:
                errors = _errors_by_field(exc) or {"file": [exc.detail]}
            else:
                return redirect("imports:map", pk=job.pk)
    recent = ImportJob.objects.all()
    if not access.is_admin(request.user):
        recent = recent.filter(created_by=request.user)
    return render(
        request,
        "imports/index.html",
        {
            "jobs": recent[:50],
            "errors": errors,
            "can_import": access.has_right(request.user, "lead", "import"),
        },
    )


def mapping(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        job = jobs.import_get(actor=request.user, job_id=pk)
    except DomainError as exc:
        return render(request, "imports/missing.html", {"detail": exc.detail}, status=exc.status)
    current = dict(job.mapping)
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and "sheet" in request.POST:  # the workbook's other sheet
        try:
            jobs.import_choose_sheet(actor=request.user, job_id=job.pk, sheet=request.POST["sheet"])
        except DomainError as exc:
            errors = _errors_by_field(exc) or {"sheet": [exc.detail]}
        else:
            return redirect("imports:map", pk=job.pk)
    elif request.method == "POST":
        columns = [request.POST.get(f"col_{i}", "") for i in range(len(job.headers))]
        constants = {
            name: request.POST.get(f"const_{name}", "").strip()
            for name in CONSTANT_FIELDS
            if request.POST.get(f"const_{name}", "").strip()
        }
        pipeline = request.POST.get("pipeline_id", "")
        current = {
            "columns": columns,
            "constants": constants,
            "number_format": request.POST.get("number_format", "auto"),
            "date_format": request.POST.get("date_format", "auto"),
            "pipeline_id": int(pipeline) if pipeline.isdigit() else None,
        }
        try:
            jobs.import_set_mapping(
                actor=request.user,
                job_id=job.pk,
                mapping=current,
                on_duplicate=request.POST.get("on_duplicate", "skip"),
                match_on=request.POST.get("match_on", "any"),
                create_missing=bool(request.POST.get("create_missing")),
                run_automations=bool(request.POST.get("run_automations")),
                save_template=bool(request.POST.get("save_template")),
            )
        except DomainError as exc:
            errors = _errors_by_field(exc)
            if not errors:
                messages.error(request, exc.detail)
        else:
            return redirect("imports:preview", pk=job.pk)
    preview = jobs.import_preview(actor=request.user, job_id=job.pk, limit=3)
    samples = [[] for _h in job.headers]
    for row in preview["rows"]:
        for i, cell in enumerate(row["cells"][: len(job.headers)]):
            samples[i].append(cell)
    custom = [(f"custom_fields.{cf.key}", cf.label) for cf in custom_fields()]
    columns = current.get("columns") or []
    rows = [
        {
            "index": i,
            "header": header,
            "samples": samples[i],
            "field": columns[i] if i < len(columns) else "",
            "errors": errors.get(f"mapping.columns.{i}", []),
        }
        for i, header in enumerate(job.headers)
    ]
    constants = current.get("constants") or {}
    options = _constant_options()
    return render(
        request,
        "imports/mapping.html",
        {
            "job": job,
            "rows": rows,
            "fields": [(name, _label(name)) for name in LEAD_FIELDS],
            "custom": custom,
            "constants": [
                (
                    name,
                    _label(name),
                    constants.get(name, ""),
                    errors.get(f"mapping.constants.{name}", []),
                    options.get(name),
                )
                for name in CONSTANT_FIELDS
            ],
            "current": current,
            "errors": errors,
            "on_duplicate_choices": policy.choices(),
            "match_on_choices": MATCH_ON,
            "pipelines": Pipeline.objects.all(),
            "pipeline_errors": errors.get("mapping.pipeline_id", []),
        },
    )


def preview(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        job = jobs.import_get(actor=request.user, job_id=pk)
    except DomainError as exc:
        return render(request, "imports/missing.html", {"detail": exc.detail}, status=exc.status)
    data = jobs.import_preview(actor=request.user, job_id=job.pk, limit=20)
    names = _names()
    rows = []
    for row in data["rows"]:
        bad = {e["column"]: e["message"] for e in row["errors"] if e["column"]}
        cells = [
            {"value": cell, "error": bad.get(header, "")}
            for header, cell in zip(
                job.headers, row["cells"] + [""] * len(job.headers), strict=False
            )
        ]
        other = [e["message"] for e in row["errors"] if not e["column"]]
        values = _saved_as(row["values"], names) if row["values"] else []
        rows.append({"line": row["line"], "cells": cells, "other": other, "values": values})
    return render(request, "imports/preview.html", {"job": job, "rows": rows})


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        job = jobs.import_get(actor=request.user, job_id=pk)
    except DomainError as exc:
        return render(request, "imports/missing.html", {"detail": exc.detail}, status=exc.status)
    stale = job.status == ImportJob.Status.RUNNING and (
        (timezone.now() - job.updated_at).total_seconds() > STALE_AFTER
    )
    context = {"job": job, "progress": jobs.progress(job), "stale": stale}
    if request.htmx:
        return render(request, "imports/_progress.html", context)
    return render(request, "imports/detail.html", context)


@require_POST
def action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    operations = {
        "start": jobs.import_start,
        "cancel": jobs.import_cancel,
        "undo": jobs.import_undo,
    }
    if name not in operations:
        return redirect("imports:detail", pk=pk)
    try:
        operations[name](actor=request.user, job_id=pk)
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("imports:detail", pk=pk)
