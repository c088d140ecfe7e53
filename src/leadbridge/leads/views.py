"""Lead pages: list (search, filters, sorting, status badge, mass actions), form, card."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from leadbridge.activities.services import activity_create
from leadbridge.activities.views import agenda_context
from leadbridge.core.conflicts import edit_form
from leadbridge.core.display import custom_values
from leadbridge.core.errors import DomainError, field_error
from leadbridge.core.filters import saved_filter_delete, saved_filter_save, saved_filters
from leadbridge.core.forms import RecordForm
from leadbridge.core.names import record_refs
from leadbridge.core.record_views import warn
from leadbridge.core.selectors import record_get, record_list
from leadbridge.core.web import (
    PAGE_SIZE,
    PAGE_SIZES,
    _int,
    _moment,
    add_domain_errors,
    did_you_mean,
    list_params,
    query_without,
    safe_next,
    shown_ordering,
    single_value,
)
from leadbridge.duplicates.checks import find_matches
from leadbridge.duplicates.intake import create_from_page
from leadbridge.duplicates.keys import values_of
from leadbridge.people.models import Team
from leadbridge.people.selectors import assignable_users

from . import services
from .conversion import leads_convert_bulk
from .models import LeadSource, LeadStatus
from .selectors import converted_records

LIST_COLUMNS = [
    ("last_name", gettext_lazy("Name")),
    ("company_name", gettext_lazy("Company")),
    (None, gettext_lazy("E-mail / phone")),
    (None, gettext_lazy("Status")),
    (None, gettext_lazy("Owner")),
    ("expected_value", gettext_lazy("Value")),
    ("created_at", gettext_lazy("Created")),
    ("next_activity_at", gettext_lazy("Next activity")),
]


def lead_list(request: HttpRequest) -> HttpResponse:
    params, type_filters, custom = list_params(request.GET, "lead")
    error = None
    try:
        page, count = record_list(
            actor=request.user,
            record_type="lead",
            params=params,
            type_filters=type_filters,
            custom_filters=custom,
            collate=True,
        )
        leads = list(page)
    except DomainError as exc:
        leads, count, error = [], 0, exc.errors[0].message if exc.errors else exc.detail
    page_no = params.offset // params.limit + 1
    context = {
        "leads": leads,
        "count": count,
        "error": error,
        "page": page_no,
        "has_prev": page_no > 1,
        "has_next": params.offset + params.limit < count,
        "prev_query": query_without(request.GET, "page", page=page_no - 1),
        "next_query": query_without(request.GET, "page", page=page_no + 1),
        "ordering": shown_ordering(params),
        # The list's state outside the filter form: kept when a filter changes.
        "ordering_param": request.GET.get("ordering", ""),
        "page_size": params.limit,
        "page_sizes": PAGE_SIZES,
        "default_page_size": PAGE_SIZE,
        "first_shown": params.offset + 1 if leads else 0,
        "last_shown": params.offset + len(leads),
        "did_you_mean": did_you_mean(
            request.GET, params, count, actor=request.user, record_type="lead"
        )
        if error is None
        else [],
        "columns": [
            (
                field,
                label,
                query_without(
                    request.GET, "page", "ordering", ordering=_toggle(shown_ordering(params), field)
                ),
            )
            for field, label in LIST_COLUMNS
        ],
        "statuses": list(LeadStatus.objects.all()),
        "sources": list(LeadSource.objects.all()),
        "users": list(assignable_users()),
        "teams": list(Team.objects.all()),
        "filters": request.GET,
        # On a phone the filters start folded, unless one of them (beyond the search) is set.
        "filters_set": any(
            value and key not in ("q", "page", "page_size", "ordering")
            for key, value in request.GET.items()
        ),
        "saved_filters": saved_filters(actor=request.user, record_type="lead"),
        # The bulk delete asks with the count ticked; one question per possible count, so
        # each comes with its language's plural form (the browser only picks one).
        "delete_questions": [
            ngettext("Delete %(n)d lead?", "Delete %(n)d leads?", n) % {"n": n}
            for n in range(1, len(leads) + 1)
        ],
    }
    partial = request.htmx and not request.htmx.boosted
    template = "leads/_table.html" if partial else "leads/list.html"
    return render(request, template, context)


def _toggle(current: str, field: str | None) -> str | None:
    if field is None:
        return None
    return f"-{field}" if current == field else field


def lead_create(request: HttpRequest) -> HttpResponse:
    # A new lead is the typist's, in the first open status, unless they choose otherwise.
    status = services.default_status()
    initial = {"owner_id": request.user.pk, "status_id": status.pk if status else None}
    form = RecordForm(request.POST or None, record_type="lead", initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = create_from_page(
                actor=request.user,
                record_type="lead",
                data=form.to_data(),
                create=services.lead_create,
                update=services.lead_update,
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            warn(request, form, saved.warnings, saved.duplicates)
            messages.success(request, _("Lead %(name)s saved.") % {"name": saved.obj.display_name})
            if "save_and_new" in request.POST:
                return redirect("leads:create")
            return redirect("leads:detail", saved.obj.pk)
    return render(request, "leads/form.html", {"form": form, "lead": None})


def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lead = record_get(actor=request.user, record_type="lead", pk=pk)
    try:
        outcome = edit_form(
            request,
            record_type="lead",
            obj=lead,
            save=lambda *, data, version: services.lead_update(
                actor=request.user, pk=pk, data=data, version=version
            ),
            passthrough=("plan_required",),
        )
    except DomainError:  # a converted status: the conversion wizard asks for the plan
        url = reverse("leads:convert", args=[pk])
        return redirect(f"{url}?status_id={request.POST.get('status_id')}")
    if outcome.saved is not None:
        warn(request, outcome.form, outcome.saved.warnings)
        messages.success(request, _("Lead saved."))
        return redirect("leads:detail", pk)
    return render(
        request, "leads/form.html", {"form": outcome.form, "lead": lead, **outcome.context}
    )


def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = record_get(actor=request.user, record_type="lead", pk=pk)
    return render(
        request,
        "leads/detail.html",
        {
            **agenda_context(request, "lead", lead),
            "lead": lead,
            "statuses": list(LeadStatus.objects.all()),
            "generated": generated_records(request.user, lead),
            "custom": custom_values("lead", lead),
            "duplicates": find_matches(
                actor=request.user,
                record_type="lead",
                values=values_of(lead),
                exclude=("lead", lead.pk),
            ),
        },
    )


def generated_records(actor, lead) -> list:
    """The records the lead was converted into, by name with links, one query per type."""
    pairs = [(link["record_type"], link["id"]) for link in converted_records([lead.pk])[lead.pk]]
    refs = record_refs(actor, pairs, deleted_too=True)
    return [refs[pair] for pair in pairs if pair in refs]


@require_POST
def lead_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the status from the list badge or the card (htmx), through the one service."""
    status_id = None
    try:
        status_id = single_value(request.POST, "status_id")
        lead = services.lead_change_status(actor=request.user, pk=pk, status_id=status_id)
    except DomainError as exc:
        if exc.code == "plan_required":
            url = reverse("leads:convert", args=[pk]) + f"?status_id={status_id}"
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
        if request.htmx:
            return HttpResponse(exc.detail, status=exc.status)
        messages.error(request, exc.detail)
        return redirect("leads:detail", pk)
    if request.htmx:
        return render(
            request,
            "leads/_status_badge.html",
            {
                "lead": lead,
                "statuses": list(LeadStatus.objects.all()),
            },
        )
    return redirect("leads:detail", pk)


