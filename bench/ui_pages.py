"""Server time of the web UI's busiest pages at N leads (issue: web UI).

    python bench/ui_pages.py --n 100000 [--db postgres|sqlite] [--requests 60]

Loads N leads with their derived columns (as the services compute them) into a fresh
database, then times the leads list page, a search on it and the Kanban board through
Django's test client (the full middleware, template and query stack, no network), and
reports p50 / p95 / mean in milliseconds. Target on PostgreSQL at 100,000 leads: p95 under
150 ms for each page.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# A database of its own per run where several people bench one server side by side.
PG_DB = os.environ.get("LEADBRIDGE_BENCH_PG_DB", "leadbridge_bench_ui")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def fresh_database(db: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='lb-bench-ui-')}/bench.sqlite3"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        conn.execute(f"CREATE DATABASE {PG_DB}")
    return f"postgres://postgres@127.0.0.1:5432/{PG_DB}"


def load(n: int) -> None:
    from django.core.management import call_command

    from leadbridge.core.record_services import refresh_derived
    from leadbridge.core.specs import SPECS
    from leadbridge.leads.models import Lead, LeadSource, LeadStatus
    from leadbridge.people.models import Team, User

    call_command("migrate", verbosity=0)
    admin = User.objects.create_superuser("bench", "bench@example.com", "x-Bench-123")
    teams = [Team.objects.create(name=f"Team {i}") for i in range(5)]
    owners = [User.objects.create_user(f"owner{i}", password="x") for i in range(10)]
    statuses = list(LeadStatus.objects.filter(kind="open"))
    sources = list(LeadSource.objects.all())
    rng = random.Random(7)
    firsts = ["Jan", "Šárka", "Jonas", "Agnieszka", "Văn An", "Petr", "Eglė", "Zuzana"]
    lasts = [
        "Novák",
        "Kopřivová",
        "Kazlauskas",
        "Kowalska",
        "Nguyễn",
        "Dvořák",
        "Horváthová",
        "Petrauskienė",
        "Wiśniewski",
        "Trần",
    ]
    words = ["Porost", "Tatra", "Baltija", "Mazury", "Sao Mai", "Agro", "Morava", "Nemunas"]
    forms = ["s.r.o.", "a.s.", "UAB", "Sp. z o.o.", "JSC"]
    spec = SPECS["lead"]
    batch = []
    for i in range(n):
        lead = Lead(
            first_name=rng.choice(firsts),
            last_name=rng.choice(lasts),
            company_name=f"{rng.choice(words)} {i % 997} {rng.choice(forms)}",
            email=f"person{i}@firma{i % 5000}.cz",
            phone=f"+420 6{i % 100:02d} {i:06d}"[:16],
            registration_number=str(10_000_000 + i),
            country="CZ",
            status=rng.choice(statuses),
            source=rng.choice(sources),
            owner=rng.choice(owners),
            team=rng.choice(teams),
            expected_value=rng.randrange(1, 500) * 1000,
            currency="CZK",
        )
        refresh_derived(lead, spec)
        batch.append(lead)
        if len(batch) == 5000:
            Lead.objects.bulk_create(batch)
            batch = []
    Lead.objects.bulk_create(batch)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load
    assert admin.pk


def measure(requests: int) -> dict:
    from django.test import Client

    from leadbridge.people.models import User

    client = Client()
    client.force_login(User.objects.get(username="bench"))
    pages = {
        "list": ["/leads/"],
        "search": [
            "/leads/?q=kopriva",
            "/leads/?q=porost",
            "/leads/?q=firma12",
            "/leads/?q=603000",
            "/leads/?q=tatra+uab",
        ],
        "board": ["/leads/board/"],
    }
    out = {}
    for name, urls in pages.items():
        for url in urls:  # warm up
            assert client.get(url).status_code == 200
        times = []
        for i in range(requests):
            url = urls[i % len(urls)]
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        out[name] = {
            "p50_ms": round(pct(times, 50), 1),
            "p95_ms": round(pct(times, 95), 1),
            "mean_ms": round(statistics.mean(times), 1),
            "requests": requests,
        }
    return out


def child(args: argparse.Namespace) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadbridge.settings"
    os.environ.setdefault("LEADBRIDGE_INSECURE_DEV_KEY", "1")
    import django

    django.setup()
    started = time.perf_counter()
    load(args.n)
    loaded = time.perf_counter() - started
    result = {
        "db": args.db,
        "n": args.n,
        "load_seconds": round(loaded, 1),
        "pages": measure(args.requests),
    }
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="postgres")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    results = []
    for db in ["postgres", "sqlite"] if args.db == "both" else [args.db]:
        env = dict(
            os.environ,
            DATABASE_URL=fresh_database(db),
            ALLOWED_HOSTS="testserver",
            LEADBRIDGE_DATA_DIR=tempfile.mkdtemp(prefix="lb-bench-ui-data-"),
        )
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--n",
                str(args.n),
                "--db",
                db,
                "--requests",
                str(args.requests),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            sys.stderr.write(out.stderr)
            return out.returncode
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{'db':<9} {'page':<7} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}  target p95 < 150")
    for r in results:
        for page, m in r["pages"].items():
            ok = "ok" if m["p95_ms"] < 150 else "OVER"
            print(
                f"{r['db']:<9} {page:<7} {m['p50_ms']:>8} {m['p95_ms']:>8} {m['mean_ms']:>8}"
                f"  {ok}   (n={r['n']}, loaded in {r['load_seconds']} s)"
            )
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "ui_pages.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
