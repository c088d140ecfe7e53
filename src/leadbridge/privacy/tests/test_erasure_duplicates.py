"""With the duplicates app: an erasure reaches merge undo snapshots and match keys too.

Skipped where the duplicates app is not installed."""

import pytest
from django.apps import apps

from leadbridge.privacy.tests.test_erasure import EMAIL, FIRST, LAST, PHONE, dump_text, traces

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not apps.is_installed("leadbridge.duplicates"), reason="the duplicates app is not here"
    ),
]


def test_erasure_after_a_merge_leaves_no_trace(admin_api):
    from leadbridge.duplicates.models import MatchKey, MergeRecord

    old = admin_api.post(
        "/api/leads",
        {"first_name": FIRST, "last_name": LAST, "email": "kveta.old@example.org", "phone": PHONE},
    ).json()
    survivor = admin_api.post(
        "/api/leads", {"first_name": FIRST, "last_name": LAST, "email": EMAIL}
    ).json()
    r = admin_api.post(
        "/api/duplicates/merge",
        {"record_type": "lead", "ids": [survivor["id"], old["id"]], "survivor_id": survivor["id"]},
    )
    assert r.status_code == 201, r.content
    assert MergeRecord.objects.exists() and MatchKey.objects.exists()
    assert "kveta.old" in dump_text()

    r = admin_api.post(f"/api/privacy/lead/{survivor['id']}/erase")
    assert r.status_code == 200, r.content
    assert r.json()["rows"]["merge_snapshots"] == 1
    text = dump_text()
    assert "kveta.old" not in text and traces(text) == []
    assert MergeRecord.objects.count() == 1  # the merge log stays