@require_POST
def lead_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        lead = services.lead_delete(actor=request.user, pk=pk).obj
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("leads:detail", pk)
    messages.success(request, _("Lead %(name)s deleted.") % {"name": lead.display_name})
    # From the list's row menu: back to the same filters and page.
    return redirect(safe_next(request, reverse("leads:list")))


MASS_ACTIONS = ("task", "status", "assign", "delete", "convert", "merge")


@require_POST
def lead_mass(request: HttpRequest) -> HttpResponse:
    """One action on every selected lead, each through its service; report per lead."""
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    action = request.POST.get("action")
    if not ids or action not in MASS_ACTIONS:
        messages.error(request, _("Select leads and an action."))
        return redirect(safe_next(request, reverse("leads:list")))
    try:
        choice = _mass_choice(request.POST, action)
    except DomainError as exc:
        messages.error(request, exc.errors[0].message if exc.errors else exc.detail)
        return redirect(safe_next(request, reverse("leads:list")))
    if action == "merge":
        query = "&".join(f"ids={i}" for i in ids)
        return redirect(reverse("duplicates:compare") + f"?record_type=lead&{query}")
    done, failed = 0, []
    if action == "convert":
        results = leads_convert_bulk(actor=request.user, lead_ids=ids, plan_data={})
        done = sum(1 for r in results if r["ok"])
        failed = [f"#{r['lead_id']}: {r['errors']['detail']}" for r in results if not r["ok"]]
    else:
        for lead_id in ids:
            try:
                if action == "task":
                    task = {
                        "type": "task",
                        "subject": choice["subject"],
                        "body": request.POST.get("body", ""),
                        "due_at": _due(request.POST.get("due_at")),
                    }
                    if _int(request.POST.get("task_owner_id")):
                        task["owner_id"] = _int(request.POST.get("task_owner_id"))
                    activity_create(
                        actor=request.user, record_type="lead", record_id=lead_id, data=task
                    )
                elif action == "status":
                    services.lead_change_status(
                        actor=request.user,
                        pk=lead_id,
                        status_id=choice["status_id"],
                    )
                elif action == "assign":
                    data = {}
                    if request.POST.get("owner_id"):
                        data["owner_id"] = _int(request.POST.get("owner_id"))
                    if request.POST.get("team_id"):
                        data["team_id"] = _int(request.POST.get("team_id"))
                    services.lead_update(actor=request.user, pk=lead_id, data=data)
                elif action == "delete":
                    services.lead_delete(actor=request.user, pk=lead_id)
                done += 1
            except DomainError as exc:
                detail = exc.errors[0].message if exc.errors else exc.detail
                failed.append(f"#{lead_id}: {detail}")
    if done:
        messages.success(
            request, ngettext("Done for %(n)d lead.", "Done for %(n)d leads.", done) % {"n": done}
        )
    for line in failed[:20]:
        messages.error(request, line)
    return redirect(safe_next(request, reverse("leads:list")))


