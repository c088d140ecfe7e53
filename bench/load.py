"""The app under a bounded mixed load on loopback: requests/s, p99, errors.

    python bench/load.py [--duration 10] [--workers 2] [--clients 6] [--n 10000]
                         [--db sqlite|postgres] [--pg-db lb_bench_load]

Seeds N leads into a fresh database (as bench/ui_pages.py does), starts the production
server (`leadbridge serve`: gunicorn with --workers processes, every middleware, the API rate
limit counted on every request but set too high to refuse any, `--rate-limit off` to skip it)
on 127.0.0.1, then --clients threads send requests for --duration
seconds, each a new connection, chosen at random with these weights: list 40 % (GET
/api/leads, a random page), search 30 % (GET /api/leads?q=…), create 20 % (POST /api/leads),
convert 10 % (POST /api/leads/{id}/convert of a lead the same thread created: new client,
contact and deal). Reports requests/s, p50 / p95 / p99 per kind and overall, and every
non-2xx answer or connection error; exits with 1 if there was any error.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui_pages import load, pct  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SEARCHES = ["kopriva", "porost", "firma12", "603000", "tatra uab", "novak"]
WEIGHTS = [("list", 40), ("search", 30), ("create", 20), ("convert", 10)]


def fresh_database(db: str, pg_db: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='lb-bench-load-')}/bench.sqlite3"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {pg_db}")
        conn.execute(f"CREATE DATABASE {pg_db}")
    return f"postgres://postgres@127.0.0.1:5432/{pg_db}"


def seed(n: int) -> None:
    """Runs in a child process with DATABASE_URL set: migrate, N leads, a token on stdout."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadbridge.settings")
    import django

    django.setup()
    load(n)
    from leadbridge.people.models import User
    from leadbridge.people.services import token_create

    _token, secret = token_create(actor=None, user=User.objects.get(username="bench"), name="load")
    print(secret)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Worker(threading.Thread):
    def __init__(self, port: int, token: str, until: float, seed_value: int):
        super().__init__(daemon=True)
        self.port, self.until = port, until
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.rng = random.Random(seed_value)
        self.mine: list[int] = []
        self.samples: list[tuple[str, float, int]] = []  # kind, ms, status (0: no answer)
        self.errors: list[str] = []

    def request(self, kind: str, method: str, path: str, body: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        start = time.perf_counter()
        try:
            conn.request(method, path, json.dumps(body) if body else None, self.headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
        except OSError as exc:
            self.samples.append((kind, (time.perf_counter() - start) * 1000, 0))
            self.errors.append(f"{kind} {path}: {exc}")
            return None
        finally:
            conn.close()
        self.samples.append((kind, (time.perf_counter() - start) * 1000, status))
        if not 200 <= status < 300:
            self.errors.append(f"{kind} {path}: {status} {data[:200]!r}")
            return None
        return json.loads(data)

    def create(self) -> None:
        i = self.rng.randrange(10**9)
        answer = self.request(
            "create",
            "POST",
            "/api/leads",
            {
                "first_name": "Load",
                "last_name": f"Tester {i}",
                "company_name": f"Bench {i} s.r.o.",
                "email": f"load{i}@bench.example",
                "phone": f"+420 7{i % 100:02d} {i % 1000000:06d}",
            },
        )
        if answer:
            self.mine.append(answer["id"])

    def run(self) -> None:
        kinds = [k for k, _ in WEIGHTS]
        weights = [w for _, w in WEIGHTS]
        while time.time() < self.until:
            kind = self.rng.choices(kinds, weights)[0]
            if kind == "list":
                self.request(kind, "GET", f"/api/leads?offset={self.rng.randrange(0, 500)}")
            elif kind == "search":
                q = self.rng.choice(SEARCHES).replace(" ", "+")
                self.request(kind, "GET", f"/api/leads?q={q}")
            elif kind == "create" or not self.mine:
                self.create()
            else:
                lead_id = self.mine.pop()
                self.request(
                    kind, "POST", f"/api/leads/{lead_id}/convert", {"deal": {"mode": "new"}}
                )


def summary(samples: list[tuple[str, float, int]], seconds: float) -> dict:
    times = [ms for _, ms, _ in samples]
    return {
        "requests": len(samples),
        "per_second": round(len(samples) / seconds, 1),
        "p50_ms": round(pct(times, 50), 1) if times else None,
        "p95_ms": round(pct(times, 95), 1) if times else None,
        "p99_ms": round(pct(times, 99), 1) if times else None,
    }


def run(args: argparse.Namespace) -> dict:
    env = dict(
        os.environ,
        DATABASE_URL=fresh_database(args.db, args.pg_db),
        LEADBRIDGE_DATA_DIR=tempfile.mkdtemp(prefix="lb-bench-load-data-"),
        SECRET_KEY="bench-" + "x" * 40,
        API_RATE_LIMIT=args.rate_limit,
        LOG_LEVEL="WARNING",
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    started = time.time()
    out = subprocess.run(
        [sys.executable, __file__, "--seed", "--n", str(args.n)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(out.returncode)
    token = out.stdout.strip().splitlines()[-1]
    seeded = round(time.time() - started, 1)
    port = free_port()
    leadbridge = str(Path(sys.executable).with_name("leadbridge"))
    server = subprocess.Popen(
        [leadbridge, "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not become ready")
        until = time.time() + args.duration
        workers = [Worker(port, token, until, i) for i in range(args.clients)]
        begin = time.time()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        seconds = time.time() - begin
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    samples = [s for w in workers for s in w.samples]
    errors = [e for w in workers for e in w.errors]
    return {
        "db": args.db,
        "n": args.n,
        "workers": args.workers,
        "clients": args.clients,
        "rate_limit": args.rate_limit,
        "duration_s": round(seconds, 1),
        "seeded_in_s": seeded,
        "load_average": os.getloadavg()[0],
        "all": summary(samples, seconds),
        "kinds": {
            kind: summary([s for s in samples if s[0] == kind], seconds) for kind, _ in WEIGHTS
        },
        "errors": len(errors),
        "first_errors": errors[:10],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds of load (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=6, help="concurrent client threads")
    parser.add_argument("--n", type=int, default=10_000, help="leads seeded before the load")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-db", default="lb_bench_load", help="PostgreSQL database (dropped)")
    parser.add_argument(
        "--rate-limit",
        default="1000000/m",
        help="API_RATE_LIMIT of the server: counted on every request but never reached by "
        "default; `off` measures without the counting",
    )
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args.n)
        return 0
    result = run(args)
    print(
        f"{args.db}: {result['duration_s']} s, {args.workers} workers, {args.clients} clients, "
        f"{args.n} leads seeded, rate limit {args.rate_limit}; "
        f"load average {result['load_average']:.1f}"
    )
    print(f"{'kind':<8} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind, m in [("all", result["all"]), *result["kinds"].items()]:
        print(
            f"{kind:<8} {m['requests']:>9} {m['per_second']:>7} {m['p50_ms']!s:>8}"
            f" {m['p95_ms']!s:>8} {m['p99_ms']!s:>8}"
        )
    print(f"errors: {result['errors']}")
    for line in result["first_errors"]:
        print("  " + line)
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / f"load_{args.db}.json").write_text(json.dumps(result, indent=2))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
