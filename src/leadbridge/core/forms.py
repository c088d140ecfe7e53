"""Forms for the main records, built from the record specs.

The form only parses what the browser sends; the services validate (the same rules as the
API), and their field errors are put back at the fields (`core.web.add_domain_errors`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from leadbridge.core.labels import choice_label
from leadbridge.customfields.models import CustomFieldDefinition, RequiredField
from leadbridge.people.selectors import assignable_users

from .choices import country_choices, currency_choices
from .specs import SPECS, FieldSpec

LABELS = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "job_title": _("Job title"),
    "company_name": _("Company name"),
    "registration_number": _("Registration number"),
    "vat_id": _("VAT id"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "mobile": _("Mobile"),
    "other_emails": _("Other e-mails"),
    "other_phones": _("Other phones"),
    "website": _("Website"),
    "street": _("Street"),
    "street2": _("Street 2"),
    "city": _("City"),
    "postcode": _("Postcode"),
    "region": _("Region"),
    "country": _("Country"),
    "source_id": _("Source"),
    "status_id": _("Status"),
    "owner_id": _("Owner"),
    "team_id": _("Sales team"),
    "expected_value": _("Expected value"),
    "currency": _("Currency"),
    "description": _("Notes"),
    "tags": _("Tags"),
    "kind": _("Kind"),
    "name": _("Name"),
    "client_id": _("Client"),
    "lead_id": _("Lead"),
    "title": _("Title"),
    "pipeline_id": _("Pipeline"),
    "stage_id": _("Stage"),
    "value": _("Value"),
    "expected_close_date": _("Expected close date"),
    "contact_id": _("Contact person"),
    "source_lead_id": _("From lead"),
}
# Always required by the product's own rules (the services enforce them).
ALWAYS_REQUIRED = {"client": {"name"}, "deal": {"title"}}
# Reference lists small enough for a select.
SELECT_REFS = {
    "leads.LeadSource": lambda m: m.objects.filter(active=True),
    "leads.LeadStatus": lambda m: m.objects.all(),
    "people.User": lambda m: assignable_users(),
    "people.Team": lambda m: m.objects.all(),
    "deals.Pipeline": lambda m: m.objects.all(),
    "deals.Stage": lambda m: m.objects.select_related("pipeline"),
}
WIDE = {"description", "other_emails", "other_phones"}
HIDDEN_ON_FORM = {"source_lead_id", "lead_id"}


def _label(obj: Any) -> str:
    return getattr(obj, "display_name", None) or str(obj)


def split_list(kind: str, raw: str | None) -> list[str]:
    """A list field's text as the forms read it: tags separated by commas, e-mails and phones
    one per line (an e-mail address may not hold a comma, but a line is what the field asks)."""
    if kind == "tags":
        return [t.strip() for t in (raw or "").split(",") if t.strip()]
    return [line.strip() for line in (raw or "").splitlines() if line.strip()]


def join_list(kind: str, values: list | None) -> str:
    """A list field's values as its input shows them (the inverse of `split_list`)."""
    return (", " if kind == "tags" else "\n").join(str(v) for v in values or [])