def _mass_choice(data, action: str) -> dict:
    """The toolbar's values, each exactly as chosen; what the action needs must be there."""
    subject = single_value(data, "subject").strip()
    if action == "task" and not subject:
        raise field_error("subject", _("Enter the subject of the task."), code="required")
    status_id = _int(single_value(data, "status_id"))
    if action == "status" and status_id is None:
        raise field_error("status_id", _("Choose the new status."), code="required")
    return {"subject": subject, "status_id": status_id}


def _due(value: str | None):
    moment = _moment(value)
    if moment is None:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@require_POST
def lead_filter_save(request: HttpRequest) -> HttpResponse:
    """Save the list's current filters under a name (the list's "saved filters")."""
    try:
        saved_filter_save(
            actor=request.user,
            record_type="lead",
            name=request.POST.get("name", ""),
            query=request.POST.dict(),
        )
    except DomainError as exc:
        messages.error(request, exc.errors[0].message if exc.errors else exc.detail)
    else:
        messages.success(request, _("Filter saved."))
    query = query_without(request.POST, "csrfmiddlewaretoken", "name")
    url = reverse("leads:list") + (f"?{query}" if query else "")
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_POST
def lead_filter_delete(request: HttpRequest, filter_id: int) -> HttpResponse:
    try:
        saved_filter_delete(actor=request.user, filter_id=filter_id)
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("leads:list")
