"""One web form submission in-process: the SQL statements and the CPU time it costs.

    cd <tree> && DATABASE_URL=sqlite:////tmp/capq.sqlite3 DJANGO_SETTINGS_MODULE=bench_settings \
        PYTHONPATH=bench/capture:src LEADBRIDGE_INSECURE_DEV_KEY=1 \
        WEBFORM_RATE_PER_IP=1000000000 WEBFORM_RATE_PER_FORM=1000000000 \
        python bench/capture/statements.py [N]

A steadier measure than `run.py`'s requests per second on a shared machine: it counts the
statements and the process's own CPU of N submissions of distinct prospects through
`POST /f/<key>` (Django's test client, the whole view: origin, rate limits, idempotency,
duplicate check, lead, submission). Run it from two trees to compare code (issue 20).
The database must be empty: it migrates it.
"""

from __future__ import annotations

import json
import sys
import time
import uuid

import django

django.setup()

from django.core.management import call_command  # noqa: E402  (after setup)
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from leadbridge.people.models import User  # noqa: E402
from leadbridge.webforms.services import webform_save  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    call_command("migrate", verbosity=0)
    admin = User.objects.create_superuser("bench", "bench@example.com", "x-Bench-123")
    form = webform_save(
        actor=admin,
        data={
            "name": "Bench",
            "min_fill_seconds": 0,
            "fields": ["first_name", "last_name", "email", "company_name"],
            "required_fields": ["email"],
            "allowed_origins": ["https://www.example.com"],
        },
    )
    client = Client()
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    def post(i: int) -> int:
        body = {
            "first_name": f"Jan{i}",
            "last_name": f"Novák{i}",
            "email": f"jan{i}@firma{i}.cz",
            "company_name": f"Firma {i} s.r.o.",
        }
        return client.post(
            f"/f/{form.key}",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_ORIGIN="https://www.example.com",
            HTTP_HOST="127.0.0.1",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        ).status_code

    post(-1)  # warm: the first request loads templates, translations and caches
    codes: dict[int, int] = {}
    started = time.process_time()
    with connection.execute_wrapper(count):
        for i in range(n):
            status = post(i)
            codes[status] = codes.get(status, 0) + 1
    cpu = time.process_time() - started
    print(
        json.dumps(
            {
                "submissions": n,
                "codes": codes,
                "statements_per_submission": round(statements[0] / n, 2),
                "cpu_ms_per_submission": round(cpu / n * 1000, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
