"""The public web form endpoint under load, against a bare insert view (issue 8).

    python bench/capture/run.py [--seconds 60] [--concurrency 4] [--workers 2]
                                [--rounds 4] [--database cap_bench]

Makes a fresh PostgreSQL database (`--database`, dropped and created), migrates it, creates
one web form (spam checks on except the fill time; rate limits raised by the bench's
environment: the per-IP and per-form limits would otherwise answer 429 to a single load
generator), starts gunicorn with 2 sync workers on loopback, and drives it with a threaded
load generator for `--seconds` per phase:

- **bare**: `POST /bench/bare` (JSON parsed, one `Lead.objects.create`);
- **form**: `POST /f/<key>` (JSON) through the whole path: origin check, rate limits (one
  upsert of both counters), honeypot, idempotency store, duplicate check, `lead_create` with
  history and match keys, submission row. Every 10th request is sent twice with the same
  `Idempotency-Key` (a double submit).

The two phases take turns in `--rounds` slices (same server, same workers, same
generator), so a change in the machine's other load weighs on both alike. Afterwards the
leads are counted: every accepted submission must be exactly one lead (none lost, none
doubled). Reports requests/s and p50/p99 latency of each phase, the ratio form/bare and the
load average before and after. Targets: form >= 0.5x bare throughput, form p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def env(database: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT / "src")]),
        "LEADBRIDGE_INSECURE_DEV_KEY": "1",
        "LEADBRIDGE_DATA_DIR": tempfile.mkdtemp(prefix="lb-bench-capture-"),
        "WEBFORM_RATE_PER_IP": "1000000000",
        "WEBFORM_RATE_PER_FORM": "1000000000",
    }


def fresh_database(database: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database}")
        conn.execute(f"CREATE DATABASE {database}")


SETUP = """
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from leadbridge.people.models import User
from leadbridge.webforms.services import webform_save
admin = User.objects.create_superuser("bench", "bench@example.com", "x-Bench-123")
form = webform_save(actor=admin, data={"name": "Bench", "min_fill_seconds": 0,
    "fields": ["first_name", "last_name", "email", "company_name"],
    "required_fields": ["email"], "allowed_origins": ["https://www.example.com"]})
print(form.key)
"""

COUNT = """
import django; django.setup()
from leadbridge.leads.models import Lead
from leadbridge.webforms.models import WebFormSubmission
print(Lead.objects.filter(description="bare").count(),
      Lead.objects.exclude(description="bare").count(),
      WebFormSubmission.objects.count())
