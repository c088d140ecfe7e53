def test_convert_smoke(admin_api):
    r = admin_api.post(
        "/api/leads",
        {
            "first_name": "Jan",
            "last_name": "Novák",
            "company_name": "Porost s.r.o.",
            "email": "jan@porost.cz",
            "expected_value": "1200.50",
            "currency": "CZK",
        },
    )
    lead = r.json()
    r = admin_api.post(
        "/api/activities",
        {"record_type": "lead", "record_id": lead["id"], "type": "call", "subject": "First call"},
    )
    assert r.status_code == 201, r.content
    r = admin_api.post(f"/api/leads/{lead['id']}/convert/preview", {"deal": {"mode": "new"}})
    assert r.status_code == 200, r.content
    r = admin_api.post(f"/api/leads/{lead['id']}/convert", {"deal": {"mode": "new"}})
    assert r.status_code == 200, r.content
    res = r.json()
    assert res["client_id"] and res["contact_id"] and res["deal_id"]
    r = admin_api.get("/api/activities", record_type="deal", record_id=res["deal_id"])
    assert r.json()["count"] == 1
    r = admin_api.get(f"/api/deals/{res['deal_id']}/history")
    kinds = [(e["kind"], e["origin"]["relation"]) for e in r.json()["items"]]
    assert ("converted", "converted_from") in kinds, kinds
    r = admin_api.get(f"/api/leads/{lead['id']}")
    assert r.json()["is_converted"] and len(r.json()["converted_records"]) == 3
