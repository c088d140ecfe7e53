"""Web form submissions and form settings: the public endpoint's business logic."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.template import Context, Engine
from django.utils import translation
from django.utils.translation import gettext as _

from leadbridge.automation.services import assign_by_rules, check_refs, round_robin
from leadbridge.core.errors import Collector, DomainError, field_error
from leadbridge.core.forms import LABELS
from leadbridge.core.specs import SPECS
from leadbridge.customfields.services import definitions
from leadbridge.duplicates.intake import create_checked
from leadbridge.duplicates.policy import WEBFORM, parse
from leadbridge.leads.intake import DEAL, becomes, capture_deal, check_pipeline
from leadbridge.leads.services import lead_create, lead_update
from leadbridge.mail.notices import notify_new_deal, notify_new_lead
from leadbridge.mail.services import email_send
from leadbridge.people import access
from leadbridge.people.services import system_actor
from leadbridge.privacy.services import consent_record

from .models import WebForm, WebFormSubmission

# Lead fields a public form may show; placement and lists stay the form's settings.
PUBLIC_FIELDS = tuple(
    n
    for n in SPECS["lead"].names
    if n not in ("owner_id", "team_id", "status_id", "source_id", "tags", "expected_value")
)
MAX_VALUE = 10_000  # characters in one submitted value
# A lead's custom field shows on a form as `cf_<key>` (the lists' filters name them alike).
CUSTOM_PREFIX = "cf_"


def custom_field_definitions() -> dict[str, Any]:
    """The lead's custom fields a form may show, by their form name (`cf_<key>`)."""

    return {CUSTOM_PREFIX + d.key: d for d in definitions("lead")}


def available_fields() -> list[tuple[str, str]]:
    """(name, label) of every field a form may show: built-in ones, then custom ones."""

    built_in = [(name, str(LABELS.get(name, name))) for name in PUBLIC_FIELDS]
    return built_in + [(name, d.label) for name, d in custom_field_definitions().items()]


def actor_for(form: WebForm) -> Any:

    return system_actor(f"webform:{form.key}")


def _placement(form: WebForm, values: dict) -> dict:

    if form.owner_id:
        return {"owner_id": form.owner_id, **({"team_id": form.team_id} if form.team_id else {})}
    if form.team_id:
        owner = round_robin(form.team_id, key=f"webform:{form.pk}")
        return {"team_id": form.team_id, **({"owner_id": owner} if owner else {})}
    return assign_by_rules(values, channel="webform")


def clean_submission(form: WebForm, raw: dict) -> dict:
    """The form's fields from what was posted; checks required fields and consent.
    Other keys are ignored (pages post their buttons and trackers along)."""
    out = Collector()
    values: dict[str, Any] = {}
    custom = (
        custom_field_definitions() if any(n.startswith(CUSTOM_PREFIX) for n in form.fields) else {}
    )
    for name in form.fields:
        if (name not in PUBLIC_FIELDS and name not in custom) or name not in raw:
            continue
        value = raw[name]
        if isinstance(value, list | dict):
            out.add(name, _("Send one value."))
            continue
        text = "" if value is None else str(value).strip()
        if len(text) > MAX_VALUE:
            out.add(name, _("This value is too long."))
        elif text:
            values[name] = text
    for name in form.required_fields:
        if name in form.fields and not values.get(name):
            out.add(name, _("This field is required."))
    if form.consent_text and str(raw.get("consent", "")).lower() not in ("1", "true", "on", "yes"):
        out.add("consent", _("Please give your consent to continue."))
    out.raise_if_any()
    return values


def _submission_data(form: WebForm, values: dict) -> dict:
    """The submitted values as lead-shaped data, with the form's source, status and
    placement."""
    data = {k: v for k, v in values.items() if not k.startswith(CUSTOM_PREFIX)}
    custom = {k[len(CUSTOM_PREFIX) :]: v for k, v in values.items() if k.startswith(CUSTOM_PREFIX)}
    if custom:
        data["custom_fields"] = custom
    if form.source_id:
        data["source_id"] = form.source_id
    if form.status_id:
        data["status_id"] = form.status_id
    data.update(_placement(form, data))
    return data


def _form_source(form: WebForm) -> str:
    """Where a submission came from, as a link's note names it."""
    return _("web form %(name)s") % {"name": form.name}


def _public_errors(exc: DomainError) -> None:
    """Never echo what matched; field errors are about the submitted values only, named as
    the form names them (a custom field's error is at `cf_<key>`, a client's name at
    `company_name`)."""
    exc.extra = {}
    for error in exc.errors:
        if error.field.startswith("custom_fields."):
            error.field = CUSTOM_PREFIX + error.field[len("custom_fields.") :]
        elif error.field == "name":
            error.field = "company_name"


def webform_submit(*, form: WebForm, raw: dict, actor: Any = None) -> dict:
    """Make a lead (or act on an existing one) from a submission; answers the public body.
    With "Use leads" off: a contact (and client) and a deal instead (leads/intake.py).

    Runs inside the caller's transaction (the idempotency store's), so the records, the
    autoresponder's task and the stored answer commit together.
    """
    values = clean_submission(form, raw)
    data = _submission_data(form, values)
    actor = actor or actor_for(form)
    if becomes() == DEAL:
        return _submit_as_deal(form, values, data, actor)

    with transaction.atomic(savepoint=False):  # all or nothing with the caller's write
        try:
            intake = create_checked(
                actor=actor,
                record_type="lead",
                data=data,
                on_duplicate=form.on_duplicate,
                allowed=WEBFORM,
                source=_form_source(form),
                # All or nothing with the caller's transaction: no savepoint of its own.
                create=lambda *, actor, data: lead_create(actor=actor, data=data, savepoint=False),
                update=lead_update,
                reveal=False,
            )
        except DomainError as exc:
            _public_errors(exc)
            raise
        WebFormSubmission.objects.create(form=form, lead_id=intake.obj.pk, outcome=intake.outcome)
        if intake.outcome == "created":
            notify_new_lead(actor=actor, lead=intake.obj, form_name=form.name)
        if form.consent_text:
            # `clean_submission` refused a submission without it: the box was ticked. Kept
            # with the lead the submission reached (a new one or the matched one), with the
            # exact text shown and the form it was shown on.
            consent_record(
                record_type="lead",
                record_id=intake.obj.pk,
                text=form.consent_text,
                source=f"webform:{form.key}",
            )
        if values.get("email") and form.autoresponder_subject:
            send_autoresponder(
                form=form, lead=intake.obj, to=values["email"], values=values, actor=actor
            )
    return public_answer(form)


