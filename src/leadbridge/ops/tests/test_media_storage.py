"""MEDIA_STORAGE_URL: uploads and import files in an S3-compatible store every node sees.

The S3 tests run against moto's S3 server, started here on 127.0.0.1: the import is uploaded
into the bucket and the worker's task reads it back through the storage API (S3 has no local
path, so any code that asked for one would fail here)."""

from __future__ import annotations

import socket

import pytest
from django.conf import settings
from django.test import override_settings

from leadbridge.ops.storage_url import StorageUrlError, media_storage


def test_unset_is_the_local_folder():
    assert media_storage(None) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert media_storage("file:///srv/shared/media")["OPTIONS"] == {"location": "/srv/shared/media"}


def test_an_s3_url_names_the_bucket_prefix_and_options():
    entry = media_storage(
        "s3://crm-files/prod/media?endpoint_url=https://s3.example.com&access_key=AK"
        "&secret_key=S%2Fk&region=eu-central-1&addressing_style=path&querystring_expire=600"
    )
    assert entry["BACKEND"] == "storages.backends.s3.S3Storage"
    assert entry["OPTIONS"] == {
        "bucket_name": "crm-files",
        "location": "prod/media",
        "file_overwrite": False,
        "default_acl": None,
        "endpoint_url": "https://s3.example.com",
        "access_key": "AK",
        "secret_key": "S/k",
        "region_name": "eu-central-1",
        "addressing_style": "path",
        "querystring_expire": 600,
    }


@pytest.mark.parametrize(
    "url", ["ftp://host/x", "s3://?endpoint_url=http://x", "s3://bucket?acess_key=typo"]
)
def test_a_wrong_url_is_refused_at_start(url):
    with pytest.raises(StorageUrlError):
        media_storage(url)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_media(s3_server):
    import uuid

    import boto3

    bucket = f"leadbridge-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
    url = (
        f"s3://{bucket}/media?endpoint_url={s3_server}&access_key=test&secret_key=test"
        "&region=us-east-1&addressing_style=path"
    )
    storages = {**settings.STORAGES, "default": media_storage(url)}
    with override_settings(STORAGES=storages, MEDIA_STORAGE_URL=url):
        yield client, bucket


@pytest.mark.django_db
def test_an_import_is_stored_in_s3_and_run_from_there(s3_media, admin_user, tmp_path):
    from django.core.files.storage import default_storage

    from leadbridge.imports import jobs
    from leadbridge.imports.tests.files import csv_bytes
    from leadbridge.imports.tests.test_import_services import upload
    from leadbridge.leads.models import Lead

    client, bucket = s3_media
    rows = [["E-mail", "Příjmení"]] + [[f"s3-{i}@firma.cz", f"Objekt {i}"] for i in range(7)]
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        job = upload(admin_user, csv_bytes(rows))
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
        assert keys == [f"media/{job.file}"]  # in the bucket ...
        assert not any(tmp_path.iterdir())  # ... and nothing in the local folder
        with pytest.raises(NotImplementedError):
            default_storage.path(job.file)  # S3 has no local path: the engine must not ask
        jobs.import_start(actor=admin_user, job_id=job.pk)
        from leadbridge.automation.tests.helpers import run_worker

        run_worker()  # the task opens the file through the storage API
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_created) == ("done", 7, 7)
    assert sorted(Lead.objects.values_list("last_name", flat=True)) == [
        f"Objekt {i}" for i in range(7)
    ]
