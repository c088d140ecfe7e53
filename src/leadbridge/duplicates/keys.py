"""Keeps the match-key table in step with leads, clients and contacts.

A post-save hook rather than calls in each service: every path that saves one of these
records (services, conversion, merge, undo, admin) then files it under the same keys, and a
save that touches none of the matched fields (a status change, a board move) costs nothing.
Bulk paths (import, demo data, benchmarks) call `index_records` themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models.signals import post_delete, post_save

from leadbridge.core.bulk import copy_rows
from leadbridge.core.registry import model_for

from .matching import Prepared, blocking_keys, canonical_phone, encode, prepare
from .models import MatchKey, MatchProfile

INDEXED_TYPES = ("lead", "client", "contact")
# Contract fields the matcher reads; a save whose update_fields miss all of them keeps its keys.
MATCHED_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "name",
    "kind",
    "email",
    "other_emails",
    "phone",
    "mobile",
    "other_phones",
    "registration_number",
    "vat_id",
    "street",
    "street2",
    "postcode",
    "city",
    "country",
)
NORMALIZED_FIELDS = ("phone_normalized", "mobile_normalized")
_WATCHED = frozenset(MATCHED_FIELDS) | {"deleted_at", "merged_into"}


def values_of(obj: Any) -> dict:
    """The matched contract values of a saved record."""
    return {name: getattr(obj, name) for name in MATCHED_FIELDS if hasattr(obj, name)}


def prepared(obj: Any) -> Prepared:
    """A saved record prepared for matching."""
    values = values_of(obj)
    for name in NORMALIZED_FIELDS:
        values[name] = getattr(obj, name, "")
    return prepared_row(values)


def prepared_row(values: dict) -> Prepared:
    """Prepare saved values; the phones come from the normalized columns (parsed once, on
    save) and only `other_phones` are parsed here."""
    region = (values.get("country") or "").upper() or settings.DEFAULT_PHONE_REGION
    # A number saving could not normalize still compares by its digits.
    phones = [
        values.get(f"{name}_normalized") or canonical_phone(values.get(name), region)
        for name in ("phone", "mobile")
    ]
    phones += [canonical_phone(v, region) for v in (values.get("other_phones") or [])]
    return prepare(values, phones=phones)


def index_records(
    record_type: str,
    objs: Iterable[Any],
    *,
    replace: bool = True,
    keys: list[list[str]] | None = None,
) -> int:
    """File saved records under their keys and profiles (deleted ones under none); returns
    the keys written.

    `keys` (aligned with `objs`) are keys the caller computed already by `blocking_keys`
    (an import checks duplicates with them first), so they are not computed twice; a record
    prepared already carries its `Prepared` as `_match_prepared`.
    """
    objs = list(objs)
    if not objs:
        return 0
    if replace:
        forget(record_type, [o.pk for o in objs])
    triples, profiles = [], []
    for n, obj in enumerate(objs):
        if obj.deleted_at is not None:
            continue
        p = getattr(obj, "_match_prepared", None) or prepared(obj)
        own = keys[n] if keys is not None else blocking_keys(p)
        triples.extend((record_type, obj.pk, key) for key in own)
        profiles.append((record_type, obj.pk, encode(p, obj.display_name)))
    if connection.vendor == "postgresql" and len(triples) > 100:
        # Many rows (an import): streamed by COPY, the id from the column's default.
        copy_rows(MatchKey._meta.db_table, ["record_type", "record_id", "key"], triples)
        copy_rows(MatchProfile._meta.db_table, ["record_type", "record_id", "data"], profiles)
        return len(triples)
    if connection.vendor == "postgresql":
        _insert_together(connection, triples, profiles)
        return len(triples)
    MatchKey.objects.bulk_create(
        [MatchKey(record_type=t, record_id=i, key=k) for t, i, k in triples], batch_size=2000
    )
    MatchProfile.objects.bulk_create(
        [MatchProfile(record_type=t, record_id=i, data=d) for t, i, d in profiles],
        batch_size=2000,
    )
    return len(triples)


def _insert_together(connection: Any, triples: list, profiles: list) -> None:
    """The keys and profiles of a few records in one statement (a writable CTE): every
    created or changed record files them, so this saves a round trip on each. The same rows
    as the two bulk inserts."""
    if not triples and not profiles:
        return

    def columns(rows: list) -> list[list]:
        return [list(column) for column in zip(*rows, strict=True)] if rows else [[], [], []]

    sql = (
        f"WITH k AS (INSERT INTO {MatchKey._meta.db_table} (record_type, record_id, key)"
        " SELECT * FROM UNNEST(%s::varchar[], %s::bigint[], %s::varchar[]))"
        f" INSERT INTO {MatchProfile._meta.db_table} (record_type, record_id, data)"
        " SELECT * FROM UNNEST(%s::varchar[], %s::bigint[], %s::text[])"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*columns(triples), *columns(profiles)])


def forget(record_type: str, record_ids: Iterable[int]) -> None:
    ids = list(record_ids)
    MatchKey.objects.filter(record_type=record_type, record_id__in=ids).delete()
    MatchProfile.objects.filter(record_type=record_type, record_id__in=ids).delete()


def _on_save(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    if raw:
        return
    if update_fields is not None and not (set(update_fields) & _WATCHED):
        return
    record_type = _TYPES[sender]
    index_records(record_type, [instance], replace=not created)


def _on_delete(sender, instance, **kwargs) -> None:
    # Records are soft-deleted; a row really deleted (the admin, a test) takes its keys along.
    forget(_TYPES[sender], [instance.pk])


_TYPES: dict[type, str] = {}


def connect() -> None:
    for record_type in INDEXED_TYPES:
        model = model_for(record_type)
        _TYPES[model] = record_type
        post_save.connect(_on_save, sender=model, dispatch_uid=f"matchkeys-{record_type}")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"matchkeys-del-{record_type}")
