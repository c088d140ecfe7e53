"""Import N leads from a generated CSV (and N/10 from an XLSX) on PostgreSQL (issue 7).

    python bench/import.py [--n 20000] [--xlsx-n N] [--skip-iex] [--iex-n N] [--fuzzy 1000]
                           [--automations N] [--db imp_bench]

Generates a CSV of N leads the way an old CRM exports them (cp1250, `;`, Czech headers,
"1 234,50" numbers, 24.11.2026 dates, ~1 % duplicate e-mails, ~0.5 % bad rows), then, each in
its own process on a fresh database `imp_bench`:

- **leadbridge**: upload + `run_job` (what the worker runs): reading, mapping, validation by
  `lead_prepare` (the rules of `lead_create`), normalization, the duplicate check by the
  indexed exact match keys (in the file and against the database), bulk insert with history
  and match keys; rows/s end to end and the process's peak RSS;
- **xlsx**: the same for an XLSX of `--xlsx-n` rows (default N/10);
- **copy**: PostgreSQL `COPY` of the same file into a bare table of text columns (the floor);
- **django-import-export**: the same file through a `ModelResource` in bulk mode with model
  validation (`clean_model_instances`), no duplicate check (the usual Django choice);
- **fuzzy**: `duplicates.checks.find_matches` (blocking keys + scorer, what create asks) for
  `--fuzzy` rows of the file against the imported database, measured separately;
- **automations**: `--automations` rows imported with `run_automations` off and on (a webhook
  subscription on `lead.created` and a task template on the new leads' status), so its cost
  shows on its own.

Each figure carries the load averages before and after it (the machine may be shared).

Prints a table and writes JSON to bench/results/import.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "imp_bench"
HEADERS = [
    "Jméno",
    "Příjmení",
    "Název firmy",
    "IČO",
    "E-mail",
    "Telefon",
    "Město",
    "PSČ",
    "Země",
    "Hodnota",
    "Zdroj",
    "Štítky",
    "Datum kontaktu",
]
FIRSTS = ["Jan", "Šárka", "Jonas", "Agnieszka", "Văn An", "Petr", "Eglė", "Zuzana", "Łukasz"]
LASTS = ["Novák", "Kopřivová", "Kazlauskas", "Kowalska", "Nguyễn", "Dvořák", "Wiśniewski"]
WORDS = ["Porost", "Tatra", "Baltija", "Mazury", "Sao Mai", "Agro", "Morava", "Nemunas"]
FORMS = ["s.r.o.", "a.s.", "UAB", "Sp. z o.o.", "JSC"]
CITIES = [("Brno", "602 00", "CZ"), ("Vilnius", "01100", "LT"), ("Kraków", "30-001", "PL")]


def generate_rows(n: int, seed: int = 7):
    rng = random.Random(seed)
    for i in range(n):
        city, postcode, country = CITIES[i % 3]
        email_no = i if rng.random() > 0.01 else max(i - 1, 0)  # ~1 % repeat an e-mail
        row = [
            rng.choice(FIRSTS),
            f"{rng.choice(LASTS)}{i}",
            f"{rng.choice(WORDS)} {i % 5000} {rng.choice(FORMS)}",
            str(10_000_000 + i),
            f"person{email_no}@firma{email_no % 977}.example",
            f"+420 6{i % 100:02d} {i // 1000 % 1000:03d} {i % 1000:03d}",
            city,
            postcode,
            country,
            f"{rng.randint(0, 99_999):,}".replace(",", " ") + f",{rng.randint(0, 99):02d}",
            ["Web", "Trade fair", "Referral"][i % 3],
            "vip; 2026" if i % 7 == 0 else "",
            (dt.date(2026, 1, 1) + dt.timedelta(days=i % 365)).strftime("%d.%m.%Y"),
        ]
        if rng.random() < 0.005:  # a bad row: invalid e-mail or a word for a number
            if i % 2:
                row[4] = "not-an-address"
            else:
                row[9] = "hodně"
        yield row


def write_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="cp1250", errors="replace", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows(generate_rows(n))


def write_xlsx(path: Path, n: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Leads")
    sheet.append(HEADERS)
    for row in generate_rows(n, seed=8):
        sheet.append(row)
    workbook.save(path)


def fresh_database() -> str:
    import psycopg

    global PG_DB
    PG_DB = os.environ.get("IMPORT_BENCH_DB", PG_DB)
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DB}")
    return f"postgres://postgres@127.0.0.1:5432/{PG_DB}"


def setup() -> object:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadbridge.settings"
    os.environ.setdefault("LEADBRIDGE_INSECURE_DEV_KEY", "1")
    import django

    django.setup()
    from django.core.management import call_command

    from leadbridge.customfields.models import CustomFieldDefinition
    from leadbridge.leads.models import LeadSource
    from leadbridge.people.models import User

    call_command("migrate", verbosity=0)
    for name in ("Web", "Trade fair", "Referral"):
        LeadSource.objects.get_or_create(name=name)
    CustomFieldDefinition.objects.create(
        record_type="lead", key="contacted", label="Datum kontaktu", type="date"
    )
    return User.objects.create_superuser("bench", "bench@example.com", "x-Bench-123")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tree_pss_mb() -> float:
    """Proportional set size of this process and its children (the checking processes):
    shared pages (the code and data they inherit by fork) counted once, not per process."""
    pids, total = [os.getpid()], 0
    with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children") as f:
        pids += [int(p) for p in f.read().split()]
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue  # a child that just ended
    return total / 1024


class PeakPss:
    """Samples `_tree_pss_mb` every quarter second in a thread; `.peak` is the largest."""

    def __init__(self) -> None:
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.peak = max(self.peak, _tree_pss_mb())

    def __enter__(self) -> PeakPss:
        if os.path.exists("/proc/self/smaps_rollup"):
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()


def _backend_cpu_seconds() -> float | None:
    """CPU time so far of the PostgreSQL backend serving this process's connection (the
    writer's, which every batch went through); None when the server is not on this machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_split(
    own: object, children: object, backend: float | None, rows: int, seconds: float
) -> dict:
    """Where an import's CPU went, in microseconds per row: the checking processes (reading,
    validation, derivation), the writer (this process) and the PostgreSQL backend it wrote
    through; and the rows/s all cores could give at that cost if nothing else ran. With
    every core busy, the sum over the cores is the ceiling, whatever the split."""
    after_own = resource.getrusage(resource.RUSAGE_SELF)
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)

    def used(a: object, b: object) -> float:
        return b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime  # type: ignore[attr-defined]

    backend_after = _backend_cpu_seconds()
    if not rows or backend is None or backend_after is None:
        return {}
    per_row = {
        "checkers": used(children, after_children),
        "writer": used(own, after_own),
        "postgres": backend_after - backend,
    }
    us = {k: round(v / rows * 1e6, 1) for k, v in per_row.items()}
    total = sum(us.values())
    cores = os.cpu_count() or 1
    return {
        "cpu_us_per_row": us | {"total": round(total, 1)},
        "cpu_bound_rows_per_s": round(cores * 1e6 / total),
        "cores_busy": round(total * rows / 1e6 / seconds, 2),
    }


