"""Query-string helpers for templates."""

from django import template
from django.http import QueryDict
from django.utils.http import urlencode

register = template.Library()


@register.filter
def filled_query(query: QueryDict) -> str:
    """The query string without empty values: a filter form sends every field, and the API
    reads `status_id=` as a number that is not one (app.js does the same for htmx)."""
    return urlencode([(k, v) for k, values in query.lists() for v in values if v != ""])
