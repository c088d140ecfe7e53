from django import template

from leadbridge.leads.presentation import next_activity_html

register = template.Library()


@register.filter
def next_activity(lead):
    """A lead's next activity as the board card shows it (leads.presentation)."""
    return next_activity_html(lead)