def child_leadbridge(path: Path, automations: bool = False) -> dict:
    admin = setup()
    if automations:
        # What a lead_create sets off: a webhook subscription on lead.created and a task
        # template on the status new leads get (the deliveries are queued, not sent).
        from leadbridge.automation.models import WebhookSubscription
        from leadbridge.automation.services import task_template_save
        from leadbridge.leads.services import default_status

        WebhookSubscription.objects.create(url="http://127.0.0.1:9/hook", events=["lead.created"])
        task_template_save(
            actor=admin, data={"subject": "Call", "status_ids": [default_status().pk]}
        )
    from leadbridge.duplicates.models import MatchKey
    from leadbridge.imports import engine, jobs
    from leadbridge.leads.models import Lead

    rss_before = peak_rss_mb()
    started = time.perf_counter()
    with path.open("rb") as stream:
        job = jobs.import_upload(
            actor=admin, filename=path.name, stream=stream, size=path.stat().st_size
        )
    job = jobs.import_set_mapping(
        actor=admin,
        job_id=job.pk,
        mapping=job.mapping,
        on_duplicate="skip",
        match_on="any",
        run_automations=automations,
    )
    jobs.import_start(actor=admin, job_id=job.pk)
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    backend = _backend_cpu_seconds()
    with PeakPss() as pss:
        job = engine.run_job(job.pk)
    seconds = time.perf_counter() - started
    cpu = cpu_split(own, children, backend, job.rows_done, seconds)
    assert job.status == "done", job.error
    return {
        "rows": job.rows_done,
        "created": job.rows_created,
        "skipped_duplicates": job.rows_skipped,
        "failed": job.rows_failed,
        "seconds": round(seconds, 2),
        "rows_per_s": round(job.rows_done / seconds),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        # The forked reader (large files): its own peak, reported once it has ended.
        "peak_rss_reader_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
        "rss_after_setup_mb": round(rss_before, 1),
        # All the import's processes together, shared pages once (Linux PSS, sampled).
        "peak_pss_total_mb": round(pss.peak, 1),
        "leads_in_db": Lead.objects.count(),
        "match_keys": MatchKey.objects.count(),
        "mapping": job.mapping["columns"],
        **cpu,
    }


