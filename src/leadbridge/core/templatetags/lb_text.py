"""Text helpers for templates."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def email_wrap(value: str | None) -> SafeString:
    """An e-mail address that a narrow column breaks after its "@" (escaped, with `<wbr>`),
    rather than in the middle of a word."""
    local, at, domain = (value or "").partition("@")
    if not at:
        return mark_safe(escape(local))  # noqa: S308 - escaped just here
    return mark_safe(f"{escape(local)}@<wbr>{escape(domain)}")  # noqa: S308 - escaped parts
