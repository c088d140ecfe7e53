"""A worker killed in the middle of an import (SIGKILL, PostgreSQL): the batch it was writing
vanishes, and the resumed import (here with the forked reader) imports every row once."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings
from django.db import connection

from leadbridge.imports import services
from leadbridge.leads.models import Lead

from .files import csv_bytes
from .test_import_services import upload


@pytest.mark.django_db(transaction=True)
def test_killed_worker_resumes_without_importing_a_row_twice(baseline_data, admin_user):
    if connection.vendor != "postgresql":
        pytest.skip("a second process needs a database file or server both can reach")
    rows = [["E-mail", "Příjmení"]] + [[f"u{i}@firma.cz", f"N{i}"] for i in range(25)]
    job = upload(admin_user, csv_bytes(rows, encoding="cp1250", delimiter=";"))
    services.import_start(actor=admin_user, job_id=job.pk)
    script = textwrap.dedent(
        f"""
        import os, signal, django
        django.setup()
        from leadbridge.imports import services

        def die(job):
            if job.rows_done >= 10:  # the second batch is written, not committed
                os.kill(os.getpid(), signal.SIGKILL)

        services.run_job({job.pk}, batch_size=5, on_batch=die)
        """
    )
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="leadbridge.settings_test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
    )
    done = subprocess.run([sys.executable, "-c", script], env=env, timeout=120)
    assert done.returncode == -signal.SIGKILL
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_created) == ("running", 5, 5)
    assert Lead.objects.count() == 5
    job = services.run_job(job.pk, batch_size=5, parallel=True)
    assert (job.status, job.rows_done, job.rows_created, job.rows_failed) == ("done", 25, 25, 0)
    assert Lead.objects.count() == 25
    assert Lead.objects.values("email").distinct().count() == 25


@pytest.mark.django_db(transaction=True)
def test_a_checking_process_that_dies_fails_the_job_instead_of_hanging(
    baseline_data, admin_user, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("the forked checker runs on PostgreSQL")
    rows = [["E-mail", "Příjmení"]] + [[f"u{i}@firma.cz", f"N{i}"] for i in range(12)]
    job = upload(admin_user, csv_bytes(rows, encoding="cp1250", delimiter=";"))
    services.import_start(actor=admin_user, job_id=job.pk)

    def die(checker, line, cells):  # runs in the forked child: gone without a word
        os._exit(3)

    monkeypatch.setattr(services, "check_row", die)
    with pytest.raises(RuntimeError, match="exit code 3"):
        services.run_job(job.pk, batch_size=5, parallel=True)
    job.refresh_from_db()
    assert (job.rows_done, Lead.objects.count()) == (0, 0)