def child_fuzzy(path: Path, sample: int) -> dict:
    """The full matcher (what a create asks) for `sample` rows of the file, after the import."""
    result = child_leadbridge(path)
    from leadbridge.duplicates.checks import find_matches
    from leadbridge.people.models import User

    admin = User.objects.get(username="bench")
    rows = []
    with path.open(encoding="cp1250", newline="") as f:
        reader = csv.reader(f, delimiter=";")
        next(reader)
        for row in reader:
            rows.append(row)
            if len(rows) >= sample:
                break
    started = time.perf_counter()
    found = 0
    for row in rows:
        values = {
            "first_name": row[0],
            "last_name": row[1],
            "company_name": row[2],
            "registration_number": row[3],
            "email": row[4],
            "phone": row[5],
            "city": row[6],
            "postcode": row[7],
            "country": row[8],
        }
        found += bool(find_matches(actor=admin, record_type="lead", values=values))
    seconds = time.perf_counter() - started
    return {
        "import_rows_per_s": result["rows_per_s"],
        "sample": len(rows),
        "with_matches": found,
        "rows_per_s": round(len(rows) / seconds),
        "ms_per_row": round(1000 * seconds / len(rows), 2),
    }


def child_copy(path: Path) -> dict:
    import psycopg

    url = os.environ["DATABASE_URL"]
    with psycopg.connect(url) as conn:
        cols = ", ".join(f"c{i} text" for i in range(len(HEADERS)))
        conn.execute(f"CREATE TABLE bare_leads ({cols})")
        started = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy(
                "COPY bare_leads FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true, "
                "ENCODING 'WIN1250')"
            ) as copy:
                with path.open("rb") as f:
                    while data := f.read(1 << 20):
                        copy.write(data)
        conn.commit()
        seconds = time.perf_counter() - started
        rows = conn.execute("SELECT count(*) FROM bare_leads").fetchone()[0]
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds)}


