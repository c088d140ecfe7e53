from leadbridge.people.access import is_admin


def leadbridge(request):
    user = getattr(request, "user", None)
    return {"is_admin": bool(user and user.is_authenticated and is_admin(user))}
