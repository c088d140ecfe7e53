def test_create_and_list_lead(admin_api):
    r = admin_api.post(
        "/api/leads",
        {
            "first_name": "Šárka",
            "last_name": "Kopřivová",
            "email": "Sarka@Example.CZ",
            "phone": "603 123 456",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status_id"] and body["version"] == 1 and body["warnings"] == []
    r = admin_api.get("/api/leads", q="kopriva")
    assert r.json()["count"] == 1