def field_for(spec: FieldSpec) -> forms.Field:
    """The form field (and so the widget) of a record field, by its kind: the record forms
    and the conversion wizard's inputs both come from here."""
    label = LABELS.get(spec.name, spec.name)
    kind = spec.kind
    if kind == "longtext":
        return forms.CharField(label=label, required=False, widget=forms.Textarea)
    if kind in ("emails", "phones"):
        return forms.CharField(
            label=label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("One per line."),
        )
    if kind == "tags":
        return forms.CharField(label=label, required=False, help_text=_("Separated by commas."))
    if kind == "decimal":
        return forms.DecimalField(label=label, required=False, max_digits=14, decimal_places=2)
    if kind == "date":
        return forms.DateField(
            label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
    if kind == "choice":
        return forms.ChoiceField(
            label=label, required=False, choices=[(c, choice_label(c)) for c in spec.choices]
        )
    if kind in ("country", "currency"):
        # Picked by name in the reader's language; the ISO code is what is stored.

        options = country_choices() if kind == "country" else currency_choices()
        return forms.ChoiceField(
            label=label,
            required=False,
            choices=[("", "—"), *options],
            widget=forms.Select(attrs={"data-names": "cldr"}),
        )
    if kind == "ref":
        if spec.ref in SELECT_REFS:
            model = apps.get_model(spec.ref)
            choices = [("", "—")] + [(o.pk, _label(o)) for o in SELECT_REFS[spec.ref](model)]
            return forms.TypedChoiceField(
                label=label, required=False, choices=choices, coerce=int, empty_value=None
            )
        return forms.IntegerField(
            label=label,
            required=False,
            min_value=1,
            widget=forms.NumberInput(attrs={"placeholder": pgettext_lazy("placeholder", "id")}),
        )
    # Plain text inputs: the services validate e-mails and URLs (the same rules as the API);
    # the browser's own checks would hide our message at the field.
    attrs: dict[str, Any] = {"maxlength": spec.max_length} if spec.max_length else {}
    if kind == "email":
        attrs["inputmode"] = "email"
    widget_type = forms.TextInput
    return forms.CharField(label=label, required=False, widget=widget_type(attrs=attrs), strip=True)


def custom_field_for(definition: CustomFieldDefinition) -> forms.Field:
    """The form field of a custom field, by its type (see `field_for`)."""
    label = definition.label
    kind = definition.type
    if kind == "number":
        return forms.DecimalField(label=label, required=False)
    if kind == "date":
        return forms.DateField(
            label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
    if kind == "boolean":
        return forms.TypedChoiceField(
            label=label,
            required=False,
            empty_value=None,
            choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))],
            coerce=lambda v: v == "true",
        )
    if kind == "choice":
        return forms.ChoiceField(
            label=label, required=False, choices=[("", "—")] + [(c, c) for c in definition.choices]
        )
    return forms.CharField(label=label, required=False)


class RecordForm(forms.Form):
    """A form for one record type; `to_data()` gives the service its contract-named dict."""

    record_type = ""

    def __init__(self, *args: Any, record_type: str, instance: Any = None, **kwargs: Any):
        self.record_type = record_type
        self.instance = instance
        self.spec = SPECS[record_type]
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from(instance, record_type)
        super().__init__(*args, **kwargs)
        required = set(
            RequiredField.objects.filter(record_type=record_type).values_list("field", flat=True)
        ) | ALWAYS_REQUIRED.get(record_type, set())
        self.marked_required: set[str] = set()
        for spec in self.spec.fields:
            if spec.name in HIDDEN_ON_FORM:
                continue
            self.fields[spec.name] = field_for(spec)
            if spec.name in required:
                self.marked_required.add(spec.name)
        for spec in self.spec.fields:
            field = self.fields.get(spec.name)
            if spec.kind in ("country", "currency") and isinstance(field, forms.ChoiceField):
                # A stored code the list does not offer (an old currency) stays choosable.
                current = self.initial.get(spec.name) or (self.data.get(spec.name) or "")
                if current and current not in {code for code, _shown in field.choices}:
                    field.choices = [*field.choices, (current, current)]
        self.custom_defs = list(CustomFieldDefinition.objects.filter(record_type=record_type))
        for definition in self.custom_defs:
            name = f"cf_{definition.key}"
            self.fields[name] = custom_field_for(definition)
            if definition.required:
                self.marked_required.add(name)
        for name in self.marked_required:
            # The * is drawn by CSS; assistive technology hears it from the attribute.
            self.fields[name].widget.attrs["aria-required"] = "true"

    def rows(self):
        """(bound field, wide, required) for the template."""
        for name in self.fields:
            yield self[name], name in WIDE, name in self.marked_required

    def to_data(self) -> dict:
        data: dict[str, Any] = {}
        cleaned = self.cleaned_data
        for spec in self.spec.fields:
            if spec.name not in cleaned:
                continue
            value = cleaned[spec.name]
            if spec.kind in ("emails", "phones", "tags"):
                value = split_list(spec.kind, value)
            elif spec.kind == "choice" and not value:
                continue
            data[spec.name] = value
        custom: dict[str, Any] = {}
        for definition in self.custom_defs:
            value = cleaned.get(f"cf_{definition.key}")
            if isinstance(value, Decimal):
                value = str(value)
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            custom[definition.key] = value if value not in ("",) else None
        if custom:
            data["custom_fields"] = custom
        return data


def initial_from(obj: Any, record_type: str) -> dict:
    initial: dict[str, Any] = {}
    for spec in SPECS[record_type].fields:
        value = getattr(obj, spec.attr, None)
        if spec.kind in ("emails", "phones", "tags"):
            value = join_list(spec.kind, value)
        initial[spec.name] = value
    for key, value in (obj.custom_fields or {}).items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        initial[f"cf_{key}"] = value
    return initial
