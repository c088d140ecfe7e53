"""People API: who am I, users, teams, roles and my API tokens."""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema

from leadbridge.api.records import ERRORS
from leadbridge.api.schemas import Strict

from . import access, services
from .models import ApiToken, Role, Team, User
from .selectors import assignable_users

router = Router(tags=["People"])


class UserOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    role: str | None
    team_ids: list[int]
    is_active: bool


def user_out(user: User) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role.key if user.role else None,
        "team_ids": [t.pk for t in user.teams.all()],
        "is_active": user.is_active,
    }


class MeOut(UserOut):
    rights: dict[str, dict]


class TeamOut(Schema):
    id: int
    name: str


class RoleOut(Schema):
    id: int
    key: str
    name: str
    is_admin: bool
    permissions: dict


class TokenIn(Strict):
    name: str = Field(..., min_length=1, max_length=150)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret, shown only once")


@router.get("/me", response={200: MeOut, **ERRORS}, operation_id="me")
def me(request: HttpRequest):
    user = request.auth
    rights = {}
    for record_type in ("lead", "client", "contact", "deal"):
        scope, granted = access.grant(user, record_type)
        rights[record_type] = {"scope": scope, "rights": sorted(granted)}
    return 200, user_out(user) | {"rights": rights}


@router.get("/users", response={200: list[UserOut], **ERRORS}, operation_id="users_list")
def users(request: HttpRequest):
    qs = assignable_users().select_related("role")
    return 200, [user_out(u) for u in qs.prefetch_related("teams")]


@router.get("/teams", response={200: list[TeamOut], **ERRORS}, operation_id="teams_list")
def teams(request: HttpRequest):
    return 200, list(Team.objects.values("id", "name"))


@router.get("/roles", response={200: list[RoleOut], **ERRORS}, operation_id="roles_list")
def roles(request: HttpRequest):
    return 200, list(Role.objects.values("id", "key", "name", "is_admin", "permissions"))


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, operation_id="tokens_list")
def tokens(request: HttpRequest):
    qs = ApiToken.objects.filter(user=request.auth).order_by("-created_at")
    return 200, list(qs.values("id", "name", "prefix", "created_at", "last_used_at", "revoked_at"))


@router.post("/tokens", response={201: TokenCreated, **ERRORS}, operation_id="tokens_create")
def create_token(request: HttpRequest, payload: TokenIn):
    token, secret = services.token_create(actor=request.auth, user=request.auth, name=payload.name)
    return 201, {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": None,
        "revoked_at": None,
        "token": secret,
    }


@router.delete(
    "/tokens/{int:token_id}", response={204: None, **ERRORS}, operation_id="tokens_revoke"
)
def revoke_token(request: HttpRequest, token_id: int):
    services.token_revoke(actor=request.auth, token_id=token_id)
    return 204, None
