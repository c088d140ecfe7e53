"""The one place that decides who may see and change which records.

A role grants, per record type, a set of rights and one scope: own (records the user owns),
team (records of one of the user's teams, and the user's own) or all. Superusers and system
actors (web forms, imports, scheduled rules) have every right on everything. Activities,
attachments and history take the access of the record they are linked to.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from leadbridge.core import labels
from leadbridge.core.errors import Forbidden, NotFound

from .models import RIGHTS

ALL_RIGHTS = frozenset(RIGHTS)


def _is_unrestricted(user: Any) -> bool:
    return bool(
        getattr(user, "is_superuser", False)
        or getattr(user, "is_system", False)
        or (getattr(user, "role", None) is not None and user.role.is_admin)
    )


def grant(user: Any, record_type: str) -> tuple[str | None, frozenset[str]]:
    """(scope, rights) the user has on a record type; (None, empty) for nothing."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None, frozenset()
    if _is_unrestricted(user):
        return "all", ALL_RIGHTS
    role = getattr(user, "role", None)
    if role is None:
        return None, frozenset()
    entry = (role.permissions or {}).get(record_type) or {}
    rights = frozenset(entry.get("rights") or ()) & ALL_RIGHTS
    scope = entry.get("scope") if rights else None
    return scope, rights


def has_right(user: Any, record_type: str, right: str) -> bool:
    return right in grant(user, record_type)[1]


def team_ids(user: Any) -> list[int]:
    cached = getattr(user, "_leadbridge_team_ids", None)
    if cached is None:
        cached = list(user.teams.values_list("id", flat=True))
        user._leadbridge_team_ids = cached
    return cached


def scope_q(user: Any, record_type: str, right: str = "view") -> Q | None:
    """A filter for the records the user may exercise `right` on; None means none at all."""
    scope, rights = grant(user, record_type)
    if right not in rights:
        return None
    if scope == "all":
        return Q()
    if scope == "team":
        return Q(owner_id=user.pk) | Q(team_id__in=team_ids(user))
    if scope == "own":
        return Q(owner_id=user.pk)
    return None


def restrict(qs: QuerySet, user: Any, record_type: str, right: str = "view") -> QuerySet:
    q = scope_q(user, record_type, right)
    return qs.none() if q is None else qs.filter(q)


def in_scope(user: Any, record_type: str, right: str, *, owner_id: Any, team_id: Any) -> bool:
    scope, rights = grant(user, record_type)
    if right not in rights:
        return False
    if scope == "all":
        return True
    if owner_id is not None and owner_id == user.pk:
        return True
    return scope == "team" and team_id is not None and team_id in team_ids(user)


def check(user: Any, record_type: str, right: str, obj: Any = None) -> None:
    """Raise unless the user may exercise `right` on `obj` (or on the type, for obj=None).

    A record the user cannot even view answers 404, so its existence is not revealed.
    """
    if obj is None:
        if not has_right(user, record_type, right):
            raise Forbidden(
                _("You may not %(right)s records of type %(record_type)s.")
                % {"right": labels.right(right), "record_type": labels.record_type(record_type)}
            )
        return
    fields = {"owner_id": obj.owner_id, "team_id": obj.team_id}
    if not in_scope(user, record_type, "view", **fields):
        raise NotFound(
            _("No %(record_type)s with id %(obj_pk)s.")
            % {"record_type": labels.record_type(record_type), "obj_pk": obj.pk}
        )
    if right != "view" and not in_scope(user, record_type, right, **fields):
        raise Forbidden(
            _("You may not %(right)s this %(record_type)s.")
            % {"right": labels.right(right), "record_type": labels.record_type(record_type)}
        )


def check_placement(user: Any, record_type: str, right: str, *, owner_id: Any, team_id: Any):
    """A created or changed record must land where the user may still act on it."""
    if not in_scope(user, record_type, right, owner_id=owner_id, team_id=team_id):
        raise Forbidden(
            _("The owner and team would put this %(record_type)s outside what you may %(right)s.")
            % {"record_type": labels.record_type(record_type), "right": labels.right(right)},
            errors=[],
        )


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and _is_unrestricted(user))


def require_admin(user: Any) -> None:
    if not is_admin(user):
        raise Forbidden(_("Only administrators may do this."))
