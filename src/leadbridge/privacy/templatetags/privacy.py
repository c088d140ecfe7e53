"""`{% privacy_actions "lead" lead %}`: the export and erase buttons, for the `privacy` right."""

from django import template

from leadbridge.people import access

register = template.Library()


@register.inclusion_tag("privacy/_actions.html", takes_context=True)
def privacy_actions(context, record_type, obj):
    user = context["request"].user
    is_person = record_type in ("lead", "contact") or getattr(obj, "kind", "") == "person"
    allowed = is_person and access.has_right(user, record_type, "privacy")
    return {"allowed": allowed, "record_type": record_type, "obj": obj}
