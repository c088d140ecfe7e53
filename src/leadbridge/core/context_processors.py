from leadbridge.leads.switch import leads_on
from leadbridge.people.access import is_admin


def leadbridge(request):
    user = getattr(request, "user", None)
    return {
        "is_admin": bool(user and user.is_authenticated and is_admin(user)),
        # Called by the template only where it asks (the menu): pages without it pay nothing.
        "leads_enabled": lambda: leads_on(request),
    }
