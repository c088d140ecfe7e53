"""Who the people lists offer: one query for everywhere a record, a task or a turn is given
to someone."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import User


def assignable_users(*, team_id: int | None = None) -> QuerySet[User]:
    """The people records and tasks can be given to: active accounts that are not system
    actors (the identities web forms and automations act as); with `team_id`, that team's
    members only. Unordered: each list orders as it shows them."""
    users = User.objects.filter(is_active=True, is_system=False)
    if team_id is not None:
        users = users.filter(teams=team_id)
    return users
