"""Two app nodes and two worker nodes behind nginx, one of each killed and restarted under load
(issue 22, proof): nothing lost, nothing doubled.

The cluster (ops/tests/cluster.py): `leadbridge serve` on 127.0.0.2 and 127.0.0.3,
`leadbridge worker` twice, each node its own process group and folder, nginx from Debian's
package in front with the repository's config, one PostgreSQL database made and migrated for
the test, Redis for the queue and the cache when `TASKS_URL` is available (RQ installed and
Redis answering), else the database queue. Through nginx, in threads: web-form submissions
(the hosted form read, then posted as a browser does, each with a unique marker), API lead
creations with an Idempotency-Key, and a CSV import. Meanwhile one app node and the worker
node running the import are SIGKILLed and restarted. A client retries what answered 502 (the
node died holding its request) with the same form submission id or key, as a browser's
resubmit or an API client's retry would; every tenth form is also double-submitted on purpose.

Afterwards, read from the database and from the webhook receiver (a small HTTP server here):
- every submission and every API write is exactly one lead;
- the import is done, every row one lead;
- every lead.created event has exactly one delivery, delivered, and the receiver accepted
  each delivery id once (a repeated id, sent again after a crash or a failed attempt, carries
  the same body and is acknowledged without being accepted again, as a receiver
  deduplicates by `Leadbridge-Delivery`).

Needs PostgreSQL (the nodes share the database; SQLite cannot be shared by several
machines): skipped on SQLite. Bounded: every loop has a deadline, the nodes are stopped in
teardown. About two minutes.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import re
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from .cluster import Cluster, free_port, loopback_usable, nginx_binary

pytestmark = pytest.mark.multinode

FORMS_PER_CLIENT = int(os.environ.get("LEADBRIDGE_MULTINODE_FORMS", "60"))
FORM_CLIENTS = 2
API_WRITES = int(os.environ.get("LEADBRIDGE_MULTINODE_API", "60"))
IMPORT_ROWS = int(os.environ.get("LEADBRIDGE_MULTINODE_IMPORT", "20000"))
SECRET = "multinode-webhook-secret-0123456789"
RETRYABLE = {502, 503, 504}


def _postgres_server() -> tuple[str, str]:
    """(server URL without a database, a database name of our own) from DATABASE_URL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the nodes share a PostgreSQL database (DATABASE_URL is not PostgreSQL)")
    parts = urllib.parse.urlsplit(url)
    base = (parts.path.strip("/") or "leadbridge")[:40]
    server = urllib.parse.urlunsplit(parts._replace(path="", query=""))
    return server, f"{base}_multinode_{os.getpid()}"


