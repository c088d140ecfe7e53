"""The fields a web form shows, described once for the hosted page and the embed snippet."""

from __future__ import annotations

from leadbridge.leads.models import Lead

from .models import WebForm
from .services import CUSTOM_PREFIX, PUBLIC_FIELDS, custom_field_definitions


def form_fields(form: WebForm, values: dict, errors: dict) -> list[dict]:
    """What each field of a form shows: label, widget (input, textarea, select, checkbox),
    input type, choices, the value typed and its error."""

    custom = (
        custom_field_definitions() if any(n.startswith(CUSTOM_PREFIX) for n in form.fields) else {}
    )
    out = []
    for name in form.fields:
        field = {
            "name": name,
            "required": name in form.required_fields,
            "value": str(values.get(name) or ""),
            "error": errors.get(name, ""),
            "widget": "input",
            "type": "text",
        }
        if name in PUBLIC_FIELDS:
            field["label"] = str(Lead._meta.get_field(name).verbose_name).capitalize()
            field["type"] = {
                "email": "email",
                "phone": "tel",
                "mobile": "tel",
                "website": "url",
            }.get(name, "text")
            if name == "description":
                field["widget"] = "textarea"
        elif name in custom:
            definition = custom[name]
            field["label"] = definition.label
            if definition.type == "date":
                field["type"] = "date"
            elif definition.type == "number":
                field["inputmode"] = "decimal"
            elif definition.type == "choice":
                field["widget"], field["choices"] = "select", definition.choices
            elif definition.type == "boolean":
                field["widget"] = "checkbox"
        else:
            continue  # a field deleted since the form was saved
        out.append(field)
    return out
