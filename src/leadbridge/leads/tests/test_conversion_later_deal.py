"""A later deal of a converted lead belongs to the client and contact person the lead was
converted into, unless the plan names others (issue 18.4)."""

import pytest

from leadbridge.deals.models import Deal

from .test_conversion_plans import new_lead, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

JUST_A_DEAL = {"client": {"mode": "none"}, "contact": {"mode": "none"}, "deal": {"mode": "new"}}


def _convert(api, lead_id, plan):
    version = api.get(f"/api/leads/{lead_id}").json()["version"]
    r = api.post(f"/api/leads/{lead_id}/convert", plan | {"version": version})
    assert r.status_code in (200, 201), r.content
    return r.json()


def test_just_a_deal_from_a_converted_lead_is_tied_to_its_client_and_contact(admin_api):
    lead = new_lead(admin_api)
    first = _convert(admin_api, lead["id"], {})
    assert first["client_id"] and first["contact_id"] and first["deal_id"] is None
    second = _convert(admin_api, lead["id"], JUST_A_DEAL)
    deal = admin_api.get(f"/api/deals/{second['deal_id']}").json()
    assert (deal["client_id"], deal["contact_id"]) == (first["client_id"], first["contact_id"])
    assert deal["source_lead_id"] == lead["id"]


def test_the_plan_naming_another_client_wins(admin_api, world):  # noqa: F811
    lead = new_lead(admin_api)
    first = _convert(admin_api, lead["id"], {})
    plan = JUST_A_DEAL | {"client": {"mode": "existing", "id": world["client"].pk}}
    second = _convert(admin_api, lead["id"], plan)
    deal = Deal.objects.get(pk=second["deal_id"])
    # The contact made before belongs to the first client: not put on another client's deal.
    assert (deal.client_id, deal.contact_id) == (world["client"].pk, None)
    assert deal.client_id != first["client_id"]
    # The lead now was last converted into the existing client; a contact named by the plan.
    plan = JUST_A_DEAL | {"deal": {"mode": "new", "fields": {"contact_id": world["contact"].pk}}}
    third = _convert(admin_api, lead["id"], plan)
    deal = Deal.objects.get(pk=third["deal_id"])
    assert (deal.client_id, deal.contact_id) == (world["client"].pk, world["contact"].pk)


def test_a_lead_never_converted_gets_a_deal_of_nobody(admin_api):
    lead = new_lead(admin_api)
    done = _convert(admin_api, lead["id"], JUST_A_DEAL)
    deal = Deal.objects.get(pk=done["deal_id"])
    assert (deal.client_id, deal.contact_id) == (None, None)


def test_the_open_deals_of_the_client_made_before_are_offered(admin_api):
    lead = new_lead(admin_api)
    first = _convert(admin_api, lead["id"], {"deal": {"mode": "new"}})
    preview = admin_api.post(f"/api/leads/{lead['id']}/convert/preview", JUST_A_DEAL).json()
    assert [d["id"] for d in preview["open_deals"]] == [first["deal_id"]]
    assert preview["open_deals"][0]["reasons"] == ["open deal of this client"]
    assert preview["deal"]["values"]["client_id"] == first["client_id"]
