"""Property-based API test: schemathesis generates requests from /api/openapi.json.

Every operation gets valid and invalid requests (bodies, path and query parameters,
headers) as an administrator; no answer may be a 5xx, and every answer must have the
content type and match the schema the endpoint documents. The equivalent command-line run
against a running server is described in docs/api.md.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

MAX_EXAMPLES = int(os.environ.get("LEADBRIDGE_SCHEMATHESIS_EXAMPLES", "15"))

# Path parameters that name a stored row, and the pool of seeded rows they may point at.
ID_POOLS = {
    "/api/leads/": "lead",
    "/api/clients/": "client",
    "/api/contacts/": "contact",
    "/api/deals/": "deal",
    "/api/activities/": "activity",
    "/api/attachments/": "attachment",
    "/api/lead-statuses/": "status",
    "/api/lead-sources/": "source",
    "/api/tokens/": "token",
}


@pytest.fixture
def seeded(admin_user):
    """A few rows of each kind, so generated ids sometimes resolve."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from leadbridge.activities import services as activity_services
    from leadbridge.clients import services as client_services
    from leadbridge.customfields.services import custom_field_create
    from leadbridge.deals import services as deal_services
    from leadbridge.leads import services as lead_services
    from leadbridge.leads.models import LeadSource, LeadStatus
    from leadbridge.people.services import token_create

    for record_type in ("lead", "client", "contact", "deal"):
        custom_field_create(
            actor=admin_user, record_type=record_type, key="note", label="Note", type="text"
        )
        custom_field_create(
            actor=admin_user, record_type=record_type, key="size", label="Size", type="number"
        )
    pools: dict[str, list[int]] = {name: [] for name in ID_POOLS.values()}
    for n in range(2):
        lead = lead_services.lead_create(
            actor=admin_user,
            data={"last_name": f"Nováková {n}", "email": f"lead{n}@example.com", "tags": ["vip"]},
        ).obj
        client = client_services.client_create(
            actor=admin_user, data={"kind": "company", "name": f"Firma {n}"}
        ).obj
        contact = client_services.contact_create(
            actor=admin_user, data={"last_name": f"Kontakt {n}", "client_id": client.pk}
        ).obj
        deal = deal_services.deal_create(
            actor=admin_user, data={"title": f"Obchod {n}", "client_id": client.pk}
        ).obj
        activity = activity_services.activity_create(
            actor=admin_user,
            record_type="lead",
            record_id=lead.pk,
            data={"type": "task", "subject": f"Call {n}"},
        ).obj
        attachment = activity_services.attachment_create(
            actor=admin_user,
            record_type="client",
            record_id=client.pk,
            upload=SimpleUploadedFile(f"note{n}.txt", b"hello", content_type="text/plain"),
        )
        spare, _secret = token_create(actor=admin_user, user=admin_user, name=f"spare {n}")
        for name, pk in (
            ("lead", lead.pk),
            ("client", client.pk),
            ("contact", contact.pk),
            ("deal", deal.pk),
            ("activity", activity.pk),
            ("attachment", attachment.pk),
            ("token", spare.pk),
        ):
            pools[name].append(pk)
    pools["status"] = list(LeadStatus.objects.values_list("pk", flat=True))
    pools["source"] = list(LeadSource.objects.values_list("pk", flat=True))
    return pools


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Django's test client stops `close_old_connections` from closing the test
    transaction's connection between requests; the plain WSGI calls here need the same."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(admin_user):
    from leadbridge.people.services import token_create

    token, secret = token_create(actor=admin_user, user=admin_user, name="schemathesis")
    return token.pk, secret


def _wsgi_app():
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()


# The schema as the app serves it; requests go to the app in-process. It is loaded at import
# (one anonymous GET, no database): `schemathesis.pytest.from_fixture` would load it inside
# the test, but it renames pytest's `Node._nodeid`, which pytest 9 no longer has.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", _wsgi_app())


def _point_at_seeded(case, seeded: dict, admin_token_id: int) -> None:
    """Let about half the generated ids name a seeded row (deterministically per case)."""
    pool_name = next((p for prefix, p in ID_POOLS.items() if case.path.startswith(prefix)), None)
    if pool_name is None:
        return
    params = case.path_parameters or {}
    for name, value in params.items():
        if not name.endswith("_id") or isinstance(value, bool) or not isinstance(value, int):
            continue
        pool = seeded[pool_name]
        if value >= 0 and value % 2 == 0 and pool:
            params[name] = pool[(value // 2) % len(pool)]
        if pool_name == "token" and params[name] == admin_token_id:
            params[name] = seeded["token"][0]  # never revoke the token the test runs with


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_answers_every_generated_request(db, case, seeded, admin_token):
    token_id, secret = admin_token
    _point_at_seeded(case, seeded, token_id)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {secret}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
