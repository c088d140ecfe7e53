"""The API's lead endpoints while the "Use leads" setting is off: 404 `leads_disabled`.

Checked inside each operation (after authentication and throttling, as any other answer),
so an anonymous caller still gets 401 and learns nothing about the setting. The wrapping is
done once, on the routers' operations, before the API builds its URLs: one list of paths
(LEAD_PATHS) says which endpoints are the Leads module's; none of them writes anything
while it is off, and the leads stay stored as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.utils.translation import gettext as _
from ninja import NinjaAPI

from leadbridge.core.errors import NotFound
from leadbridge.core.runtime_settings import leads_enabled

CODE = "leads_disabled"
# Path prefixes under /api of the Leads module: the lead records and their conversion,
# assignment and export, and the lead statuses (lead-only; lead sources stay, clients
# have a source too).
LEAD_PATHS = ("/leads", "/lead-statuses")
NOTE = '\n\n404 `leads_disabled` while the "Use leads" setting is off (`GET /api/settings`).'


def leads_disabled() -> NotFound:
    return NotFound(
        _(
            "Leads are switched off on this server; web forms and imports make contacts and "
            "deals. An administrator can switch them on (PATCH /api/settings leads_enabled)."
        ),
        code=CODE,
    )


def _gated(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        if not leads_enabled():
            raise leads_disabled()
        return view(request, *args, **kwargs)

    return wrapped


def _full_path(prefix: str, path: str) -> str:
    return "/" + "/".join(p for p in (prefix.strip("/"), path.strip("/")) if p)


def gate_lead_endpoints(api: NinjaAPI) -> list[str]:
    """Wrap every operation under LEAD_PATHS; returns the paths wrapped (for the tests)."""
    done = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            full = _full_path(prefix, path)
            if not any(full == p or full.startswith(p + "/") for p in LEAD_PATHS):
                continue
            for operation in path_view.operations:
                operation.view_func = _gated(operation.view_func)
                operation.description = (operation.description or "") + NOTE
            done.append(full)
    return done
