"""List and search through the API at N leads, against a bare Django view (foundation issue).

    python bench/api_list.py --n 100000 [--db postgres|sqlite|both] [--requests 200]

Loads N leads (derived columns computed as the services do) into a fresh database, then
times GET /api/leads (default list), GET /api/leads?q=… (search terms of several kinds,
ranked by relevance; again newest first as "search_new") and a filtered, sorted list,
through the whole API stack (middleware, token auth, ninja, pydantic) with Django's test
client. In the same run a bare Django view executes the same
SQL (the same queryset from core.selectors.record_list: items and count) and dumps JSON with
JsonResponse; the ratio API/bare is reported. Target on PostgreSQL at 100,000 leads: p95 under
50 ms and within 2x of the bare view.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui_pages import fresh_database, load, pct  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# Searches are ranked by relevance (no `ordering`): surnames whose stem matches a tenth of the
# leads ("kopriva", "petrauskiene"), a first + last name, a company, an e-mail, a phone.
SEARCHES = [
    "kopriva",
    "petrauskiene",
    "jan novak",
    "porost",
    "firma12",
    "603000",
    "tatra uab",
    "person4242",
]


def bare_view(request):
    """The same SQL as the API's list, without ninja and pydantic: items and count."""
    from django.http import JsonResponse

    from leadbridge.core.selectors import ListParams, record_list

    params = ListParams(
        q=request.GET.get("q") or None, ordering=request.GET.get("ordering") or None
    )
    filters = {"status_id": int(request.GET["status_id"])} if "status_id" in request.GET else {}
    page, count = record_list(
        actor=request.user, record_type="lead", params=params, type_filters=filters
    )
    items = list(page.values())
    return JsonResponse({"items": items, "count": count}, json_dumps_params={"default": str})


def timed(client, url: str, n: int, **headers) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url, **headers)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:300]
    return times


def summary(times: list[float]) -> dict:
    return {
        "p50_ms": round(pct(times, 50), 2),
        "p95_ms": round(pct(times, 95), 2),
        "mean_ms": round(statistics.mean(times), 2),
        "requests": len(times),
    }


def measure(requests: int) -> dict:
    from django.test import Client, override_settings
    from django.urls import path

    from leadbridge.leads.models import LeadStatus
    from leadbridge.people.models import User
    from leadbridge.people.services import token_create
    from leadbridge.urls import urlpatterns

    admin = User.objects.get(username="bench")
    _token, secret = token_create(actor=admin, user=admin, name="bench")
    status = LeadStatus.objects.filter(kind="open").first()
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    bare = Client()
    bare.force_login(admin)
    cases = {
        "list": ("", ""),
        "filtered": (
            f"status_id={status.pk}&ordering=last_name",
            f"status_id={status.pk}&ordering=last_name",
        ),
    }
    results = {}
    module = type(sys)("bench_urls")
    module.urlpatterns = [path("bare/leads", bare_view), *urlpatterns]
    sys.modules["bench_urls"] = module
    with override_settings(ROOT_URLCONF="bench_urls"):
        for name, (api_query, bare_query) in cases.items():
            for _ in range(5):  # warm up
                api.get(f"/api/leads?{api_query}")
                bare.get(f"/bare/leads?{bare_query}")
            a = timed(api, f"/api/leads?{api_query}", requests)
            b = timed(bare, f"/bare/leads?{bare_query}", requests)
            results[name] = {"api": summary(a), "bare": summary(b)}
        # "search": ranked by relevance (the default with q); "search_new": the same terms
        # newest first, so the rank's own cost shows.
        for name, extra in (("search", {}), ("search_new", {"ordering": "-created_at"})):
            a_all, b_all = [], []
            per = max(1, requests // len(SEARCHES))
            for term in SEARCHES:
                query = {"q": term, **extra}
                api.get("/api/leads", query)
                bare.get("/bare/leads", query)
                for _ in range(per):
                    start = time.perf_counter()
                    assert api.get("/api/leads", query).status_code == 200
                    a_all.append((time.perf_counter() - start) * 1000)
                    start = time.perf_counter()
                    assert bare.get("/bare/leads", query).status_code == 200
                    b_all.append((time.perf_counter() - start) * 1000)
            results[name] = {"api": summary(a_all), "bare": summary(b_all)}
    for r in results.values():
        r["ratio_p50"] = round(r["api"]["p50_ms"] / r["bare"]["p50_ms"], 2)
        r["ratio_p95"] = round(r["api"]["p95_ms"] / r["bare"]["p95_ms"], 2)
    return results


def child(args: argparse.Namespace) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadbridge.settings"
    os.environ.setdefault("LEADBRIDGE_INSECURE_DEV_KEY", "1")
    import django

    django.setup()
    started = time.perf_counter()
    load(args.n)
    loaded = time.perf_counter() - started
    print(
        json.dumps(
            {
                "db": args.db,
                "n": args.n,
                "load_seconds": round(loaded, 1),
                "cases": measure(args.requests),
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--requests", type=int, default=200)
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
            LEADBRIDGE_DATA_DIR=tempfile.mkdtemp(prefix="lb-bench-api-data-"),
            API_RATE_LIMIT="off",  # the benchmark sends more than a client may
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
    print(
        f"{'db':<9} {'case':<10} {'API p50':>8} {'API p95':>8} {'bare p50':>9} {'bare p95':>9}"
        f" {'ratio p50':>9} {'ratio p95':>9}"
    )
    for r in results:
        for case, m in r["cases"].items():
            print(
                f"{r['db']:<9} {case:<10} {m['api']['p50_ms']:>8} {m['api']['p95_ms']:>8}"
                f" {m['bare']['p50_ms']:>9} {m['bare']['p95_ms']:>9}"
                f" {m['ratio_p50']:>9} {m['ratio_p95']:>9}"
            )
        print(
            f"  ({r['db']}: n={r['n']}, loaded in {r['load_seconds']} s; target on PostgreSQL"
            " at 100k: API p95 < 50 ms and ratio <= 2)"
        )
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "api_list.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
