"""Activities and attachments API: created on a record, listed per record, linked to many."""

import datetime as dt
from typing import Literal

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Header, Query, Router, Schema
from ninja.files import UploadedFile

from leadbridge.api.idempotency import run_idempotent
from leadbridge.api.records import ERRORS
from leadbridge.api.schemas import Id, RecordRef, Strict, UtcDateTime
from leadbridge.core.errors import field_error

from . import selectors, services

router = Router(tags=["Activities"])

RecordType = Literal["lead", "client", "contact", "deal"]
ActivityType = Literal["task", "call", "email", "meeting", "note", "reminder"]


class ActivityIn(Strict):
    record_type: RecordType
    record_id: int = Field(..., ge=1)
    type: ActivityType
    subject: str = Field("", max_length=255)
    body: str = Field("", max_length=100_000)
    due_at: UtcDateTime | None = None
    done: bool = False
    owner_id: Id | None = None


class ActivityPatch(Strict):
    type: ActivityType | None = None
    subject: str | None = Field(None, max_length=255)
    body: str | None = Field(None, max_length=100_000)
    due_at: UtcDateTime | None = None
    done: bool | None = None
    owner_id: Id | None = None
    version: int | None = Field(
        None, description="The version you read (optional); a stale one answers 409 stale_version"
    )


class ActivityOut(Schema):
    id: int
    type: str
    subject: str
    body: str
    due_at: dt.datetime | None
    done: bool
    done_at: dt.datetime | None
    owner_id: int | None
    created_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    records: list[RecordRef]


class ActivityList(Schema):
    items: list[ActivityOut]
    count: int


class ActivityFilters(Schema):
    record_type: RecordType | None = None
    record_id: int | None = None
    type: ActivityType | None = None
    owner_id: Id | None = None
    done: bool | None = None
    due_before: UtcDateTime | None = None
    due_after: UtcDateTime | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


def activity_out(activity) -> dict:
    return {
        "id": activity.pk,
        "type": activity.type,
        "subject": activity.subject,
        "body": activity.body,
        "due_at": activity.due_at,
        "done": activity.done,
        "done_at": activity.done_at,
        "owner_id": activity.owner_id,
        "created_by_id": activity.created_by_id,
        "created_at": activity.created_at,
        "updated_at": activity.updated_at,
        "version": activity.version,
        "records": [
            {"record_type": link.record_type, "id": link.record_id} for link in activity.links.all()
        ],
    }


@router.get(
    "",
    response={200: ActivityList, **ERRORS},
    operation_id="activities_list",
    summary="List activities (of one record with record_type and record_id)",
)
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]):
    f = filters.model_dump()
    record_type, record_id = f.pop("record_type"), f.pop("record_id")
    limit, offset = f.pop("limit"), f.pop("offset")
    if (record_type is None) != (record_id is None):
        raise field_error("record_id", _("Give record_type and record_id together."))
    qs = selectors.activity_list(
        actor=request.auth, record_type=record_type, record_id=record_id, filters=f
    )
    count = qs.count()
    return 200, {"items": [activity_out(a) for a in qs[offset : offset + limit]], "count": count}


@router.post(
    "",
    response={201: ActivityOut, **ERRORS},
    operation_id="activities_create",
    summary="Create an activity on a record",
)
def create_activity(
    request: HttpRequest,
    payload: ActivityIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    data = payload.model_dump(exclude_unset=True)
    record_type, record_id = data.pop("record_type"), data.pop("record_id")
    data.setdefault("type", payload.type)

    def write():
        saved = services.activity_create(
            actor=request.auth, record_type=record_type, record_id=record_id, data=data
        )
        return 201, activity_out(
            selectors.activity_get(actor=request.auth, activity_id=saved.obj.pk)
        )

    return run_idempotent(
        request, actor=request.auth, key=idempotency_key, endpoint="POST /activities", write=write
    )


@router.get(
    "/{int:activity_id}", response={200: ActivityOut, **ERRORS}, operation_id="activities_get"
)
def get_activity(request: HttpRequest, activity_id: int):
    return 200, activity_out(selectors.activity_get(actor=request.auth, activity_id=activity_id))


@router.patch(
    "/{int:activity_id}", response={200: ActivityOut, **ERRORS}, operation_id="activities_update"
)
def update_activity(request: HttpRequest, activity_id: int, payload: ActivityPatch):
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    services.activity_update(actor=request.auth, pk=activity_id, data=data, version=version)
    return 200, activity_out(selectors.activity_get(actor=request.auth, activity_id=activity_id))


@router.delete(
    "/{int:activity_id}", response={204: None, **ERRORS}, operation_id="activities_delete"
)
def delete_activity(
    request: HttpRequest,
    activity_id: int,
    version: int | None = Query(
        None,
        description="The version you read (optional, as a record's delete takes it); a stale "
        "one answers 409 stale_version",
    ),
):
    services.activity_delete(actor=request.auth, pk=activity_id, version=version)
    return 204, None


files_router = Router(tags=["Attachments"])


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_by_id: int | None
    created_at: dt.datetime
    records: list[RecordRef]


class AttachmentList(Schema):
    items: list[AttachmentOut]
    count: int


def attachment_out(attachment) -> dict:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "uploaded_by_id": attachment.uploaded_by_id,
        "created_at": attachment.created_at,
        "records": [
            {"record_type": link.record_type, "id": link.record_id}
            for link in attachment.links.all()
        ],
    }


@files_router.get("", response={200: AttachmentList, **ERRORS}, operation_id="attachments_list")
def list_attachments(request: HttpRequest, record_type: RecordType, record_id: int):
    qs = selectors.attachment_list(actor=request.auth, record_type=record_type, record_id=record_id)
    items = [attachment_out(a) for a in qs]
    return 200, {"items": items, "count": len(items)}


@files_router.post(
    "",
    response={201: AttachmentOut, **ERRORS},
    operation_id="attachments_create",
    summary="Upload a file to a record",
)
def upload(
    request: HttpRequest,
    record_type: Form[RecordType],
    record_id: Form[int],
    file: File[UploadedFile],
):
    attachment = services.attachment_create(
        actor=request.auth, record_type=record_type, record_id=record_id, upload=file
    )
    return 201, attachment_out(
        selectors.attachment_get(actor=request.auth, attachment_id=attachment.pk)
    )


@files_router.get(
    "/{int:attachment_id}/download",
    operation_id="attachments_download",
    response={200: None, **ERRORS},
)
def download(request: HttpRequest, attachment_id: int):
    attachment = selectors.attachment_get(actor=request.auth, attachment_id=attachment_id)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@files_router.delete(
    "/{int:attachment_id}", response={204: None, **ERRORS}, operation_id="attachments_delete"
)
def delete_attachment(request: HttpRequest, attachment_id: int):
    services.attachment_delete(actor=request.auth, attachment_id=attachment_id)
    return 204, None
