"""Scale-out: one app node against two behind nginx, and webhook deliveries on the database
queue against RQ (issue 22).

    python bench/scaleout.py [--seconds 15] [--rounds 2] [--concurrency 8] [--events 10000]
                             [--seed 5000] [--redis redis://127.0.0.1:6379/6]

The cluster is the multi-node test's (src/leadbridge/ops/tests/cluster.py): app nodes
`leadbridge serve --workers 2` on 127.0.0.2 and 127.0.0.3, worker nodes `leadbridge worker`,
one fresh PostgreSQL database (created, migrated, dropped), nginx from Debian's package with
the repository's config (deploy/nginx/leadbridge.conf). Two balancers run side by side: one
with only the first app node behind it, one with both, so the only difference between the
two measurements is the second node.

1. **HTTP** (`--seconds` per slice, `--rounds` slices each, one node and two nodes taking
   turns so that the machine's other load weighs on both alike), `--concurrency` client
   threads on keep-alive connections:
   - **API list**: `GET /api/leads?limit=25` with a Bearer token over `--seed` leads (loaded
     by an import through the API and a worker);
   - **form capture**: `POST /f/<key>` (JSON, each a new visitor and a new lead) through the
     whole path (rate limits lifted by the environment: one client address).
   Requests/s and p50 / p95 per setup, and the ratio two nodes / one node.
2. **Webhook deliveries** at `--events` events: a subscription to a receiver on loopback
   (answers 204 at once), the workers stopped, `--events` lead.created events emitted in
   transactions of 500 (`automation.events.emit`, as every write path does), then two worker
   nodes started. Deliveries/s = events / (last `delivered_at` − first), on the database queue
   and then on RQ (`TASKS_URL`, the same database; the worker nodes restarted with it).

Prints the machine's cores and load average (`os.getloadavg`) before and after each part,
and writes JSON to bench/results/scaleout.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("LEADBRIDGE_INSECURE_DEV_KEY", "1")

from leadbridge.ops.tests.cluster import Cluster, Node, free_port, nginx_binary, nginx_config  # noqa: E402


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- the cluster -----------------------------------------------------------------------------


def extra_balancer(cluster: Cluster, nodes: list[Node], name: str) -> tuple[Node, str]:
    """A second nginx in front of only `nodes` (the one-node setup), same config file."""
    prefix = cluster.root / name
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(
        nginx_config(
            prefix=prefix, listen=f"127.0.0.1:{port}", upstreams=[n.address for n in nodes]
        )
    )
    binary = nginx_binary()
    assert binary
    node = Node(
        name=name,
        command=[binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)],
        folder=prefix,
        env=dict(os.environ),
    )
    node.start()
    time.sleep(0.5)
    return node, f"http://127.0.0.1:{port}"


def api(cluster: Cluster, method: str, path: str, body=None, *, base: str | None = None):
    parts = urllib.parse.urlsplit(base or cluster.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    headers = {"Authorization": f"Bearer {cluster.token}"}
    payload = None
    if isinstance(body, dict):
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    elif isinstance(body, tuple):  # (content type, bytes)
        headers["Content-Type"], payload = body
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, json.loads(data or b"null")


def seed_leads(cluster: Cluster, n: int) -> None:
    """`n` leads through an import (the API uploads, a worker imports)."""
    boundary = uuid.uuid4().hex
    rows = "first_name,last_name,email\r\n" + "".join(
        f"Seed{i},Scaleout{i},seed{i}@example.com\r\n" for i in range(n)
    )
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="seed.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n{rows}\r\n--{boundary}--\r\n"
    ).encode()
    status, job = api(
        cluster, "POST", "/api/imports", (f"multipart/form-data; boundary={boundary}", body)
    )
    assert status == 201, job
    mapping = {
        "mapping": {"columns": ["first_name", "last_name", "email"]},
        "on_duplicate": "allow",
    }
    status, out = api(cluster, "PUT", f"/api/imports/{job['id']}/mapping", mapping)
    assert status == 200, out
    status, out = api(cluster, "POST", f"/api/imports/{job['id']}/start")
    assert status == 202, out
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        ((state,),) = cluster.sql(
            "SELECT status FROM imports_importjob WHERE id = %s", (job["id"],)
        )
        if state == "done":
            return
        assert state in ("queued", "running"), state
        time.sleep(1)
    raise SystemExit("the seed import did not finish")


# -- part 1: HTTP throughput ---------------------------------------------------------------------


def drive(base: str, make_request, seconds: float, concurrency: int) -> dict:
    """`concurrency` threads, each on its own keep-alive connection, for `seconds`."""
    parts = urllib.parse.urlsplit(base)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        mine: list[float] = []
        bad = 0
        i = 0
        while time.monotonic() < stop:
            method, path, body, headers = make_request(n, i)
            i += 1
            began = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                ok = False
            if ok:
                mine.append(time.perf_counter() - began)
            else:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "seconds": elapsed,
        "latencies": latencies,
    }


def http_part(cluster: Cluster, args) -> dict:
    one_lb, one_url = extra_balancer(cluster, cluster.app_nodes[:1], "nginx-one")
    try:
        status, form = api(
            cluster,
            "POST",
            "/api/webforms",
            {"name": "Scaleout", "fields": ["last_name", "email"], "min_fill_seconds": 0},
        )
        assert status == 201, form
        token = cluster.token
        run = uuid.uuid4().hex[:6]

        def api_list(n: int, i: int):
            return "GET", "/api/leads?limit=25", None, {"Authorization": f"Bearer {token}"}

        def form_post(n: int, i: int):
            marker = f"{run}-{n}-{i}-{time.monotonic_ns()}"
            body = json.dumps({"last_name": f"Form{marker}", "email": f"f{marker}@example.com"})
            return "POST", f"/f/{form['key']}", body, {"Content-Type": "application/json"}

        setups = {"one node": one_url, "two nodes": cluster.url}
        results: dict = {}
        for kind, make in (("api_list", api_list), ("form_capture", form_post)):
            # A short warm-up per setup (connections, caches of each gunicorn worker).
            for url in setups.values():
                drive(url, make, 2, args.concurrency)
            collected = {
                name: {"requests": 0, "errors": 0, "seconds": 0.0, "latencies": []}
                for name in setups
            }
            for _round in range(args.rounds):
                for name, url in setups.items():
                    out = drive(url, make, args.seconds, args.concurrency)
                    bucket = collected[name]
                    for key in ("requests", "errors", "seconds"):
                        bucket[key] += out[key]
                    bucket["latencies"] += out["latencies"]
            results[kind] = {}
            for name, bucket in collected.items():
                lat = bucket.pop("latencies")
                results[kind][name] = bucket | {
                    "rps": bucket["requests"] / bucket["seconds"],
                    "p50_ms": statistics.median(lat) * 1000 if lat else float("nan"),
                    "p95_ms": pct(lat, 0.95) * 1000,
                }
            results[kind]["ratio"] = (
                results[kind]["two nodes"]["rps"] / results[kind]["one node"]["rps"]
            )
        return results
    finally:
        one_lb.stop()


# -- part 2: webhook deliveries --------------------------------------------------------------------


class Receiver:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.count += 1
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


EMIT = """
from django.db import transaction
from leadbridge.automation.events import emit
from leadbridge.leads.models import Lead
N = {events}
leads = list(Lead.objects.order_by("id")[:N])
done = 0
while done < N:
    with transaction.atomic():
        for i in range(done, min(N, done + 500)):
            emit("lead.created", "lead", leads[i % len(leads)])
    done = min(N, done + 500)