def _submit_as_deal(form: WebForm, values: dict, data: dict, actor: Any) -> dict:
    """The submission with leads off: a contact (and client) and a deal in the form's
    pipeline; consent and the autoresponder go with the contact, the notice with the deal."""

    data.pop("status_id", None)  # a lead status: nothing to set on a contact or deal
    with transaction.atomic(savepoint=False):
        try:
            captured = capture_deal(
                actor=actor,
                data=data,
                on_duplicate=form.on_duplicate,
                allowed=WEBFORM,
                source=_form_source(form),
                pipeline_id=form.pipeline_id,
                origin=form.name,
                reveal=False,
            )
        except DomainError as exc:
            _public_errors(exc)
            raise
        deal_id = captured.deal.pk if captured.deal is not None else None
        WebFormSubmission.objects.create(form=form, deal_id=deal_id, outcome=captured.outcome)
        if captured.deal is not None:
            notify_new_deal(actor=actor, deal=captured.deal, form_name=form.name)
        record_type, record = captured.record
        if form.consent_text:
            consent_record(
                record_type=record_type,
                record_id=record.pk,
                text=form.consent_text,
                source=f"webform:{form.key}",
            )
        if values.get("email") and form.autoresponder_subject:
            send_autoresponder(
                form=form,
                lead=record,
                to=values["email"],
                values=values,
                actor=actor,
                record_type=record_type,
            )
    return public_answer(form)


def public_answer(form: WebForm) -> dict:
    """The same answer whatever happened: the public must not learn that a record exists."""
    return {"ok": True, "message": thank_you(form)}


def thank_you(form: WebForm) -> str:
    if form.thank_you_message:
        return form.thank_you_message
    with translation.override(form.language or "en"):
        return str(translation.gettext("Thank you, we will be in touch soon."))


_ENGINE = Engine(autoescape=False)  # plain-text e-mail: no HTML escaping


def render_autoresponder(form: WebForm, values: dict) -> tuple[str, str]:
    """Subject and body with the submitted lead fields ({{ first_name }}, …).

    Plain text, so not HTML-escaped: a `Context` escapes by default whatever the engine says
    ("O'Brien & Co" came out as "O&#x27;Brien &amp; Co"). An HTML part, should one be added,
    must be rendered with its own escaping context."""
    context = Context({name: values.get(name, "") for name in PUBLIC_FIELDS}, autoescape=False)
    with translation.override(form.language or "en"):
        subject = _ENGINE.from_string(form.autoresponder_subject).render(context)
        body = _ENGINE.from_string(form.autoresponder_body).render(context)
    return " ".join(subject.split())[:255], body


def send_autoresponder(
    *,
    form: WebForm,
    lead: Any,
    to: str,
    values: dict,
    actor: Any = None,
    record_type: str = "lead",
) -> None:

    subject, body = render_autoresponder(form, values)
    email_send(
        actor=actor or actor_for(form),
        record_type=record_type,
        record_id=lead.pk,
        to=to,
        subject=subject,
        body=body,
    )


FORM_ATTRS = (
    "name",
    "language",
    "fields",
    "required_fields",
    "consent_text",
    "source_id",
    "status_id",
    "owner_id",
    "team_id",
    "pipeline_id",
    "allowed_origins",
    "thank_you_message",
    "redirect_url",
    "autoresponder_subject",
    "autoresponder_body",
    "on_duplicate",
    "min_fill_seconds",
    "active",
)


def webform_save(*, actor: Any, data: dict, form: WebForm | None = None) -> WebForm:

    access.require_admin(actor)
    check_refs(data)
    refs = Collector()
    check_pipeline(data.get("pipeline_id"), refs)
    refs.raise_if_any()
    form = form or WebForm()
    for name in FORM_ATTRS:
        if name in data and data[name] is not None:
            setattr(form, name, data[name])
    if not (form.name or "").strip():
        raise field_error("name", _("This field is required."))
    allowed = [name for name, _label in available_fields()]
    bad = [f for f in form.fields if f not in allowed]
    if bad or not form.fields:
        raise field_error(
            "fields", _("Choose fields from: %(fields)s.") % {"fields": ", ".join(allowed)}
        )
    form.required_fields = [f for f in form.required_fields if f in form.fields]
    form.on_duplicate = parse(form.on_duplicate, allowed=WEBFORM).value
    origins = [str(o).strip().rstrip("/") for o in form.allowed_origins or [] if str(o).strip()]
    if any(not o.startswith(("http://", "https://")) for o in origins):
        raise field_error("allowed_origins", _("Give origins as https://example.com."))
    form.allowed_origins = origins
    for name in ("autoresponder_subject", "autoresponder_body"):
        try:
            _ENGINE.from_string(getattr(form, name))
        except Exception as exc:  # a template syntax error, shown at the field
            raise field_error(name, _("Not a valid template: %(exc)s") % {"exc": exc})
    with transaction.atomic():
        form.save()
    return form
