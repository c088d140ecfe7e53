"""An activity's writes have the record services' shape: update `(actor, pk, data, version)`
and delete `(actor, pk, version)` return a `Saved`, lock and check the activity once, and
refuse before writing (a stale version, a value, another team's task: no write sent at all);
the API takes an optional version and answers a stale one 409 `stale_version` (issue 20)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadbridge.activities.models import Activity
from leadbridge.activities.services import activity_create, activity_delete, activity_update
from leadbridge.conftest import api_for
from leadbridge.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from leadbridge.core.record_services import Saved
from leadbridge.core.tests.helpers import assert_error, make_record, writes
from leadbridge.history.models import HistoryEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(admin_user, teams):
    client = make_record("client", team_id=teams[0].pk)
    saved = activity_create(
        actor=admin_user,
        record_type="client",
        record_id=client.pk,
        data={"type": "task", "subject": "Call back"},
    )
    assert isinstance(saved, Saved) and saved.warnings == [] and saved.changes == []
    return saved.obj


def activity_events(activity: Activity) -> int:
    return HistoryEvent.objects.filter(data__activity_id=activity.pk).count()


def unchanged(activity: Activity, events: int) -> None:
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.subject, stored.version, stored.deleted_at) == ("Call back", 1, None)
    assert activity_events(activity) == events


def test_an_update_locks_once_and_returns_saved(admin_user, task, lock_calls):
    saved = activity_update(
        actor=admin_user, pk=task.pk, data={"subject": "Call again"}, version=task.version
    )
    assert isinstance(saved, Saved) and saved.obj.pk == task.pk
    assert saved.changes == [("subject", "Call back", "Call again")]
    assert saved.obj.version == task.version + 1
    assert lock_calls.count(Activity) == 1
    # Nothing to change: no write, no history row, no new version.
    events = activity_events(task)
    with CaptureQueriesContext(connection) as captured:
        again = activity_update(actor=admin_user, pk=task.pk, data={"subject": "Call again"})
    assert again.changes == [] and again.obj.version == task.version + 1
    assert writes(captured.captured_queries) == []
    assert activity_events(task) == events


def test_a_delete_locks_once_checks_the_version_and_returns_saved(admin_user, task, lock_calls):
    saved = activity_delete(actor=admin_user, pk=task.pk, version=task.version)
    assert isinstance(saved, Saved) and saved.obj.pk == task.pk and saved.changes == []
    stored = Activity.objects.get(pk=task.pk)
    assert stored.deleted_at is not None and stored.version == task.version + 1
    assert lock_calls.count(Activity) == 1
    with pytest.raises(NotFound):
        activity_delete(actor=admin_user, pk=task.pk)


def test_a_stale_version_is_refused_before_writing(admin_user, task):
    events = activity_events(task)
    for write, kwargs in (
        (activity_update, {"data": {"subject": "lost"}}),
        (activity_delete, {}),
    ):
        with CaptureQueriesContext(connection) as captured, pytest.raises(Conflict) as caught:
            write(actor=admin_user, pk=task.pk, version=task.version + 5, **kwargs)
        assert caught.value.code == "stale_version"
        assert writes(captured.captured_queries) == []
        unchanged(task, events)


def test_an_invalid_value_is_refused_before_writing(admin_user, task):
    events = activity_events(task)
    for data in ({"subject": "lost", "no_such_field": 1}, {"subject": "lost", "type": "fax"}):
        with CaptureQueriesContext(connection) as captured, pytest.raises(ValidationFailed):
            activity_update(actor=admin_user, pk=task.pk, data=data)
        assert writes(captured.captured_queries) == []
        unchanged(task, events)


def test_another_teams_or_a_read_only_users_task_writes_nothing(users, task):
    events = activity_events(task)
    # Sales see their own clients only: the task answers as a missing one.
    for write, kwargs in ((activity_update, {"data": {"subject": "lost"}}), (activity_delete, {})):
        with CaptureQueriesContext(connection) as captured, pytest.raises(NotFound):
            write(actor=users["sales_south"], pk=task.pk, **kwargs)
        assert writes(captured.captured_queries) == []
    # Marketing sees its team's clients but may not change them, nor their tasks.
    with CaptureQueriesContext(connection) as captured, pytest.raises(Forbidden):
        activity_delete(actor=users["marketing"], pk=task.pk, version=task.version)
    assert writes(captured.captured_queries) == []
    unchanged(task, events)


def test_the_api_takes_an_optional_version_and_refuses_a_stale_one(admin_api, task):
    url = f"/api/activities/{task.pk}"
    stale = admin_api.patch(url, {"subject": "lost", "version": task.version + 1})
    assert_error(stale, 409, field="version", code="stale_version")
    assert_error(admin_api.delete(f"{url}?version={task.version + 1}"), 409, code="stale_version")
    assert Activity.objects.get(pk=task.pk).subject == "Call back"
    # Without a version, as today's pages and clients send it: accepted.
    r = admin_api.patch(url, {"subject": "Call again"})
    assert r.status_code == 200 and r.json()["version"] == task.version + 1
    ok = admin_api.patch(url, {"done": True, "version": task.version + 1})
    assert ok.status_code == 200 and ok.json()["done"] is True
    assert admin_api.delete(f"{url}?version={ok.json()['version']}").status_code == 204
    assert admin_api.get(url).status_code == 404


def test_the_openapi_schema_documents_the_version(admin_user):
    doc = api_for(admin_user).get("/api/openapi.json").json()
    patch = doc["components"]["schemas"]["ActivityPatch"]["properties"]["version"]
    assert "stale_version" in patch["description"]
    delete = doc["paths"]["/api/activities/{activity_id}"]["delete"]
    [param] = [p for p in delete["parameters"] if p["name"] == "version"]
    assert param["in"] == "query" and not param.get("required")
    assert "stale_version" in param["description"]