def _redis() -> str | None:
    """The Redis DB pair for the cluster, if RQ is installed and Redis answers
    (LEADBRIDGE_MULTINODE_QUEUE=db: the database queue and cache anyway)."""
    if os.environ.get("LEADBRIDGE_MULTINODE_QUEUE") == "db":
        return None
    url = os.environ.get("LEADBRIDGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        import django_tasks_rq  # noqa: F401
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception:  # noqa: BLE001 - no RQ or no Redis: the database queue
        return None
    return url


class Receiver:
    """The webhook receiver: checks the signature, deduplicates by delivery id."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: dict[str, list[str]] = defaultdict(list)
        self.accepted: dict[str, dict] = {}
        self.accept_count: dict[str, int] = defaultdict(int)
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                code = receiver.receive(
                    self.headers.get("Leadbridge-Delivery", ""),
                    self.headers.get("Leadbridge-Signature", ""),
                    body,
                )
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def receive(self, delivery: str, signature: str, body: str) -> int:
        match = re.fullmatch(r"t=(\d+),v1=([0-9a-f]+)", signature)
        expected = (
            match
            and hmac.new(
                SECRET.encode(), f"{match.group(1)}.{body}".encode(), hashlib.sha256
            ).hexdigest()
        )
        with self.lock:
            if not match or not hmac.compare_digest(expected or "", match.group(2)):
                self.bad_signatures += 1
                return 401
            first = not self.arrivals[delivery]
            self.arrivals[delivery].append(body)
            if delivery in self.accepted:
                return 200  # seen: acknowledged, not processed again
            # One delivery in eight fails its first attempt: the retry must bring the same id.
            if first and int(hashlib.md5(delivery.encode()).hexdigest(), 16) % 8 == 0:
                return 503
            self.accepted[delivery] = json.loads(body)
            self.accept_count[delivery] += 1
            return 200

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _send(session: requests.Session, method: str, url: str, deadline: float, **kwargs):
    """One request, resent while the balancer says a node died holding it (502) or none is
    up (502/503/504) or the connection broke; bounded by `deadline`."""
    while True:
        try:
            response = session.request(method, url, timeout=30, **kwargs)
            if response.status_code not in RETRYABLE:
                return response
        except requests.ConnectionError:
            response = None
        if time.monotonic() > deadline:
            raise AssertionError(f"{method} {url}: no answer before the deadline ({response})")
        time.sleep(0.3)


class Load:
    """The clients: web-form visitors and an API client, each a thread."""

    def __init__(self, cluster: Cluster, form_key: str, run: str, deadline: float):
        self.cluster, self.form_key, self.run, self.deadline = cluster, form_key, run, deadline
        self.form_markers: list[str] = []
        self.api_markers: list[str] = []
        self.retries = defaultdict(int)
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def form_client(self, n: int) -> None:
        session = requests.Session()
        url = f"{self.cluster.url}/f/{self.form_key}"
        for i in range(FORMS_PER_CLIENT):
            marker = f"WF{self.run}c{n}n{i}"
            page = _send(session, "GET", url, self.deadline)
            fields = dict(re.findall(r'name="(_lb_[a-z]+)" value="([^"]*)"', page.text))
            data = {
                "last_name": marker,
                "email": f"{marker.lower()}@example.com",
                "_lb_t": fields.get("_lb_t", ""),
                "_lb_sid": fields.get("_lb_sid", ""),
                "_lb_hp": "",
            }
            posts = 2 if i % 10 == 0 else 1  # a visitor's double click
            for _ in range(posts):
                answer = self._post_form(session, url, data)
                if answer.status_code != 200 or "lb-error" in answer.text:
                    self._error(f"form {marker}: {answer.status_code} {answer.text[:300]}")
            with self.lock:
                self.form_markers.append(marker)
            time.sleep(0.15)

    def _post_form(self, session, url, data):
        while True:
            try:
                answer = session.post(url, data=data, timeout=30)
                if answer.status_code not in RETRYABLE:
                    return answer
            except requests.ConnectionError:
                pass
            with self.lock:
                self.retries["form"] += 1
            assert time.monotonic() < self.deadline, "form post: no answer before the deadline"
            time.sleep(0.3)

    def api_client(self) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.cluster.token}"
        for i in range(API_WRITES):
            marker = f"API{self.run}n{i}"
            key = str(uuid.uuid4())
            while True:
                try:
                    answer = session.post(
                        f"{self.cluster.url}/api/leads",
                        json={"last_name": marker, "email": f"{marker.lower()}@example.com"},
                        headers={"Idempotency-Key": key},
                        timeout=30,
                    )
                    if answer.status_code not in RETRYABLE:
                        break
                except requests.ConnectionError:
                    pass
                with self.lock:
                    self.retries["api"] += 1
                assert time.monotonic() < self.deadline, "API write: no answer before the deadline"
                time.sleep(0.3)
            if answer.status_code != 201:
                self._error(f"api {marker}: {answer.status_code} {answer.text[:300]}")
            with self.lock:
                self.api_markers.append(marker)
            time.sleep(0.15)

    def _error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def _import_csv(run: str, rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["first_name", "last_name", "email"])
    for i in range(rows):
        writer.writerow([f"Row{i}", f"IMP{run}n{i}", f"imp{run.lower()}n{i}@example.com"])
    return out.getvalue().encode()


def _import_worker(cluster: Cluster) -> int | None:
    """Index of the worker node running the import now, if the queue tells (the database
    queue records the worker id; RQ's worker is then found by the job's worker name)."""
    if cluster.use_rq:
        import redis
        from rq import Worker

        connection = redis.Redis.from_url(cluster.tasks_url)
        for worker in Worker.all(connection=connection):
            job = worker.get_current_job()
            if job is None or "run_import" not in (job.func_name or ""):
                continue
            for i, node in enumerate(cluster.worker_nodes):
                try:
                    if node.running() and os.getpgid(worker.pid) == node.process.pid:
                        return i
                except (ProcessLookupError, TypeError):
                    pass
        return None
    rows = cluster.sql(
        "SELECT worker_ids FROM django_tasks_database_dbtaskresult"
        " WHERE task_path LIKE %s AND status = 'RUNNING'",
        ("%run_import",),
    )
    for (worker_ids,) in rows:
        for i, node in enumerate(cluster.worker_nodes):
            if worker_ids and worker_ids[-1] == node.name:
                return i
    return None


def _wait(what: str, check, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


@pytest.fixture
def cluster(tmp_path):
    # Skipped where something is missing, except in CI, where .ci/run provides everything.
    missing = pytest.fail if os.environ.get("CI") else pytest.skip
    if not nginx_binary():
        missing("nginx is not installed (apt-get install nginx; .ci/run does)")
    if not (loopback_usable("127.0.0.2") and loopback_usable("127.0.0.3")):
        pytest.skip("127.0.0.2 and 127.0.0.3 are not loopback addresses here")
    server, name = _postgres_server()
    redis_url = _redis()
    forced_db = os.environ.get("LEADBRIDGE_MULTINODE_QUEUE") == "db"
    if redis_url is None and os.environ.get("CI") and not forced_db:
        pytest.fail("no Redis or no RQ: the multi-node test runs on RQ in CI")
    with Cluster(
        root=tmp_path / "cluster",
        pg_server=server,
        db_name=name,
        redis_url=redis_url,
        use_rq=redis_url is not None,
        redis_cache=redis_url is not None,
        # RQ: look for a dead node's jobs every 5 s (the default is a minute).
        extra_env={"TASKS_MAINTENANCE_SECONDS": "5"},
    ) as running:
        yield running


def test_nodes_killed_under_load_lose_and_double_nothing(cluster):
    receiver = Receiver()
    try:
        _run(cluster, receiver)
    except BaseException:
        for node in [*cluster.app_nodes, *cluster.worker_nodes]:
            print(f"--- {node.name} (started {node.starts}x)\n{node.tail(30)}")
        raise
    finally:
        receiver.close()


def _run(cluster: Cluster, receiver: Receiver) -> None:
    run = uuid.uuid4().hex[:6].upper()
    t0 = time.monotonic()
    phases: dict[str, float] = {}

    def phase(name: str) -> None:
        phases[name] = round(time.monotonic() - t0, 1)

    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {cluster.token}"
    setup_deadline = time.monotonic() + 60
    hook = _send(
        api,
        "POST",
        f"{cluster.url}/api/webhooks",
        setup_deadline,
        json={"url": receiver.url, "events": ["lead.created"], "secret": SECRET},
    )
    assert hook.status_code == 201, hook.text
    form = _send(
        api,
        "POST",
        f"{cluster.url}/api/webforms",
        setup_deadline,
        json={"name": "Multinode", "fields": ["last_name", "email"], "min_fill_seconds": 0},
    )
    assert form.status_code == 201, form.text
    upload = _send(
        api,
        "POST",
        f"{cluster.url}/api/imports",
        setup_deadline,
        files={"file": ("multinode.csv", _import_csv(run, IMPORT_ROWS), "text/csv")},
    )
    assert upload.status_code == 201, upload.text
    job_id = upload.json()["id"]
    mapping = _send(
        api,
        "PUT",
        f"{cluster.url}/api/imports/{job_id}/mapping",
        setup_deadline,
        json={
            "mapping": {"columns": ["first_name", "last_name", "email"]},
            "on_duplicate": "allow",
        },
    )
    assert mapping.status_code == 200, mapping.text

    load = Load(cluster, form.json()["key"], run, deadline=time.monotonic() + 150)
    threads = [
        threading.Thread(target=load.form_client, args=(n,), daemon=True)
        for n in range(FORM_CLIENTS)
    ] + [threading.Thread(target=load.api_client, daemon=True)]
    for thread in threads:
        thread.start()
    started = _send(api, "POST", f"{cluster.url}/api/imports/{job_id}/start", load.deadline)
    assert started.status_code == 202, started.text

    # Once the import has committed a batch, the worker node running it dies, and an app node
    # with it; nginx sends the next requests to the other app node, and the import's task
    # must be picked up again by a worker.
    def import_running():
        done = cluster.sql("SELECT rows_done FROM imports_importjob WHERE id = %s", (job_id,))
        return done[0][0] > 0 and _import_worker(cluster) is not None

    try:
        _wait("the import to commit a batch", import_running, timeout=90, every=0.2)
        victim = _import_worker(cluster)
    except AssertionError:
        victim = None  # it finished first (a fast machine): a worker dies all the same
    killed_mid_import = victim is not None
    rows_at_kill = cluster.sql("SELECT rows_done FROM imports_importjob WHERE id = %s", (job_id,))
    worker = cluster.worker_nodes[victim or 0]
    app = cluster.app_nodes[0]
    worker.kill()
    app.kill()
    phase("killed")
    time.sleep(3)
    worker.start()
    cluster.restart(app)
    phase("worker restarted")
    for thread in threads:
        thread.join(timeout=max(1, load.deadline - time.monotonic()))
    phase("clients done")
    assert not any(t.is_alive() for t in threads), "the clients did not finish in time"
    assert not load.errors, load.errors[:5]

    # Recovery. On RQ it is the queue's own: a live worker's maintenance finds the dead
    # node's job abandoned (its heartbeat lapsed) and retries it; the import resumes from its
    # last committed batch once the dead run's lease is stale (the retry waits for that).
    # The database queue has no heartbeat: what a dead worker held counts as lost once it
    # has not moved for a while (an import: STALE_AFTER without progress or lease heartbeat,
    # then the user's Start resumes it; a delivery: the outbound sweep's `stale`). The test
    # stands in for that wait by back-dating only the rows the killed worker held, then does
    # what the user and cron do.
    if not cluster.use_rq:
        from leadbridge.imports.engine import STALE_AFTER

        held = cluster.sql(
            "UPDATE django_tasks_database_dbtaskresult"
            " SET started_at = started_at - interval '2 hours'"
            " WHERE status = 'RUNNING' AND worker_ids ->> -1 = %s RETURNING task_path",
            (worker.name,),
        )
        if any(path.endswith("run_import") for (path,) in held):
            cluster.sql(
                "UPDATE imports_importjob SET updated_at = now() - %s * interval '1 second',"
                " heartbeat_at = now() - %s * interval '1 second'"
                " WHERE id = %s AND status = 'running'",
                (STALE_AFTER + 5, STALE_AFTER + 5, job_id),
            )
            resumed = _send(api, "POST", f"{cluster.url}/api/imports/{job_id}/start", load.deadline)
            assert resumed.status_code == 202, resumed.text

    def import_done():
        status = cluster.sql("SELECT status FROM imports_importjob WHERE id = %s", (job_id,))
        assert status[0][0] in ("queued", "running", "done"), status
        return status[0][0] == "done"

    _wait("the import to finish", import_done, timeout=240, every=1)
    phase("import done")

    def all_delivered():
        pending = cluster.sql(
            "SELECT count(*) FROM automation_webhookdelivery WHERE status <> 'delivered'"
        )[0][0]
        if pending:
            cluster.run("manage", "outbound_sweep")
        return pending == 0

    _wait("every webhook delivery", all_delivered, timeout=240, every=3)
    phase("all delivered")

    # -- every submission and every API write: exactly one lead ------------------------------
    counts = dict(
        cluster.sql(
            "SELECT last_name, count(*) FROM leads_lead WHERE last_name LIKE %s"
            " OR last_name LIKE %s GROUP BY last_name",
            (f"WF{run}%", f"API{run}%"),
        )
    )
    expected = load.form_markers + load.api_markers
    assert len(expected) == FORM_CLIENTS * FORMS_PER_CLIENT + API_WRITES
    assert {m: counts.get(m, 0) for m in expected if counts.get(m, 0) != 1} == {}
    assert set(counts) == set(expected)

    # -- the import: done, every row once ------------------------------------------------------
    ((status, rows_done, created),) = cluster.sql(
        "SELECT status, rows_done, rows_created FROM imports_importjob WHERE id = %s", (job_id,)
    )
    assert (status, rows_done, created) == ("done", IMPORT_ROWS, IMPORT_ROWS)
    ((imported, distinct),) = cluster.sql(
        "SELECT count(*), count(DISTINCT last_name) FROM leads_lead WHERE last_name LIKE %s",
        (f"IMP{run}%",),
    )
    assert imported == distinct == IMPORT_ROWS

    # -- webhooks: one delivery per event, each accepted once -------------------------------
    deliveries = cluster.sql(
        "SELECT d.id::text, d.status, l.last_name FROM automation_webhookdelivery d"
        " JOIN leads_lead l ON l.id = d.record_id WHERE d.event = 'lead.created'"
    )
    per_lead = defaultdict(list)
    for delivery_id, state, last_name in deliveries:
        assert state == "delivered", (delivery_id, state)
        per_lead[last_name].append(delivery_id)
    assert sorted(per_lead) == sorted(expected)
    assert [name for name, ids in per_lead.items() if len(ids) != 1] == []
    ids = {str(uuid.UUID(d)) for d, _s, _n in deliveries}
    assert receiver.bad_signatures == 0
    assert set(receiver.accepted) == ids
    assert [d for d, n in receiver.accept_count.items() if n != 1] == []
    for delivery_id, bodies in receiver.arrivals.items():
        assert len(set(bodies)) == 1, f"delivery {delivery_id} came with different bodies"
        assert receiver.accepted[delivery_id]["data"]["last_name"] in per_lead
    repeats = sum(len(b) - 1 for b in receiver.arrivals.values())
    assert repeats >= len([d for d in ids if int(hashlib.md5(d.encode()).hexdigest(), 16) % 8 == 0])

    killed = f"mid-import at {rows_at_kill[0][0]} rows" if killed_mid_import else "after it"
    print(
        f"\nmultinode ({'RQ + Redis cache' if cluster.use_rq else 'database queue'}): "
        f"{len(load.form_markers)} forms, {len(load.api_markers)} API writes, "
        f"{IMPORT_ROWS} imported rows; client retries {dict(load.retries)}; "
        f"worker killed {killed}; "
        f"{len(ids)} deliveries, {repeats} repeated arrivals; cluster up in "
        f"{cluster.setup_seconds:.0f} s, then at s: {phases}; load {os.getloadavg()[0]:.1f}"
    )
