"""GET /api/registry/lookup: fill a lead or client from a public company registry."""

from django.http import HttpRequest
from ninja import Router

from leadbridge.api.records import ERRORS
from leadbridge.api.schemas import ErrorOut

from .providers import registry_lookup

router = Router(tags=["registry"])


@router.get(
    "/lookup",
    response={200: dict, **ERRORS, 503: ErrorOut},
    summary="Look a company up in a public registry (ARES, VIES, RPO, Polish VAT list)",
)
def lookup(request: HttpRequest, country: str, q: str, provider: str | None = None):
    """`country` picks the registry (CZ: ARES, SK: RPO, PL: the VAT white list, other EU
    states: VIES); a query that is a VAT number ("CZ27074358") is checked in VIES. Answers
    `{"provider", "results": [{name, registration_number, vat_id, street, city, postcode,
    country, source, valid_vat}], "cached"}`; 503 `registry_unavailable` when the registry
    cannot be reached."""
    return registry_lookup(country=country, q=q, provider=provider)
