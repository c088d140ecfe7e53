"""The ninja API object: authentication, the error format and every app's router."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest
from django.urls import register_converter
from ninja import NinjaAPI, Router

from leadbridge.activities.api import files_router
from leadbridge.activities.api import router as activities_router
from leadbridge.automation.api import router as automation_router
from leadbridge.cli import REQUEST_LINE_LIMIT
from leadbridge.clients import services as client_services
from leadbridge.core.api import router as runtime_settings_router
from leadbridge.core.cleaning import MAX_LIST, MAX_TAGS
from leadbridge.core.jsonbody import MAX_DEPTH
from leadbridge.customfields.api import router as settings_router
from leadbridge.deals import services as deal_services
from leadbridge.documents.api import products_router
from leadbridge.documents.api import router as documents_router
from leadbridge.documents.api import settings_router as documents_settings_router
from leadbridge.duplicates.api import router as duplicates_router
from leadbridge.imports.api import exports_router
from leadbridge.imports.api import router as imports_router
from leadbridge.leads import services as lead_services
from leadbridge.leads.api import router as conversion_router
from leadbridge.people.api import router as people_router
from leadbridge.privacy.api import router as privacy_router
from leadbridge.registry.api import router as registry_router
from leadbridge.security.throttle import ApiRateThrottle
from leadbridge.webforms.api import router as webforms_router

from . import errors
from .auth import BrowserSession, TokenAuth
from .errors import JsonParser
from .leads_switch import gate_lead_endpoints
from .records import RecordServices, build_router

api = NinjaAPI(
    title="Leadbridge API",
    version="1",
    description=(
        "The Leadbridge CRM: leads, clients, contact persons, deals, activities and their "
        "history. Authenticate with `Authorization: Bearer <token>` (create a token with "
        "`leadbridge token USER` or `POST /api/tokens`) or a browser session (CSRF applies). "
        'Errors are `{"detail", "code", "errors": [{"field", "message"}]}`: 400 '
        "unparseable body, 401, 403, 404 (code `leads_disabled`: a lead endpoint while the "
        '"Use leads" setting is off), 409 conflict with the stored state (stale `version`), '
        "405 a method the path does not take (`Allow` lists those it does), 413 a body over "
        f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes (`DATA_UPLOAD_MAX_MEMORY_SIZE`), 422 "
        "invalid values, 429 over the token's rate limit (`Retry-After` says when to retry). "
        "Writes accept an `Idempotency-Key` header. Limits: a request line (method, path and "
        f"query string) of at most {REQUEST_LINE_LIMIT:,} bytes under `leadbridge serve` "
        f"(longer: 414 from the server, before the app); JSON nested at most {MAX_DEPTH} "
        f"levels (deeper: 400); at most {MAX_LIST} `other_emails` and {MAX_LIST} "
        f"`other_phones` and {MAX_TAGS} `tags` a record (more: 422 at the field)."
    ),
    auth=[TokenAuth(), BrowserSession()],
    throttle=[ApiRateThrottle()],
    parser=JsonParser(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)

RECORDS = {
    "leads": (
        "lead",
        RecordServices(
            create=lead_services.lead_create,
            update=lead_services.lead_update,
            delete=lead_services.lead_delete,
        ),
    ),
    "clients": (
        "client",
        RecordServices(
            create=client_services.client_create,
            update=client_services.client_update,
            delete=client_services.client_delete,
        ),
    ),
    "contacts": (
        "contact",
        RecordServices(
            create=client_services.contact_create,
            update=client_services.contact_update,
            delete=client_services.contact_delete,
        ),
    ),
    "deals": (
        "deal",
        RecordServices(
            create=deal_services.deal_create,
            update=deal_services.deal_update,
            delete=deal_services.deal_delete,
        ),
    ),
}

api.add_router("/leads", conversion_router)
api.add_router("/duplicates", duplicates_router)
api.add_router("/imports", imports_router)
api.add_router("/", exports_router)
for plural, (record_type, record_services) in RECORDS.items():
    api.add_router(f"/{plural}", build_router(record_type, record_services, plural))
api.add_router("/activities", activities_router)
api.add_router("/attachments", files_router)
api.add_router("/products", products_router)
api.add_router("/documents", documents_router)
api.add_router("/settings", documents_settings_router)
api.add_router("/registry", registry_router)
api.add_router("/webforms", webforms_router)
api.add_router("/", automation_router)
api.add_router("/", people_router)
api.add_router("/", settings_router)
api.add_router("/", runtime_settings_router)
api.add_router("/privacy", privacy_router)
# While "Use leads" is off the lead endpoints answer 404 `leads_disabled` (api/leads_switch.py).
gate_lead_endpoints(api)


# Last: an /api/ URL that matches no operation (an unknown path, or a path parameter of the
# wrong shape such as /api/leads/abc) answers the API's JSON 404, not Django's HTML page.
class AnyPath:
    regex = r"[\s\S]+"  # Django's `path` converter stops at a newline (%0A)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AnyPath, "anypath")
fallback_router = Router()


@fallback_router.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{anypath:rest}", include_in_schema=False, auth=None
)
def unknown_path(request: HttpRequest, rest: str):
    raise Http404


api.add_router("/", fallback_router)
