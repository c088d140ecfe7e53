"""MEDIA_STORAGE_URL: where uploaded files and import files live, as one URL.

Unset, they are in the local folder (MEDIA_ROOT), which is all one machine needs. Several app
and worker nodes need a store every one of them sees: an S3-compatible object store through
django-storages, written as

    s3://BUCKET[/PREFIX]?endpoint_url=https://s3.example.com&access_key=…&secret_key=…&region=…

Every query parameter is optional: without keys boto3 takes the usual AWS variables or the
machine's role, without `endpoint_url` it talks to AWS itself. `file:///path` names a local
(or shared, mounted) folder. The code reads and writes files only through Django's storage
API (`default_storage.open`), never by a local path, so any of these works on every node.

Imported by the settings: no Django imports here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

# Query parameters and the django-storages S3 option each sets.
S3_OPTIONS = {
    "endpoint_url": "endpoint_url",
    "access_key": "access_key",
    "secret_key": "secret_key",
    "region": "region_name",
    "region_name": "region_name",
    "addressing_style": "addressing_style",
    "signature_version": "signature_version",
    "querystring_expire": "querystring_expire",
    "querystring_auth": "querystring_auth",
    "custom_domain": "custom_domain",
}
BOOLEAN = {"querystring_auth"}
INTEGER = {"querystring_expire"}


class StorageUrlError(ValueError):
    pass


def media_storage(url: str | None) -> dict[str, Any]:
    """The STORAGES["default"] entry for MEDIA_STORAGE_URL (None: the local MEDIA_ROOT)."""
    if not url:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    parts = urlsplit(url)
    if parts.scheme == "file":
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": unquote(parts.path)},
        }
    if parts.scheme != "s3":
        raise StorageUrlError(f"MEDIA_STORAGE_URL: unknown scheme {parts.scheme!r} (s3, file)")
    bucket = parts.hostname or ""
    if not bucket:
        raise StorageUrlError("MEDIA_STORAGE_URL: name the bucket (s3://bucket?…)")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "location": unquote(parts.path).strip("/"),
        # Django expects a new name when one is taken; S3 would silently replace the file.
        "file_overwrite": False,
        # Private files: the app serves them, never a public bucket link.
        "default_acl": None,
    }
    for name, values in parse_qs(parts.query, keep_blank_values=True).items():
        if name not in S3_OPTIONS:
            raise StorageUrlError(f"MEDIA_STORAGE_URL: unknown parameter {name!r}")
        value: Any = values[-1]
        if name in BOOLEAN:
            value = value.strip().lower() in {"1", "true", "yes", "on"}
        elif name in INTEGER:
            value = int(value)
        options[S3_OPTIONS[name]] = value
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
