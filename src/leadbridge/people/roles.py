"""The built-in roles (created by a data migration; administrators may edit copies)."""

from __future__ import annotations

ALL = ["view", "create", "update", "delete", "convert", "merge", "import", "export", "documents"]
WORK = ["view", "create", "update", "delete", "export", "documents"]


def _p(scope: str, rights: list[str]) -> dict:
    return {"scope": scope, "rights": list(rights)}


BUILTIN_ROLES: dict[str, dict] = {
    "administrator": {
        "name": "Administrator",
        "is_admin": True,
        "permissions": {t: _p("all", ALL) for t in ("lead", "client", "contact", "deal")},
    },
    # Marketing works the leads and hands them over: conversion creates the targets, and it
    # may pick existing clients, contacts and deals of its teams.
    "marketing": {
        "name": "Marketing",
        "is_admin": False,
        "permissions": {
            "lead": _p("all", ALL),
            "client": _p("team", ["view"]),
            "contact": _p("team", ["view"]),
            "deal": _p("team", ["view"]),
        },
    },
    "sales": {
        "name": "Sales",
        "is_admin": False,
        "permissions": {
            "lead": _p("team", ["view", "update", "convert", "documents"]),
            "client": _p("own", WORK + ["convert"]),
            "contact": _p("own", WORK),
            "deal": _p("own", WORK),
        },
    },
    "sales_manager": {
        "name": "Sales manager",
        "is_admin": False,
        "permissions": {t: _p("team", ALL) for t in ("lead", "client", "contact", "deal")},
    },
}
