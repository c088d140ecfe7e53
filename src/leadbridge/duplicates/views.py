"""Duplicate pages: the finder, a finder job's progress, side-by-side compare and merge,
"not a duplicate", and the merge log with undo. Logic lives in the services."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from leadbridge.core import labels
from leadbridge.core.cleaning import MAX_ID, text_problem
from leadbridge.core.errors import DomainError
from leadbridge.core.forms import LABELS
from leadbridge.core.registry import model_for
from leadbridge.core.selectors import base_queryset
from leadbridge.core.specs import SPECS
from leadbridge.core.web import safe_next
from leadbridge.customfields.models import CustomFieldDefinition
from leadbridge.people.access import is_admin

from . import finder, merge, tasks, weights
from .chart import threshold_bits, weight_chart
from .checks import find_matches
from .matching import DEFAULT_THRESHOLD, RULES
from .models import FinderJob, NotDuplicate
from .reasons import localized, reason_weight, translated

TYPES = ("lead", "client", "contact")
RULE_LABELS = {
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "name": gettext_lazy("Name"),
    "company": gettext_lazy("Company"),
    "registration_number": gettext_lazy("Registration number / VAT id"),
    "address": gettext_lazy("Address"),
}


def _record_type(raw: str | None) -> str:
    return raw if raw in TYPES else "lead"


def _threshold(raw: str | None) -> float:
    try:
        value = float(raw or DEFAULT_THRESHOLD)
    except ValueError:
        return DEFAULT_THRESHOLD
    return min(max(value, 0.0), 1.0)


def _label(record_type: str, name: str) -> str:

    if name in LABELS:  # the form's label, translated (a reference's model field may not be)
        return str(LABELS[name])
    try:
        return str(model_for(record_type)._meta.get_field(name).verbose_name).capitalize()
    except Exception:  # a contract name that is not a model field
        return name.replace("_", " ").capitalize()


def finder_page(request: HttpRequest) -> HttpResponse:
    record_type = _record_type(request.GET.get("record_type"))
    rules = [r for r in request.GET.getlist("rules") if r in RULES] or list(RULES)
    threshold = _threshold(request.GET.get("threshold"))
    context: dict[str, Any] = {
        "record_type": record_type,
        "types": TYPES,
        "rules": rules,
        "rule_labels": RULE_LABELS,
        "threshold": threshold,
        "groups": None,
        **weights_context(request),
    }
    if "run" in request.GET:
        scope = finder.scope_ids(request.user, record_type, None)
        if finder.scope_size(scope, record_type) > finder.SYNC_LIMIT:
            job = tasks.start_finder(
                actor=request.user,
                params={"record_type": record_type, "fields": rules, "threshold": threshold},
            )
            return redirect("duplicates:job", job.pk)
        context["groups"] = explained(
            finder.find_groups(
                actor=request.user, record_type=record_type, rules=rules, threshold=threshold
            )
        )
    return render(request, "duplicates/finder.html", context)


def explained(groups: list[dict] | None) -> list[dict] | None:
    """Finder groups translated, each reason also as (text, weight in bits) so the page can
    show what every piece of evidence weighed."""
    if groups is None:
        return None
    out = localized(groups) or []
    for group, english in zip(out, groups, strict=True):
        group["evidence"] = [
            {"text": text, "weight": reason_weight(reason)}
            for reason, text in zip(english["reasons"], translated(english["reasons"]), strict=True)
        ]
    return out


def weights_context(request: HttpRequest) -> dict[str, Any]:
    """The weights panel: the current model, its chart, the latest training run."""
    info = weights.model_info()
    training = weights.training_status()
    return {
        "model": info,
        "chart": weight_chart(
            weights.chart_data(), info, prior_label=_("Prior: two records at random")
        ),
        "threshold_bits": threshold_bits(float(info.get("threshold") or DEFAULT_THRESHOLD)),
        "training": training,
        "training_active": bool(training and training["status"] in ("queued", "running")),
        "training_percent": round((training or {}).get("progress", 0) * 100),
        # A run that ended without a version: too few records to learn from.
        "training_kept_defaults": bool(
            training and training["status"] == "done" and training.get("version") is None
        ),
        "min_records": weights.MIN_RECORDS,
        "can_train": is_admin(request.user),
    }


def weights_panel(request: HttpRequest) -> HttpResponse:
    """The weights panel alone (htmx polls it while a training run goes on)."""
    if not request.htmx:
        return redirect(reverse("duplicates:finder") + "#weights")
    return render(request, "duplicates/_weights.html", weights_context(request))


@require_POST
def weights_train(request: HttpRequest) -> HttpResponse:
    """Start learning the weights from the records (admins: it changes every check)."""
    if not is_admin(request.user):
        raise PermissionDenied
    try:
        tasks.weights_train_start(actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(reverse("duplicates:finder") + "#weights")
    if request.htmx:
        return render(request, "duplicates/_weights.html", weights_context(request))
    messages.success(request, _("Training started: the weights are learned in the background."))
    return redirect(reverse("duplicates:finder") + "#weights")


def job_page(request: HttpRequest, job_id: str) -> HttpResponse:
    job = FinderJob.objects.filter(pk=job_id, created_by=request.user).first()
    if job is None:
        raise Http404
    context = {
        "job": job,
        "record_type": job.params.get("record_type", "lead"),
        "groups": explained(job.result) if job.status == FinderJob.Status.DONE else None,
        "percent": round(job.progress * 100),
    }
    template = "duplicates/_job.html" if request.htmx else "duplicates/job.html"
    return render(request, template, context)


def _ids(raw: list[str]) -> list[int]:
    out: list[int] = []
    for part in raw:
        out.extend(int(p) for p in part.split(",") if p.strip().isdigit())
    return list(dict.fromkeys(out))[:50]


def compare_page(request: HttpRequest) -> HttpResponse:
    """The records side by side, a choice per field, then Merge (POST)."""
    record_type = _record_type(request.GET.get("record_type") or request.POST.get("record_type"))
    ids = _ids(request.GET.getlist("ids") or request.POST.getlist("ids"))
    records = list(base_queryset(request.user, record_type).filter(pk__in=ids).order_by("pk"))
    if request.method == "POST":
        survivor = request.POST.get("survivor_id")
        choices = {
            key.removeprefix("choice_"): int(value)
            for key, value in request.POST.items()
            if key.startswith("choice_") and value.isdigit()
        }
        try:
            done = merge.record_merge(
                actor=request.user,
                record_type=record_type,
                ids=[r.pk for r in records],
                survivor_id=int(survivor) if survivor and survivor.isdigit() else None,
                choices=choices,
            )
        except DomainError as exc:
            messages.error(request, exc.errors[0].message if exc.errors else exc.detail)
        else:
            messages.success(
                request,
                _("Merged %(n)d records; the merge can be undone from the merge log.")
                % {"n": len(done.merged_ids) + 1},
            )
            return redirect(f"/{record_type}s/{done.survivor_id}/")
    if len(records) < 2:
        messages.error(request, _("Choose at least two records you may see to compare."))
        return redirect(reverse("duplicates:finder") + f"?record_type={record_type}")
    oldest = min(records, key=lambda r: (r.created_at, r.pk))
    return render(
        request,
        "duplicates/compare.html",
        {
            "record_type": record_type,
            "records": records,
            "rows": compare_rows(record_type, records),
            "oldest": oldest,
        },
    )


def _first_filled(records: list[Any], values: list[Any]) -> int:
    oldest = min(records, key=lambda r: (r.created_at, r.pk))
    return next((r.pk for r, v in zip(records, values, strict=True) if v), oldest.pk)


def compare_rows(record_type: str, records: list[Any]) -> list[dict]:
    """One row per field any record fills: a choice where the records differ (every field,
    references and custom fields included), a plain row where they agree. Other e-mails,
    other phones and tags need no choice: the merge keeps all of them."""
    rows = []
    for f in SPECS[record_type].fields:
        values = [getattr(r, f.attr, None) for r in records]
        if all(v in (None, "", []) for v in values):
            continue
        shown = [_shown(r, f, v) for r, v in zip(records, values, strict=True)]
        pooled = f.kind in ("emails", "phones", "tags")  # merge.merged_values joins these
        rows.append(
            _row(f.name, _label(record_type, f.name), records, values, shown, choose=not pooled)
        )
    defs = {
        d.key: d.label
        for d in CustomFieldDefinition.objects.filter(record_type=record_type).only("key", "label")
    }
    keys = dict.fromkeys(k for r in records for k in (r.custom_fields or {}))
    for key in keys:
        values = [(r.custom_fields or {}).get(key) for r in records]
        if all(v in (None, "", []) for v in values):
            continue
        shown = ["" if v in (None, "") else str(v) for v in values]
        rows.append(
            _row(f"custom_fields.{key}", defs.get(key, key), records, values, shown, choose=True)
        )
    return rows


def _row(
    name: str, label: str, records: list[Any], values: list[Any], shown: list[str], choose: bool
) -> dict:
    differ = choose and len({s for s in shown if s}) > 1  # empties get filled anyway
    first = _first_filled(records, values)
    return {
        "name": name,
        "label": label,
        "cells": [
            {"record": r, "value": s, "checked": r.pk == first}
            for r, s in zip(records, shown, strict=True)
        ],
        "differ": differ,
        "pooled": not choose,
    }


def _shown(record: Any, spec: Any, value: Any) -> str:
    """A value as the reader knows it: names for references, labels for choices."""
    if value in (None, "", []):
        return ""
    if spec.kind == "ref":
        target = getattr(record, record._meta.get_field(spec.name).name, None)
        return str(getattr(target, "display_name", None) or target or value)
    if spec.kind == "choice":
        return labels.choice_label(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@require_POST
def not_duplicate(request: HttpRequest) -> HttpResponse:
    record_type = _record_type(request.POST.get("record_type"))
    ids = _ids(request.POST.getlist("ids"))
    visible = base_queryset(request.user, record_type).filter(pk__in=ids)
    visible = set(visible.values_list("pk", flat=True))
    for a, b in combinations(sorted(visible), 2):
        try:
            with transaction.atomic():
                NotDuplicate.objects.create(
                    a_type=record_type, a_id=a, b_type=record_type, b_id=b, created_by=request.user
                )
        except IntegrityError:
            pass
    messages.success(request, _("Marked as not duplicates; they will not be proposed again."))
    return redirect(safe_next(request, reverse("duplicates:finder")))


def merges_page(request: HttpRequest) -> HttpResponse:
    items = merge.merge_list(actor=request.user)
    wanted: dict[str, set[int]] = {}
    for m in items:
        wanted.setdefault(m.record_type, set()).update([m.survivor_id, *m.merged_ids])
    names = {
        (kind, obj.pk): obj.display_name
        for kind, ids in wanted.items()
        for obj in model_for(kind).objects.filter(pk__in=ids)
    }
    rows = [
        {
            "merge": m,
            "survivor": names.get((m.record_type, m.survivor_id), f"#{m.survivor_id}"),
            "merged": [names.get((m.record_type, i), f"#{i}") for i in m.merged_ids],
        }
        for m in items
    ]
    return render(request, "duplicates/merges.html", {"rows": rows})


@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        merge.merge_undo(actor=request.user, merge_id=pk)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The merge was undone."))
    return redirect("duplicates:merges")


CHECK_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "name",
    "kind",
    "email",
    "phone",
    "mobile",
    "registration_number",
    "vat_id",
    "street",
    "postcode",
    "city",
    "country",
)


MAX_TYPED = 255  # the longest of CHECK_FIELDS


def check_fragment(request: HttpRequest) -> HttpResponse:
    """The possible duplicates of what is typed in a record form (htmx, on change)."""

    record_type = _record_type(request.GET.get("record_type"))
    # What is typed, as the form would save it: a value no database stores (NUL, a lone
    # surrogate) is no hint, and none is longer than a field holds (the save refuses it).
    values = {
        k: v[:MAX_TYPED]
        for k in CHECK_FIELDS
        if (v := request.GET.get(k, "").strip()) and not text_problem(v)
    }
    exclude_id = request.GET.get("exclude", "")
    exclude = (
        (record_type, int(exclude_id))
        if exclude_id.isdigit() and int(exclude_id) <= MAX_ID
        else None
    )
    matches = (
        find_matches(actor=request.user, record_type=record_type, values=values, exclude=exclude)
        if values
        else []
    )
    return render(
        request,
        "duplicates/_check.html",
        {"matches": matches, "record_type": record_type, "exclude": exclude},
    )
