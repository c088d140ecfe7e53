"""Test helpers: the real worker in batch mode and a local HTTP receiver."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management import call_command


def run_worker() -> None:
    """What `leadbridge worker` does, until the queue has nothing due.

    The worker closes "old" connections between tasks; inside a test's transaction that
    would close the test's own connection (as Django's test client avoids for requests)."""
    from unittest import mock

    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


class Receiver:
    """An HTTP server on loopback recording each POST; `answers` are the status codes to
    reply with, in turn (then 200)."""

    def __init__(self, answers: list[int] | None = None, headers: dict | None = None):
        self.requests: list[dict] = []
        self.answers = list(answers or [])
        extra_headers = dict(headers or {})
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                outer.requests.append({"headers": dict(self.headers), "body": body})
                code = outer.answers.pop(0) if outer.answers else 200
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                for name, value in extra_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(json.dumps({"received": code == 200}).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
