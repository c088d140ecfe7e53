"""A local HTTP server answering like the registries, from fixtures written from each
registry's published API documentation. Routes: (method, path prefix) -> handler."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def route(method: str, path: str, query: dict, body: dict) -> tuple[int, bytes]:
    if path.startswith("/ares/ekonomicke-subjekty/") and method == "GET":
        ico = path.rsplit("/", 1)[1]
        if ico == "27074358":
            return 200, fixture("ares_subject_27074358.json")
        if ico == "99999999":
            return 500, b'{"kod": "CHYBA_SERVERU", "popis": "Internal error"}'
        if ico == "88888888":
            time.sleep(3)  # slower than the client's timeout
            return 200, fixture("ares_subject_27074358.json")
        if not ico.isdigit() or len(ico) != 8:
            return 400, fixture("ares_bad_input.json")
        return 404, fixture("ares_not_found.json")
    if path == "/ares/ekonomicke-subjekty/vyhledat" and method == "POST":
        if "asseco" in str(body.get("obchodniJmeno", "")).lower():
            return 200, fixture("ares_search_asseco.json")
        return 200, b'{"pocetCelkem": 0, "ekonomickeSubjekty": []}'
    if path.startswith("/vies/ms/") and method == "GET":
        _, _, _, country, _, number = path.split("/")
        if (country, number) == ("CZ", "27074358"):
            return 200, fixture("vies_cz_valid.json")
        if country == "DE":
            return 200, fixture("vies_ms_unavailable.json")
        return 200, fixture("vies_invalid.json")
    if path == "/rpo/search" and method == "GET":
        if query.get("identifier") == ["35757442"] or "eset" in str(query.get("fullName")).lower():
            return 200, fixture("rpo_search_35757442.json")
        return 200, b'{"results": []}'
    if path.startswith("/pl/api/search/nip/") and method == "GET":
        nip = path.rsplit("/", 1)[1]
        if "date" not in query:
            return 400, b'{"code": "WL-101", "message": "Pole \'data\' nie moze byc puste."}'
        if nip == "7740001454":
            return 200, fixture("pl_wl_7740001454.json")
        if len(nip) != 10:
            return 400, fixture("pl_wl_bad_nip.json")
        return 200, b'{"result": {"subject": null, "requestId": "x1", "requestDateTime": ""}}'
    return 404, b"{}"


class ReplayServer:
    def __init__(self):
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                outer.hits.append(f"{self.command} {self.path}")
                code, payload = route(self.command, url.path, parse_qs(url.query), body)
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
