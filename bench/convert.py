"""Benchmark: converting a lead with many activities and attachments (conversion issue).

    python bench/convert.py --db both|sqlite|postgres [--runs 30] [--activities 500]
                            [--attachments 50] [--show-queries]

Each run makes fresh leads (through `lead_create`) with N activities and M attachments
linked to them, then times four ways of converting one (plan {"deal": {"mode": "new"}}: a new
client, contact and deal, every activity and file linked to all three):

  service  `leads.conversion.lead_convert`
  api      POST /api/leads/{id}/convert with a Bearer token (Django's test client)
  bare     the same target rows (values taken from a service conversion, derived columns
           included), conversion links, activity/attachment links and the lead update with
           bare ORM calls (`create`, `bulk_create`, `update`) in one transaction; no checks,
           no history. The ratio service/bare is reported for p50 and p95.
  floor    as bare, but each link table filled by one INSERT ... SELECT (the database's own
           minimum for these rows)

The SQL query count of each path is printed for 5, 50 and N activities: the service's must
not depend on N. --show-queries lists the service's statements with their times.

Each database runs in its own subprocess (Django is set up once per process): SQLite in a
temporary file, PostgreSQL in the database `leadbridge_bench_convert` ($CONVERT_BENCH_DB) on
$BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/), created and dropped here.
Results go to bench/results/convert-<db>.json (git-ignored). Exit status 1 if the query count
grows with N or the PostgreSQL p95 of the service is 100 ms or more.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")
PG_DB = os.environ.get("CONVERT_BENCH_DB", "leadbridge_bench_convert")  # a scratch name per run
TARGET_P95_MS = 100.0
COUNT_SIZES = (5, 50, 500)
PLAN = {"deal": {"mode": "new"}}
PATHS = ("service", "api", "bare", "floor")


# Parent: one subprocess per database -------------------------------------------------------


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_SERVER.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def run_database(db: str, args: argparse.Namespace) -> dict:
    env = dict(os.environ)
    env.setdefault("LEADBRIDGE_INSECURE_DEV_KEY", "1")
    env["DEBUG"] = "0"
    env["ALLOWED_HOSTS"] = "testserver,localhost"
    env["LOG_LEVEL"] = "ERROR"
    with tempfile.TemporaryDirectory(prefix="leadbridge-bench-convert-") as tmp:
        env["LEADBRIDGE_DATA_DIR"] = tmp
        if db == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        else:
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            _pg_admin(f"CREATE DATABASE {PG_DB}")
            env["DATABASE_URL"] = PG_SERVER.rstrip("/") + "/" + PG_DB
        out = Path(tmp) / "result.json"
        cmd = [
            sys.executable,
            __file__,
            "--child",
            db,
            "--out",
            str(out),
            "--runs",
            str(args.runs),
            "--activities",
            str(args.activities),
            "--attachments",
            str(args.attachments),
        ]
        if args.show_queries:
            cmd.append("--show-queries")
        try:
            subprocess.run(cmd, env=env, check=True)
            return json.loads(out.read_text())
        finally:
            if db == "postgres":
                _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


# Child: the measurements -------------------------------------------------------------------


def _stats(samples: list[float]) -> dict:
    ms = sorted(s * 1000 for s in samples)
    return {
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(statistics.quantiles(ms, n=100, method="inclusive")[94], 2),
        "min_ms": round(ms[0], 2),
        "max_ms": round(ms[-1], 2),
        "runs": len(ms),
    }


class Fixture:
    """Makes leads with activities and attachments, and converts them three ways."""

    def __init__(self, activities: int, attachments: int):
        from django.test import Client

        from leadbridge.people.models import User
        from leadbridge.people.services import token_create

        self.activities = activities
        self.attachments = attachments
        self.admin = User.objects.create_superuser("bench", "bench@example.com", "x-Secret-123")
        _token, secret = token_create(actor=self.admin, user=self.admin, name="bench")
        self.http = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        self.seq = 0
        self.template: dict | None = None  # target rows' values, for the bare baseline

    def lead(self, activities: int | None = None, attachments: int | None = None) -> int:
        from leadbridge.activities.models import Activity, ActivityLink, Attachment, AttachmentLink
        from leadbridge.leads.services import lead_create

        n = self.activities if activities is None else activities
        m = self.attachments if attachments is None else attachments
        self.seq += 1
        i = self.seq
        lead = lead_create(
            actor=self.admin,
            data={
                "first_name": "Jana",
                "last_name": f"Nováková {i}",
                "company_name": f"Porost {i} s.r.o.",
                "job_title": "Buyer",
                "email": f"jana{i}@porost{i}.cz",
                "phone": f"+420 601 {i % 1000:03d} {i % 997:03d}",
                "city": "Brno",
                "country": "CZ",
                "expected_value": "125000.00",
                "currency": "CZK",
                "tags": ["bench", "fair"],
                "description": "A lead for the conversion benchmark.",
            },
        ).obj
        acts = Activity.objects.bulk_create(
            Activity(type="call", subject=f"Call {k}", owner=self.admin, created_by=self.admin)
            for k in range(n)
        )
        ActivityLink.objects.bulk_create(
            ActivityLink(activity_id=a.pk, record_type="lead", record_id=lead.pk) for a in acts
        )
        files = Attachment.objects.bulk_create(
            Attachment(
                file=f"attachments/bench/{i}-{k}.txt",
                name=f"offer-{k}.txt",
                content_type="text/plain",
                size=1024,
                uploaded_by=self.admin,
            )
            for k in range(m)
        )
        AttachmentLink.objects.bulk_create(
            AttachmentLink(attachment_id=f.pk, record_type="lead", record_id=lead.pk) for f in files
        )
        return lead.pk

    def service(self, lead_id: int) -> dict:
        from leadbridge.leads.conversion import lead_convert, plan_from_dict

        return lead_convert(actor=self.admin, lead_id=lead_id, plan=plan_from_dict(PLAN))

    def api(self, lead_id: int) -> dict:
        r = self.http.post(
            f"/api/leads/{lead_id}/convert", data=json.dumps(PLAN), content_type="application/json"
        )
        if r.status_code != 200:
            raise RuntimeError(f"API answered {r.status_code}: {r.content[:500]!r}")
        return r.json()

    def remember_targets(self, result: dict) -> None:
        """The values the service wrote, so the bare inserts write the same row contents."""
        from leadbridge.clients.models import Client, Contact
        from leadbridge.deals.models import Deal

        skip = {"id", "created_at", "updated_at"}

        def values(model, pk):
            obj = model.objects.get(pk=pk)
            return {
                f.attname: getattr(obj, f.attname)
                for f in model._meta.concrete_fields
                if f.attname not in skip
            }

        self.template = {
            "client": values(Client, result["client_id"]),
            "contact": values(Contact, result["contact_id"]),
            "deal": values(Deal, result["deal_id"]),
        }

    def bare(self, lead_id: int) -> None:
        """The baseline: the same rows and links with bare ORM calls (create, bulk_create,
        update) in one transaction; no checks, no history."""
        self._bare(lead_id, self._bulk_links)

    def floor(self, lead_id: int) -> None:
        """The same, with each link table filled by one INSERT … SELECT in the database."""
        self._bare(lead_id, self._sql_links)

    def _bare(self, lead_id: int, links) -> None:
        from django.db import transaction
        from django.db.models import F
        from django.utils import timezone

        from leadbridge.clients.models import Client, Contact
        from leadbridge.deals.models import Deal
        from leadbridge.leads.models import ConversionLink, Lead

        assert self.template is not None
        t = self.template
        with transaction.atomic():
            client = Client.objects.create(**t["client"])
            contact = Contact.objects.create(**{**t["contact"], "client_id": client.pk})
            deal = Deal.objects.create(
                **{
                    **t["deal"],
                    "client_id": client.pk,
                    "contact_id": contact.pk,
                    "source_lead_id": lead_id,
                }
            )
            targets = [("client", client.pk), ("contact", contact.pk), ("deal", deal.pk)]
            ConversionLink.objects.bulk_create(
                ConversionLink(
                    lead_id=lead_id, target_type=name, target_id=pk, created_by_id=self.admin.pk
                )
                for name, pk in targets
            )
            links(lead_id, targets)
            now = timezone.now()
            Lead.objects.filter(pk=lead_id).update(
                status_id=self.converted_status_id,
                is_converted=True,
                converted_at=now,
                version=F("version") + 1,
                updated_at=now,
            )

    @staticmethod
    def _bulk_links(lead_id: int, targets: list[tuple[str, int]]) -> None:
        from leadbridge.activities.models import ActivityLink, AttachmentLink

        for model, key in ((ActivityLink, "activity_id"), (AttachmentLink, "attachment_id")):
            ids = list(
                model.objects.filter(record_type="lead", record_id=lead_id).values_list(
                    key, flat=True
                )
            )
            model.objects.bulk_create(
                model(**{key: i}, record_type=name, record_id=pk)
                for i in ids
                for name, pk in targets
            )

    @staticmethod
    def _sql_links(lead_id: int, targets: list[tuple[str, int]]) -> None:
        from django.db import connection
        from django.utils import timezone

        from leadbridge.activities.models import ActivityLink, AttachmentLink

        now = connection.ops.adapt_datetimefield_value(timezone.now())
        for model, key in ((ActivityLink, "activity_id"), (AttachmentLink, "attachment_id")):
            table = model._meta.db_table
            selects = " UNION ALL ".join(
                f"SELECT {key}, %s, %s, %s FROM {table} WHERE record_type = %s AND record_id = %s"
                for _ in targets
            )
            params = [v for name, pk in targets for v in (name, pk, now, "lead", lead_id)]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} ({key}, record_type, record_id, created_at) {selects}",
                    params,
                )

    @property
    def converted_status_id(self) -> int:
        from leadbridge.leads.models import LeadStatus

        if not hasattr(self, "_status_id"):
            self._status_id = (
                LeadStatus.objects.filter(kind="converted").order_by("order", "id").first().pk
            )
        return self._status_id

    def check(self, lead_id: int, result: dict | None) -> None:
        """Every activity and file reached every target (guards the benchmark itself)."""
        from leadbridge.activities.models import ActivityLink, AttachmentLink
        from leadbridge.leads.models import ConversionLink, Lead

        assert Lead.objects.get(pk=lead_id).is_converted
        links = ConversionLink.objects.filter(lead_id=lead_id)
        assert links.count() == 3, links.count()
        for link in links:
            acts = ActivityLink.objects.filter(
                record_type=link.target_type, record_id=link.target_id
            ).count()
            files = AttachmentLink.objects.filter(
                record_type=link.target_type, record_id=link.target_id
            ).count()
            assert (acts, files) == (self.activities, self.attachments), (link, acts, files)
        if result is not None:
            assert result["client_id"] and result["contact_id"] and result["deal_id"], result


def timed(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - start, value


def count_queries(fn, *args) -> tuple[int, list[str]]:
    """The number of SQL statements `fn` runs, and each with its time (for --show-queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn(*args)
    return len(ctx.captured_queries), [
        f"{float(q['time']) * 1000:7.2f} ms  {q['sql']}" for q in ctx.captured_queries
    ]


def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadbridge.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    load_before = os.getloadavg()[0]
    fx = Fixture(args.activities, args.attachments)

    # Warm up (imports, caches, prepared plans) and take the target values for the baseline.
    for _ in range(3):
        lead_id = fx.lead()
        result = fx.service(lead_id)
        fx.check(lead_id, result)
        fx.api(fx.lead())
    fx.remember_targets(result)
    lead_id = fx.lead()
    fx.bare(lead_id)
    fx.check(lead_id, None)

    # Query counts: the same for 5, 50 and 500 activities.
    counts: dict[str, dict[str, int]] = {name: {} for name in PATHS}
    shown: list[str] = []
    sizes = sorted(set(COUNT_SIZES) | {args.activities})
    for n in sizes:
        counts["service"][str(n)], sql = count_queries(fx.service, fx.lead(n))
        counts["api"][str(n)], _ = count_queries(fx.api, fx.lead(n))
        counts["bare"][str(n)], _ = count_queries(fx.bare, fx.lead(n))
        counts["floor"][str(n)], _ = count_queries(fx.floor, fx.lead(n))
        if n == args.activities:
            shown = sql
    if args.show_queries:
        for i, sql in enumerate(shown, 1):
            print(f"  {i:3d} {sql[:200]}")

    # Timings: a fresh lead per run and per path, all made first (so the bulk setup writes
    # and the autovacuum they trigger do not fall between timed runs); paths interleaved.
    samples: dict[str, list[float]] = {name: [] for name in PATHS}
    paths = {"service": fx.service, "api": fx.api, "bare": fx.bare, "floor": fx.floor}
    leads = [{name: fx.lead() for name in paths} for _ in range(args.runs)]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    results = []
    for run in leads:
        for name, fn in paths.items():
            seconds, result = timed(fn, run[name])
            samples[name].append(seconds)
            results.append((run[name], result if name in ("service", "api") else None))
    for lead_id, result in results:
        fx.check(lead_id, result)

    stats = {name: _stats(values) for name, values in samples.items()}
    s, b, f = stats["service"], stats["bare"], stats["floor"]
    data = {
        "benchmark": "convert",
        "db": args.child,
        "engine": connection.vendor,
        "server_version": _server_version(connection),
        "python": platform.python_version(),
        "runs": args.runs,
        "activities": args.activities,
        "attachments": args.attachments,
        "plan": PLAN,
        "service": s,
        "api": stats["api"],
        "bare": b,
        "floor": f,
        "ratio": {
            "p50": round(s["p50_ms"] / b["p50_ms"], 2),
            "p95": round(s["p95_ms"] / b["p95_ms"], 2),
        },
        "ratio_floor": {
            "p50": round(s["p50_ms"] / f["p50_ms"], 2),
            "p95": round(s["p95_ms"] / f["p95_ms"], 2),
        },
        "queries": counts,
        "queries_constant": len(set(counts["service"].values())) == 1,
        # Other work on the machine shows here: compare runs only at similar load.
        "load_avg_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
        "target_p95_ms": TARGET_P95_MS if args.child == "postgres" else None,
    }
    Path(args.out).write_text(json.dumps(data, indent=2))


def _server_version(connection) -> str:
    if connection.vendor == "postgresql":
        return str(connection.cursor().connection.info.server_version)
    import sqlite3

    return sqlite3.sqlite_version


# Report -------------------------------------------------------------------------------------


def report(results: list[dict]) -> None:
    first = results[0]
    print(
        f"\nLead conversion: {first['activities']} activities, {first['attachments']} "
        f"attachments, {first['runs']} runs, plan {json.dumps(first['plan'])}\n"
    )
    head = f"{'database':<10} {'path':<8} {'p50 ms':>8} {'p95 ms':>8} {'min ms':>8} {'max ms':>8}"
    print(head)
    print("-" * len(head))
    for r in results:
        for name in PATHS:
            s = r[name]
            print(
                f"{r['db']:<10} {name:<8} {s['p50_ms']:>8.1f} {s['p95_ms']:>8.1f} "
                f"{s['min_ms']:>8.1f} {s['max_ms']:>8.1f}"
            )
        print(
            f"{r['db']:<10} {'ratio':<8} {r['ratio']['p50']:>7.2f}x {r['ratio']['p95']:>7.2f}x"
            "   (service / bare)"
        )
        print(
            f"{r['db']:<10} {'ratio':<8} {r['ratio_floor']['p50']:>7.2f}x "
            f"{r['ratio_floor']['p95']:>7.2f}x   (service / floor)"
        )
    print("\nSQL queries per conversion, by number of activities on the lead:")
    for r in results:
        for name in PATHS:
            row = ", ".join(f"{n}: {c}" for n, c in r["queries"][name].items())
            print(f"  {r['db']:<10} {name:<8} {row}")
    for r in results:
        before, after = r["load_avg_1min"]
        print(f"  {r['db']:<10} load average {before:.1f} -> {after:.1f} on {r['cpus']} CPUs")
    print()
    ok = True
    for r in results:
        if not r["queries_constant"]:
            ok = False
            print(f"FAIL {r['db']}: the service's query count grows with the activities")
        if r["target_p95_ms"] is not None:
            verdict = "ok" if r["service"]["p95_ms"] < r["target_p95_ms"] else "FAIL"
            ok = ok and verdict == "ok"
            print(
                f"{verdict} {r['db']}: service p95 {r['service']['p95_ms']:.1f} ms "
                f"(target < {r['target_p95_ms']:.0f} ms)"
            )
    for r in results:
        print(f"results: {RESULTS / ('convert-' + r['db'] + '.json')}")
    if not ok:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["both", "sqlite", "postgres"], default="both")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--activities", type=int, default=500)
    parser.add_argument("--attachments", type=int, default=50)
    parser.add_argument(
        "--show-queries", action="store_true", help="print the service's SQL (profiling)"
    )
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    for db in dbs:
        data = run_database(db, args)
        (RESULTS / f"convert-{db}.json").write_text(json.dumps(data, indent=2) + "\n")
        results.append(data)
    report(results)


if __name__ == "__main__":
    main()
