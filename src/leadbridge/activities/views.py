"""Related records on a card (tabs with "New …" in place) and the Tasks page."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from leadbridge.clients.services import contact_create
from leadbridge.core.errors import DomainError, NotFound
from leadbridge.core.names import record_refs
from leadbridge.core.registry import is_record_type
from leadbridge.core.selectors import base_queryset, record_get
from leadbridge.core.web import add_domain_errors
from leadbridge.mail.services import email_send
from leadbridge.people.access import team_ids
from leadbridge.people.models import User

from . import selectors, services
from .tabs import extra_tab, extra_tabs

TABS = [
    ("contacts", _("Contact persons")),
    ("deals", _("Deals")),
    ("task", _("Tasks")),
    ("files", _("Files")),
    ("reminder", _("Reminders")),
    ("note", _("Notes")),
    ("email", _("E-mails")),
    ("call", _("Calls and meetings")),
]
ACTIVITY_TABS = {
    "task": ("task",),
    "reminder": ("reminder",),
    "note": ("note",),
    "email": ("email",),
    "call": ("call", "meeting"),
}


class ActivityForm(forms.Form):
    type = forms.ChoiceField(
        choices=[(t, t) for t in ("task", "call", "email", "meeting", "note", "reminder")],
        widget=forms.HiddenInput,
    )
    subject = forms.CharField(label=_("Subject"), required=False, max_length=255)
    body = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_at = forms.DateTimeField(
        label=_("Due"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class EmailForm(forms.Form):
    """ "New e-mail" on a card: sent through SMTP by the worker (mail/services.py)."""

    type = forms.CharField(initial="email", widget=forms.HiddenInput)
    to = forms.CharField(label=_("To"), max_length=320)
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class ContactForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), required=False)
    last_name = forms.CharField(label=_("Last name"), required=False)
    job_title = forms.CharField(label=_("Job title"), required=False)
    email = forms.CharField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False)


class FileForm(forms.Form):
    file = forms.FileField(label=_("File"))


def _record(request: HttpRequest, record_type: str, pk: int):
    if not is_record_type(record_type):
        raise Http404
    try:
        return record_get(actor=request.user, record_type=record_type, pk=pk)
    except NotFound as exc:  # missing, deleted or out of the user's scope alike
        raise Http404(exc.detail) from None


def _tab_context(request: HttpRequest, record_type: str, record, tab: str, form=None) -> dict:
    context = {
        "record_type": record_type,
        "record": record,
        "tab": tab,
        "tabs": [*TABS, *((t.key, t.label) for t in extra_tabs(record_type))],
        "form": form,
        "form_kind": {"contacts": "contact", "files": "file"}.get(tab, tab),
    }
    added = extra_tab(tab, record_type)
    if added is not None:  # a tab another app registered (activities/tabs.py)
        context["form"] = None
        context["extra_template"] = added.template
        context.update(added.context(request, record_type, record))
    elif tab == "contacts":
        field = {"lead": "lead_id", "client": "client_id"}.get(record_type)
        qs = base_queryset(request.user, "contact")
        if record_type == "deal":
            ids = [record.contact_id] if record.contact_id else []
            qs = qs.filter(pk__in=ids)
        elif field:
            qs = qs.filter(**{field: record.pk})
        else:
            qs = qs.none()
        context["items"] = list(qs.select_related("client")[:200])
        context["form"] = form or (ContactForm() if field else None)
    elif tab == "deals":
        field = {"lead": "source_lead_id", "client": "client_id", "contact": "contact_id"}.get(
            record_type
        )
        qs = base_queryset(request.user, "deal")
        qs = qs.filter(**{field: record.pk}) if field else qs.none()
        context["items"] = list(qs.select_related("stage", "pipeline")[:200])
    elif tab == "files":
        context["items"] = list(
            selectors.attachment_list(
                actor=request.user, record_type=record_type, record_id=record.pk
            )[:200]
        )
        context["form"] = form or FileForm()
    else:
        types = ACTIVITY_TABS[tab]
        qs = selectors.activity_list(
            actor=request.user, record_type=record_type, record_id=record.pk
        ).filter(type__in=types)
        context["items"] = list(qs[:200])
        if tab == "email":
            context["form"] = form or EmailForm(initial={"to": getattr(record, "email", "")})
        else:
            context["form"] = form or ActivityForm(initial={"type": types[0]})
    return context


def related(request: HttpRequest, record_type: str, pk: int) -> HttpResponse:
    record = _record(request, record_type, pk)
    tab = request.GET.get("tab") or "task"
    if tab not in dict(TABS) and extra_tab(tab, record_type) is None:
        tab = "task"
    template = "activities/_related.html" if request.htmx else "activities/related_page.html"
    return render(request, template, _tab_context(request, record_type, record, tab))


@require_POST
def related_create(request: HttpRequest, record_type: str, pk: int, kind: str) -> HttpResponse:
    record = _record(request, record_type, pk)
    tab = (
        kind
        if kind in ACTIVITY_TABS
        else {"meeting": "call", "contact": "contacts", "file": "files"}.get(kind, "task")
    )
    form: forms.Form
    try:
        if kind == "contact":
            form = ContactForm(request.POST)
            if form.is_valid():
                link = {"lead": "lead_id", "client": "client_id"}.get(record_type)
                if link is None:
                    raise Http404
                contact_create(actor=request.user, data={**form.cleaned_data, link: record.pk})
                form = ContactForm()
        elif kind == "file":
            form = FileForm(request.POST, request.FILES)
            if form.is_valid():
                services.attachment_create(
                    actor=request.user,
                    record_type=record_type,
                    record_id=record.pk,
                    upload=form.cleaned_data["file"],
                )
                form = FileForm()
        elif kind == "email":
            form = EmailForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                email_send(
                    actor=request.user,
                    record_type=record_type,
                    record_id=record.pk,
                    to=data["to"],
                    subject=data["subject"],
                    body=data["body"],
                )
                form = EmailForm(initial={"to": data["to"]})
        else:
            form = ActivityForm(request.POST)
            if form.is_valid():
                services.activity_create(
                    actor=request.user,
                    record_type=record_type,
                    record_id=record.pk,
                    data=dict(form.cleaned_data),
                )
                form = ActivityForm(initial={"type": form.cleaned_data["type"]})
    except DomainError as exc:
        add_domain_errors(form, exc)
    context = _tab_context(request, record_type, record, tab, form=form)
    if not request.htmx:
        return redirect(f"{request.path.rsplit('/new/', 1)[0]}/?tab={tab}")
    return render(request, "activities/_related.html", context)


@require_POST
def activity_done(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        activity = services.activity_update(actor=request.user, pk=pk, data={"done": True}).obj
    except DomainError as exc:
        return HttpResponse(exc.detail, status=exc.status)
    if request.htmx:
        with_records(request.user, [activity])
        return render(request, "activities/_task_row.html", {"task": activity, "today": _today()})
    return redirect("activities:tasks")


COMPOSER_TYPES = [
    ("task", _("Task")),
    ("call", _("Call")),
    ("email", _("E-mail")),
    ("meeting", _("Meeting")),
    ("note", _("Note")),
]


class ComposerForm(forms.Form):
    """The card's composer: what to do and when (a note is a record of what happened)."""

    type = forms.ChoiceField(
        label=_("Type"), choices=COMPOSER_TYPES, initial="task", widget=forms.RadioSelect
    )
    subject = forms.CharField(label=_("Subject"), required=False, max_length=255)
    due_at = forms.DateTimeField(
        label=_("Due"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    body = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("type") == "note":
            if not (data.get("subject") or data.get("body")):
                self.add_error("body", _("Write the note."))
        elif not data.get("subject"):
            self.add_error("subject", _("Say what to do."))
        return data


def agenda_context(request: HttpRequest, record_type: str, record, form=None) -> dict:
    """The card's composer and the record's open activities, due first (undated last)."""
    qs = (
        selectors.activity_list(actor=request.user, record_type=record_type, record_id=record.pk)
        .filter(done=False)
        .exclude(type="note")
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )
    now = timezone.now()
    items = [(a, a.due_at is not None and a.due_at < now) for a in qs[:100]]
    return {
        "record_type": record_type,
        "record": record,
        "agenda_form": form or ComposerForm(),
        "open_activities": items,
    }


def _agenda(request: HttpRequest, record_type: str, record, form=None) -> HttpResponse:
    if not request.htmx:
        return redirect(record_url(record_type, record.pk))
    return render(
        request, "activities/_agenda.html", agenda_context(request, record_type, record, form)
    )


def record_url(record_type: str, pk: int) -> str:
    return reverse(f"{record_type}s:detail", args=[pk])


@require_POST
def agenda_create(request: HttpRequest, record_type: str, pk: int) -> HttpResponse:
    """The composer posted: one activity through the activity service, then the panel."""
    record = _record(request, record_type, pk)
    form = ComposerForm(request.POST)
    if form.is_valid():
        try:
            services.activity_create(
                actor=request.user,
                record_type=record_type,
                record_id=record.pk,
                data=dict(form.cleaned_data),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            form = ComposerForm(initial={"type": form.cleaned_data["type"]})
    if not request.htmx and form.errors:
        # Without JavaScript: the card again, with the errors at their fields.
        return render(
            request,
            "activities/agenda_page.html",
            agenda_context(request, record_type, record, form),
        )
    return _agenda(request, record_type, record, form)


@require_POST
def agenda_done(request: HttpRequest, record_type: str, pk: int, activity_id: int) -> HttpResponse:
    """A task ticked on the card: marked done through the activity service, then the panel."""
    record = _record(request, record_type, pk)
    try:
        services.activity_update(actor=request.user, pk=activity_id, data={"done": True})
    except DomainError as exc:
        return HttpResponse(exc.detail, status=exc.status)
    return _agenda(request, record_type, record)


def download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = selectors.attachment_get(actor=request.user, attachment_id=pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


def with_records(actor, activities: list) -> list:
    """Each activity's linked records by name with a link ("Agro Šumava s.r.o."), looked up
    for all of them at once (one query per record type): `activity.records`."""

    links = {
        a.pk: [(link.record_type, link.record_id) for link in a.links.all()] for a in activities
    }
    refs = record_refs(actor, [pair for pairs in links.values() for pair in pairs])
    for activity in activities:
        activity.records = [refs[pair] for pair in links[activity.pk] if pair in refs]
    return activities


def _today() -> dt.date:
    return timezone.localdate()


def tasks(request: HttpRequest) -> HttpResponse:
    """My tasks or my teams' tasks: overdue, due today, upcoming, no due date."""

    scope = request.GET.get("scope", "mine")
    qs = selectors.activity_list(actor=request.user).filter(type="task", done=False)
    if scope == "team":
        members = User.objects.filter(teams__in=team_ids(request.user)).values("pk")
        qs = qs.filter(owner_id__in=members)
    else:
        scope = "mine"
        qs = qs.filter(owner_id=request.user.pk)
    today = _today()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    end = start + dt.timedelta(days=1)
    items = with_records(
        request.user, list(qs.order_by("due_at", "id").prefetch_related("links")[:500])
    )
    groups = [
        (_("Overdue"), [t for t in items if t.due_at and t.due_at < start]),
        (_("Due today"), [t for t in items if t.due_at and start <= t.due_at < end]),
        (_("Upcoming"), [t for t in items if t.due_at and t.due_at >= end]),
        (_("No due date"), [t for t in items if t.due_at is None]),
    ]
    return render(
        request, "activities/tasks.html", {"groups": groups, "scope": scope, "today": today}
    )
