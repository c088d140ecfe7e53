"""Leadbridge as several nodes on one machine, for the multi-node test and bench/scaleout.py.

App nodes (`leadbridge serve`) listen on 127.0.0.2, 127.0.0.3, … (all of 127/8 is loopback on
Linux), worker nodes (`leadbridge worker`) run beside them; every node is its own process
group with its own working folder (`LEADBRIDGE_DATA_DIR`), so a SIGKILL takes down the whole
node (gunicorn's master and workers, the worker's children) as a crashed machine would. What
they share is what a real cluster shares: one PostgreSQL database (created and migrated here),
Redis (when given; a DB for the queue and the next one for the cache), the media folder (the
shared file storage) and the secret key. nginx from Debian's package balances them with the
repository's own config (`deploy/nginx/leadbridge.conf`, the file compose mounts), run in the
foreground with its pid, logs and temp files in the cluster's folder.

Everything started here is stopped by `close()` (the context manager), whatever happened.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
NGINX_CONF = REPO / "deploy" / "nginx" / "leadbridge.conf"
LEADBRIDGE = [sys.executable, "-m", "leadbridge"]


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def loopback_usable(address: str) -> bool:
    """127.0.0.2 and up answer on Linux without configuration; not on every system."""
    try:
        with socket.socket() as s:
            s.bind((address, 0))
        return True
    except OSError:
        return False


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (from /proc; empty where there is no /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def nginx_config(*, prefix: Path, listen: str, upstreams: list[str]) -> str:
    """The repository's balancer config with this cluster's nodes and port, wrapped in a
    main config that keeps every file nginx writes inside `prefix`."""
    site = NGINX_CONF.read_text()
    servers = "".join(f"    server {u} max_fails=1 fail_timeout=5s;\n" for u in upstreams)
    site, n = re.subn(r"(?m)^\s*server app\S*:8000[^\n]*\n", "", site)
    assert n >= 1, "deploy/nginx/leadbridge.conf: no `server app…:8000` lines to replace"
    site = site.replace("upstream leadbridge_app {\n", "upstream leadbridge_app {\n" + servers, 1)
    site, n = re.subn(r"(?m)^(\s*)listen 80;", rf"\1listen {listen};", site)
    assert n == 1, "deploy/nginx/leadbridge.conf: expected one `listen 80;`"
    (prefix / "site.conf").write_text(site)
    temp = {
        name: prefix / "temp" / name
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    }
    for path in temp.values():
        path.mkdir(parents=True, exist_ok=True)
    # As root the workers would switch to `nobody`, who cannot enter a private temp folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"    access_log {prefix / 'access.log'};\n"
        + "".join(f"    {name}_temp_path {path};\n" for name, path in temp.items())
        + f"    include {prefix / 'site.conf'};\n}}\n"
    )


@dataclass
class Node:
    name: str
    command: list[str]
    folder: Path
    env: dict[str, str]
    address: str = ""  # host:port of an app node
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def log(self) -> Path:
        return self.folder / "node.log"

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, f"{self.name} runs"
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            log.write(f"\n=== start {self.starts + 1} at {time.time():.3f}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.command,
                cwd=self.folder,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: killpg takes the whole node
            )
        self.starts += 1

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the node's whole process tree: a crash, nothing cleans up. The tree, not
        only the process group: RQ's work-horse starts a session of its own (os.setsid)."""
        if self.process is None:
            return
        tree = descendants(self.process.pid)
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in tree:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 15) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=timeout)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self.kill()  # stragglers of the group (gunicorn workers, forked import checkers)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Cluster:
    root: Path
    pg_server: str  # postgres://user@host:port (no database name)
    db_name: str
    redis_url: str | None = None  # redis://host:port/N: N the queue, N+1 the cache
    use_rq: bool = False
    redis_cache: bool = False
    apps: int = 2
    workers: int = 2
    app_processes: int = 2  # gunicorn workers per app node
    extra_env: dict[str, str] = field(default_factory=dict)
    app_nodes: list[Node] = field(default_factory=list)
    worker_nodes: list[Node] = field(default_factory=list)
    nginx: Node | None = None
    url: str = ""
    token: str = ""
    setup_seconds: float = 0.0

    # -- the shared services ---------------------------------------------------------------
    @property
    def database_url(self) -> str:
        return f"{self.pg_server.rstrip('/')}/{self.db_name}"

    def _redis_db(self, offset: int) -> str:
        assert self.redis_url
        parts = urllib.parse.urlsplit(self.redis_url)
        base = int(parts.path.strip("/") or 0)
        return urllib.parse.urlunsplit(parts._replace(path=f"/{base + offset}"))

    @property
    def tasks_url(self) -> str | None:
        return self._redis_db(0) if self.use_rq else None

    @property
    def cache_url(self) -> str | None:
        return self._redis_db(1) if self.redis_cache else None

    def _admin_sql(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.pg_server.rstrip('/')}/postgres", autocommit=True) as c:
            c.execute(sql)

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        """A query on the cluster's database (the test's view of the shared state)."""
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as c:
            cursor = c.execute(query, params)
            return list(cursor.fetchall()) if cursor.description else []

    def _flush_redis(self) -> None:
        if not self.redis_url:
            return
        import redis

        for offset in (0, 1):
            redis.Redis.from_url(self._redis_db(offset)).flushdb()

    def env(self, folder: Path) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "PYTEST_", "LEADBRIDGE_"))
            and k not in ("DATABASE_URL", "TASKS_URL", "CACHE_URL", "MEDIA_STORAGE_URL")
        }
        env.update(
            DATABASE_URL=self.database_url,
            SECRET_KEY=self.secret_key,
            LEADBRIDGE_DATA_DIR=str(folder),
            MEDIA_ROOT=str(self.root / "shared-media"),
            PYTHONUNBUFFERED="1",
            # The balancer's address, and each node's own for the health checks.
            ALLOWED_HOSTS=",".join(
                ["127.0.0.1", "localhost", *(f"127.0.0.{2 + i}" for i in range(self.apps))]
            ),
            LOG_LEVEL="WARNING",
            # The load comes from one address through nginx; the limits are not under test.
            WEBFORM_RATE_PER_IP="1000000",
            WEBFORM_RATE_PER_FORM="1000000",
            API_RATE_LIMIT="1000000/m",
            WEBHOOK_ALLOW_PRIVATE_NETWORKS="1",  # the receiver is on loopback
            WEBHOOK_TIMEOUT_SECONDS="5",
            OUTBOUND_RETRY_BASE_SECONDS="1",
        )
        if self.tasks_url:
            env["TASKS_URL"] = self.tasks_url
        if self.cache_url:
            env["CACHE_URL"] = self.cache_url
        env.update(self.extra_env)
        return env

    def run(self, *args: str, stdin: str | None = None, timeout: float = 180) -> str:
        """A one-off `leadbridge` command (migrate, createuser, …) against the cluster."""
        folder = self.root / "admin"
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [*LEADBRIDGE, *args],
            cwd=folder,
            env=self.env(folder),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"leadbridge {' '.join(args)}: {done.stdout}\n{done.stderr}")
        return done.stdout

    # -- the nodes ---------------------------------------------------------------------------
    def setup(self) -> Cluster:
        began = time.monotonic()
        self.secret_key = secrets.token_urlsafe(50)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "shared-media").mkdir(exist_ok=True)
        self._admin_sql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self._admin_sql(f'CREATE DATABASE "{self.db_name}"')
        self._flush_redis()
        self.run("migrate")
        self.run("createuser", "admin", "--superuser", "--password-stdin", stdin="x-Secret-123\n")
        self.token = self.run("token", "admin", "--name", "cluster").strip().splitlines()[-1]
        self.port = free_port()
        for i in range(self.apps):
            host = f"127.0.0.{2 + i}"
            folder = self.root / f"app{i + 1}"
            node = Node(
                name=f"app{i + 1}",
                command=[
                    *LEADBRIDGE,
                    "serve",
                    "--host",
                    host,
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.app_processes),
                ],
                folder=folder,
                env=self.env(folder),
                address=f"{host}:{self.port}",
            )
            self.app_nodes.append(node)
        for i in range(self.workers):
            folder = self.root / f"worker{i + 1}"
            extra = (
                []
                if self.use_rq
                else ["--worker-id", f"worker{i + 1}", "--interval", "0.2", "--no-startup-delay"]
            )
            node = Node(
                name=f"worker{i + 1}",
                command=[*LEADBRIDGE, "worker", *extra],
                folder=folder,
                env=self.env(folder),
            )
            self.worker_nodes.append(node)
        for node in self.app_nodes + self.worker_nodes:
            node.start()
        self._start_nginx()
        for node in self.app_nodes:
            self.wait_ready(node)
        self.setup_seconds = time.monotonic() - began
        return self

    def _start_nginx(self) -> None:
        binary = nginx_binary()
        assert binary, "nginx is not installed (apt-get install nginx)"
        prefix = self.root / "nginx"
        prefix.mkdir(parents=True, exist_ok=True)
        lb_port = free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(
            nginx_config(
                prefix=prefix,
                listen=f"127.0.0.1:{lb_port}",
                upstreams=[n.address for n in self.app_nodes],
            )
        )
        self.nginx = Node(
            name="nginx",
            command=[binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)],
            folder=prefix,
            env=dict(os.environ),
        )
        self.nginx.start()
        self.url = f"http://127.0.0.1:{lb_port}"

    def wait_ready(self, node: Node, timeout: float = 90) -> None:
        """Until the node's /readyz answers 200 (its database and queue reachable)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not node.running():
                raise RuntimeError(f"{node.name} exited:\n{node.tail()}")
            try:
                with urllib.request.urlopen(f"http://{node.address}/readyz", timeout=3) as r:
                    if r.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:  # answered, and never will be ready (a wrong setting)
                    raise RuntimeError(f"{node.name}: /readyz {exc.code}\n{node.tail()}")
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{node.name} not ready after {timeout} s:\n{node.tail()}")

    def restart(self, node: Node) -> None:
        node.start()
        if node.address:
            self.wait_ready(node)

    def close(self) -> None:
        for node in [*self.app_nodes, *self.worker_nodes, *([self.nginx] if self.nginx else [])]:
            try:
                node.stop()
            except Exception:  # noqa: BLE001 - stop the rest whatever happens to one
                pass
        try:
            self._admin_sql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        except Exception:  # noqa: BLE001
            pass
        try:
            self._flush_redis()
        except Exception:  # noqa: BLE001
            pass

    def __enter__(self) -> Cluster:
        try:
            return self.setup()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc) -> None:
        self.close()