print(done)
"""


def deliveries_part(cluster: Cluster, args, label: str) -> dict:
    for node in cluster.worker_nodes:
        node.stop()
    cluster.sql("DELETE FROM automation_webhookattempt")
    cluster.sql("DELETE FROM automation_webhookdelivery")
    began = time.monotonic()
    emitted = cluster.run("manage", "shell", "-c", EMIT.format(events=args.events), timeout=1800)
    emit_seconds = time.monotonic() - began
    assert emitted.strip().splitlines()[-1] == str(args.events), emitted
    load_before = load()
    started = time.monotonic()
    for node in cluster.worker_nodes:
        node.start()
    deadline = started + 1800
    while time.monotonic() < deadline:
        ((pending,),) = cluster.sql(
            "SELECT count(*) FROM automation_webhookdelivery WHERE status <> 'delivered'"
        )
        if pending == 0:
            break
        time.sleep(1)
    else:
        raise SystemExit(f"{label}: {pending} deliveries still pending")
    wall = time.monotonic() - started
    ((first, last, n),) = cluster.sql(
        "SELECT min(delivered_at), max(delivered_at), count(*) FROM automation_webhookdelivery"
    )
    span = (last - first).total_seconds()
    return {
        "events": n,
        "emit_seconds": emit_seconds,
        "span_seconds": span,
        "per_second": n / span if span else float("nan"),
        "wall_seconds_from_worker_start": wall,
        "load_before": load_before,
        "load_after": load(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=5_000)
    parser.add_argument(
        "--redis", default="redis://127.0.0.1:6379/6", help="DB N: the queue, N+1: the cache"
    )
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="scaleout_bench")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-webhooks", action="store_true")
    args = parser.parse_args()

    cores = os.cpu_count()
    print(f"cores: {cores}; load average (1/5/15 min) at start: {load()}")
    result: dict = {"cores": cores, "args": vars(args), "load_start": load()}
    with tempfile.TemporaryDirectory(prefix="scaleout-") as tmp:
        cluster = Cluster(
            root=Path(tmp),
            pg_server=args.pg,
            db_name=args.database,
            redis_url=args.redis,
            use_rq=False,
            redis_cache=False,
            apps=2,
            workers=2,
            extra_env={"LOG_LEVEL": "ERROR"},
        )
        with cluster:
            print(f"cluster up in {cluster.setup_seconds:.0f} s; seeding {args.seed} leads…")
            seed_leads(cluster, args.seed)
            if not args.skip_http:
                # The HTTP part runs with the workers stopped: they would only poll.
                for node in cluster.worker_nodes:
                    node.stop()
                before = load()
                http = http_part(cluster, args)
                result["http"] = http | {"load_before": before, "load_after": load()}
                print(f"\nHTTP (load before {before}, after {load()}), {args.concurrency} clients:")
                print(
                    f"{'':14} {'one node r/s':>13} {'two nodes r/s':>14} {'ratio':>6}   p50/p95 ms"
                )
                for kind in ("api_list", "form_capture"):
                    one, two = http[kind]["one node"], http[kind]["two nodes"]
                    ratio = http[kind]["ratio"]
                    print(
                        f"{kind:14} {one['rps']:13.1f} {two['rps']:14.1f} {ratio:6.2f}   "
                        f"one {one['p50_ms']:.0f}/{one['p95_ms']:.0f}, "
                        f"two {two['p50_ms']:.0f}/{two['p95_ms']:.0f}; "
                        f"errors {one['errors']}+{two['errors']}"
                    )
            if not args.skip_webhooks:
                receiver = Receiver()
                status, hook = api(
                    cluster,
                    "POST",
                    "/api/webhooks",
                    {"url": receiver.url, "events": ["lead.created"], "secret": "s" * 32},
                )
                assert status == 201, hook
                result["webhooks"] = {}
                for label, rq in (("database queue", False), ("RQ", True)):
                    for node in cluster.worker_nodes:
                        node.stop()
                    cluster.use_rq = rq
                    for node in cluster.worker_nodes:
                        node.env = cluster.env(node.folder)
                        if rq:  # rq_work takes no db_worker options
                            node.command = [
                                c for c in node.command[: node.command.index("worker") + 1]
                            ]
                    out = deliveries_part(cluster, args, label)
                    result["webhooks"][label] = out
                    print(
                        f"\nwebhooks, {label}: {out['events']} deliveries in "
                        f"{out['span_seconds']:.1f} s = {out['per_second']:.0f}/s (2 worker nodes;"
                        f" emitted in {out['emit_seconds']:.0f} s; "
                        f"load {out['load_before']} → {out['load_after']})"
                    )
                db, rq_out = result["webhooks"]["database queue"], result["webhooks"]["RQ"]
                print(f"RQ / database queue: {rq_out['per_second'] / db['per_second']:.2f}")
    result["load_end"] = load()
    print(f"\nload average at the end: {result['load_end']}")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "scaleout.json").write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