"""


def python(code: str, environ: dict) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], env=environ, check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


class Load:
    """N threads posting for `seconds`; each request its own connection (gunicorn's sync
    workers close after each answer)."""

    def __init__(self, port: int, path: str, seconds: float, concurrency: int, double: int):
        self.port, self.path, self.seconds = port, path, seconds
        self.concurrency, self.double = concurrency, double
        self.latencies: list[float] = []
        self.codes: dict[int, int] = {}
        self.accepted_keys: set[str] = set()
        self.lock = threading.Lock()
        self.wall = 0.0
        self.round = 0

    def _post(self, body: bytes, key: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            "Origin": "https://www.example.com",
        }
        start = time.perf_counter()
        conn.request("POST", self.path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - start) * 1000
        conn.close()
        with self.lock:
            self.latencies.append(elapsed)
            self.codes[response.status] = self.codes.get(response.status, 0) + 1
        return response.status

    def _worker(self, n: int, deadline: float) -> None:
        i = 0
        while time.monotonic() < deadline:
            i += 1
            key = f"{n}-{i}-{uuid.uuid4().hex}"
            word = uuid.uuid4().hex  # distinct prospects: the duplicate check finds none
            body = json.dumps(
                {
                    "first_name": word[:6],
                    "last_name": word[6:14],
                    "email": f"{word[14:24]}@example.com",
                    "company_name": f"{word[24:]} s.r.o.",
                }
            ).encode()
            if self._post(body, key) == 201:
                with self.lock:
                    self.accepted_keys.add(key)
            if self.double and i % self.double == 0 and time.monotonic() < deadline:
                self._post(body, key)  # the double submit: same key, same body

    def run(self, seconds: float | None = None) -> Load:
        """Post for `seconds` (default: the whole duration); may be called again to go on
        (the phases take turns, see main)."""
        deadline = time.monotonic() + (seconds or self.seconds)
        started = time.perf_counter()
        threads = [
            threading.Thread(target=self._worker, args=(n, deadline))
            for n in range(self.concurrency)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.wall += time.perf_counter() - started
        return self

    def summary(self) -> dict:
        wall = self.wall
        lat = sorted(self.latencies)
        return {
            "requests": len(lat),
            "accepted": len(self.accepted_keys),
            "codes": self.codes,
            "seconds": round(wall, 1),
            "requests_per_s": round(len(lat) / wall, 1),
            "accepted_per_s": round(len(self.accepted_keys) / wall, 1),
            "p50_ms": round(statistics.median(lat), 1),
            "p99_ms": round(lat[int(len(lat) * 0.99) - 1], 1),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    # Twice the workers keeps both busy; more only queues in gunicorn's backlog.
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument(
        "--database", default="cap_bench", help="PostgreSQL database to (re)create and use"
    )
    # The phases take turns in slices, so a change in the machine's other load during the
    # run weighs on both alike instead of on whichever ran second.
    parser.add_argument("--rounds", type=int, default=4, help="slices per phase")
    args = parser.parse_args()
    if not args.database.replace("_", "").isalnum():
        parser.error("--database: letters, digits and _ only")

    fresh_database(args.database)
    environ = env(args.database)
    key = python(SETUP, environ).splitlines()[-1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "leadbridge.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        env=environ,
    )
    load_before = os.getloadavg()
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        # Warm both workers (imports, connections, caches) before timing.
        Load(args.port, "/bench/bare", 2, args.concurrency, 0).run()
        Load(args.port, f"/f/{key}", 2, args.concurrency, 0).run()
        base = [int(x) for x in python(COUNT, environ).split()]
        bare_load = Load(args.port, "/bench/bare", args.seconds, args.concurrency, 0)
        form_load = Load(args.port, f"/f/{key}", args.seconds, args.concurrency, 10)
        for _ in range(args.rounds):
            bare_load.run(args.seconds / args.rounds)
            form_load.run(args.seconds / args.rounds)
        bare, form = bare_load.summary(), form_load.summary()
    finally:
        server.terminate()
        server.wait(timeout=30)
    bare_rows, form_leads, submissions = (
        a - b for a, b in zip((int(x) for x in python(COUNT, environ).split()), base, strict=True)
    )
    ratio = form["accepted_per_s"] / bare["accepted_per_s"]
    result = {
        "load_average_before": load_before,
        "load_average": os.getloadavg(),
        "rounds": args.rounds,
        "cores": os.cpu_count(),
        "gunicorn_workers": args.workers,
        "concurrency": args.concurrency,
        "bare": bare,
        "form": form,
        "ratio_leads_per_s": round(ratio, 2),
        "counted": {
            "bare_rows": bare_rows,
            "form_leads": form_leads,
            "form_submissions": submissions,
        },
    }
    print(f"{'':6} {'req/s':>8} {'leads/s':>8} {'p50 ms':>8} {'p99 ms':>8}  codes")
    for name, row in (("bare", bare), ("form", form)):
        print(
            f"{name:6} {row['requests_per_s']:8} {row['accepted_per_s']:8} "
            f"{row['p50_ms']:8} {row['p99_ms']:8}  {row['codes']}"
        )
    print(f"form/bare leads/s: {ratio:.2f} (target >= 0.5); form p99 target < 100 ms")
    print(f"load average before {load_before}, after {result['load_average']}")
    lost_or_doubled = form_leads != form["accepted"] or bare_rows != bare["accepted"]
    print(
        f"counted: bare rows {bare_rows} (accepted {bare['accepted']}), form leads {form_leads} "
        f"(accepted keys {form['accepted']}, submissions {submissions}) -> "
        + ("MISMATCH" if lost_or_doubled else "none lost, none doubled")
    )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "capture.json").write_text(json.dumps(result, indent=2))
    return 1 if lost_or_doubled else 0


if __name__ == "__main__":
    sys.exit(main())