def child_iex(path: Path, limit: int | None = None) -> dict:
    """django-import-export: a ModelResource in bulk mode with model validation."""
    setup()
    import tablib
    from import_export import fields, resources, widgets

    from leadbridge.leads.models import Lead, LeadSource, LeadStatus

    status = LeadStatus.objects.filter(kind="open").first()

    class LeadResource(resources.ModelResource):
        source = fields.Field(
            column_name="Zdroj",
            attribute="source",
            widget=widgets.ForeignKeyWidget(LeadSource, field="name"),
        )

        class Meta:
            model = Lead
            use_bulk = True
            batch_size = 1000
            clean_model_instances = True
            force_init_instance = True
            skip_diff = True
            fields = (
                "id",
                "first_name",
                "last_name",
                "company_name",
                "registration_number",
                "email",
                "phone",
                "city",
                "postcode",
                "country",
                "source",
                "status",
            )

    names = [
        "first_name",
        "last_name",
        "company_name",
        "registration_number",
        "email",
        "phone",
        "city",
        "postcode",
        "country",
        "value",
        "Zdroj",
        "tags",
        "contacted",
    ]
    started = time.perf_counter()
    with path.open(encoding="cp1250", newline="") as f:
        reader = csv.reader(f, delimiter=";")
        next(reader)
        data = tablib.Dataset(headers=[*names, "status", "id"])
        for row in reader:
            data.append([*row, status.pk, ""])
            if limit and len(data) >= limit:
                break
    result = LeadResource().import_data(data, raise_errors=False, collect_failed_rows=True)
    seconds = time.perf_counter() - started
    if result.base_errors:
        raise RuntimeError(repr(result.base_errors[0].error))
    return {
        "rows": len(data),
        "created": Lead.objects.count(),
        "invalid_rows": len(result.invalid_rows),
        "seconds": round(seconds, 2),
        "rows_per_s": round(len(data) / seconds),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def load() -> list[float]:
    """The 1, 5 and 15 minute load averages: the machine is shared, so every figure is
    reported beside the load it was measured under."""
    return [round(x, 2) for x in os.getloadavg()]


def run_child(kind: str, path: Path, extra: list[str] | None = None) -> dict:
    before = load()
    result = _run_child(kind, path, extra)
    return result | {"load_before": before, "load_after": load()}


def _run_child(kind: str, path: Path, extra: list[str] | None = None) -> dict:
    env = dict(
        os.environ,
        DATABASE_URL=fresh_database(),
        LEADBRIDGE_DATA_DIR=tempfile.mkdtemp(prefix="imp-bench-data-"),
    )
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--file", str(path), *(extra or [])],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-5000:])
        raise SystemExit(f"{kind} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--xlsx-n", type=int, default=None, help="XLSX rows (default n/10)")
    parser.add_argument("--skip-iex", action="store_true", help="skip django-import-export")
    parser.add_argument(
        "--iex-n", type=int, default=None, help="rows for django-import-export (default n)"
    )
    parser.add_argument("--fuzzy", type=int, default=1000, help="rows for the fuzzy check")
    parser.add_argument(
        "--automations",
        type=int,
        default=0,
        help="rows imported with run_automations on and off, to measure its cost (default 0)",
    )
    parser.add_argument(
        "--db", default=PG_DB, help=f"scratch database, dropped and made again (default {PG_DB})"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ["IMPORT_BENCH_DB"] = args.db
    if args.child:
        path = Path(args.file)
        handlers = {
            "leadbridge": lambda: child_leadbridge(path),
            "copy": lambda: child_copy(path),
            "iex": lambda: child_iex(path, args.iex_n),
            "fuzzy": lambda: child_fuzzy(path, args.fuzzy),
            "automations": lambda: child_leadbridge(path, automations=True),
        }
        print(json.dumps(handlers[args.child]()))
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="imp-bench-"))
    csv_path, xlsx_path = tmp / "leads.csv", tmp / "leads.xlsx"
    started = time.perf_counter()
    write_csv(csv_path, args.n)
    xlsx_n = args.xlsx_n if args.xlsx_n is not None else max(args.n // 10, 1)
    write_xlsx(xlsx_path, xlsx_n)
    print(
        f"generated {args.n} CSV rows and {xlsx_n} XLSX rows in "
        f"{time.perf_counter() - started:.1f} s ({csv_path.stat().st_size / 1e6:.1f} MB CSV)"
    )
    results: dict = {"n": args.n, "xlsx_n": xlsx_n}
    results["leadbridge_csv"] = run_child("leadbridge", csv_path)
    print("leadbridge csv:", json.dumps(results["leadbridge_csv"]))
    results["leadbridge_xlsx"] = run_child("leadbridge", xlsx_path)
    print("leadbridge xlsx:", json.dumps(results["leadbridge_xlsx"]))
    results["copy"] = run_child("copy", csv_path)
    print("COPY:", json.dumps(results["copy"]))
    if not args.skip_iex:
        extra = ["--iex-n", str(args.iex_n)] if args.iex_n else []
        results["django_import_export"] = run_child("iex", csv_path, extra)
        print("django-import-export:", json.dumps(results["django_import_export"]))
    if args.fuzzy:
        small = tmp / "fuzzy.csv"
        write_csv(small, min(args.n, 20_000))
        results["fuzzy"] = run_child("fuzzy", small, ["--fuzzy", str(args.fuzzy)])
        print("fuzzy find_matches:", json.dumps(results["fuzzy"]))
    if args.automations:
        small = tmp / "automations.csv"
        write_csv(small, args.automations)
        results["automations_off"] = run_child("leadbridge", small)
        results["automations_on"] = run_child("automations", small)
        print("run_automations off:", json.dumps(results["automations_off"]))
        print("run_automations on:", json.dumps(results["automations_on"]))
    print()
    print(
        f"{'path':<24} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'peak RSS MB':>12} "
        f"{'all PSS MB':>11}"
    )
    print(
        "  (leadbridge: RSS of the worker process, PSS of it and its checking processes"
        " together; each checker's RSS is in the JSON)"
    )
    keys = ("leadbridge_csv", "leadbridge_xlsx", "copy", "django_import_export")
    for key in (*keys, "automations_off", "automations_on"):
        r = results.get(key)
        if r:
            print(
                f"{key:<24} {r['rows']:>9} {r['seconds']:>8} {r['rows_per_s']:>9} "
                f"{r.get('peak_rss_mb', ''):>12} {r.get('peak_pss_total_mb', ''):>11}  "
                f"load {r['load_before']} -> {r['load_after']}"
            )
    for key in ("leadbridge_csv", "leadbridge_xlsx"):
        r = results.get(key) or {}
        if "cpu_us_per_row" in r:
            print(
                f"{key}: CPU per row (us) {r['cpu_us_per_row']}; at that cost "
                f"{os.cpu_count()} cores give at most {r['cpu_bound_rows_per_s']} rows/s "
                f"(cores busy on average: {r['cores_busy']})"
            )
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "import.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
