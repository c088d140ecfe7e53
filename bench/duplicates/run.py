"""Benchmark: the duplicate finder and the create-time check on synthetic data with known
duplicates (duplicates issue).

    python bench/duplicates/run.py [--n 20000] [--db both|sqlite|postgres] [--checks 300]
                                   [--peer splink|none] [--peer-timeout 1800] [--train]
                                   [--keep DIR]

1. `generate.py` writes N leads of the five seed countries with known duplicates (CSV).
2. Per database, in its own process: the rows are loaded as leads with their derived columns
   and match keys (setup, not timed against the finder).
3. In a fresh process: the finder (`duplicates.finder.find_groups`, all rules, default
   threshold) over every lead, timed, with the process's peak RSS; then pairwise precision,
   recall and F1 of its groups against the known entities.
4. In a fresh process: `--checks` single create-time checks (`duplicates.checks.find_matches`)
   of copies of stored rows, p50 / p95 in ms.
`--train`: after loading, in a fresh process, the weights are learned from the loaded leads
(`duplicates.training.weights_train`, what the background job runs; timed, with the time of
each progress step), and the finder and the checks then use that learned version, as in an
installation of that size (the weights refresh on their own). Without it the finder and the
checks use the built-in weights, even on a kept database that holds a learned version.

`--keep DIR`: the loaded database is kept (SQLite: a file in DIR; PostgreSQL: the database
`BENCH_PG_DB` is not dropped) with what the load wrote in DIR, and a later run with the same
DIR, N and seed reuses it instead of loading again (a million leads take a while to load).

5. After the finder, in its own process: the same rows through splink 5 (DuckDB backend,
   term-frequency adjustments on names and city) as the peer: seconds, peak RSS, P / R / F1.

Targets (issue): P and R >= 0.99; the 1M scan under 3 minutes and 2 GB; the check p95 under
20 ms. Results go to bench/results/duplicates-<db>-<n>.json (git-ignored).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RESULTS = ROOT / "bench" / "results"
PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")
PG_DB = os.environ.get("BENCH_PG_DB", "leadbridge_bench_duplicates")
sys.path.insert(0, str(HERE))
from generate import FIELDS as CSV_FIELDS  # noqa: E402
from generate import generate  # noqa: E402

FIELDS = tuple(f for f in CSV_FIELDS if f != "entity")  # the lead fields of each row


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Children -------------------------------------------------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadbridge.settings")
    import django

    django.setup()


def _weights(mode: str) -> None:
    """The built-in weights for this process whatever the database holds (`mode` "builtin"),
    or its newest learned version ("learned")."""
    if mode == "builtin":
        import math

        from leadbridge.duplicates import weights
        from leadbridge.duplicates.fellegi_sunter import DEFAULT

        weights._cache.update(weights=DEFAULT, checked=math.inf)  # never re-read


def child_load(csv_path: str, out: str) -> None:
    _django()
    from django.core.management import call_command
    from django.db import connection, transaction

    from leadbridge.core.record_services import refresh_derived
    from leadbridge.core.specs import SPECS
    from leadbridge.duplicates.keys import prepared
    from leadbridge.duplicates.matching import blocking_keys, encode
    from leadbridge.leads.models import Lead, LeadStatus
    from leadbridge.people.models import User

    call_command("migrate", verbosity=0)
    User.objects.create_superuser("bench", "bench@example.com", "x-Bench-123")
    status = LeadStatus.objects.filter(kind="open").order_by("order").first()
    spec = SPECS["lead"]
    started = time.perf_counter()
    entities: list[int] = []
    ids: list[int] = []

    def flush(batch: list) -> None:
        with transaction.atomic():
            Lead.objects.bulk_create(batch)
            rows, profiles = [], []
            for o in batch:
                p = prepared(o)
                rows.extend(("lead", o.pk, k) for k in blocking_keys(p))
                profiles.append(("lead", o.pk, encode(p, o.display_name)))
            with connection.cursor() as cursor:
                for table, column, data in (
                    ("duplicates_matchkey", "key", rows),
                    ("duplicates_matchprofile", "data", profiles),
                ):
                    columns = f"{table} (record_type, record_id, {column})"
                    if connection.vendor == "postgresql":
                        with cursor.cursor.copy(f"COPY {columns} FROM STDIN") as copy:
                            for row in data:
                                copy.write_row(row)
                    else:
                        cursor.executemany(
                            f"INSERT INTO {columns} VALUES (%s, %s, %s)",  # noqa: S608
                            data,
                        )
        ids.extend(o.pk for o in batch)

    batch = []
    with open(csv_path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            entities.append(int(row["entity"]))
            lead = Lead(status=status, **{f: row[f] for f in FIELDS})
            refresh_derived(lead, spec)
            batch.append(lead)
            if len(batch) == 5000:
                flush(batch)
                batch = []
    flush(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    Path(out).write_text(
        json.dumps(
            {
                "entity_of": dict(zip(map(str, ids), entities, strict=True)),
                "load_seconds": time.perf_counter() - started,
            }
        )
    )


def child_find(out: str, mode: str = "builtin") -> None:
    _django()
    _weights(mode)
    from leadbridge.duplicates.finder import find_groups
    from leadbridge.people.models import User

    admin = User.objects.get(username="bench")
    base = peak_rss_mb()
    profile = None
    if os.environ.get("BENCH_PROFILE"):  # where the time goes, printed after the run
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    started = time.perf_counter()
    cpu = time.process_time()
    stats: dict = {}
    groups = find_groups(actor=admin, record_type="lead", stats=stats)
    seconds = time.perf_counter() - started
    # The finder's own CPU time (all its threads; not the database server's): what the run
    # costs whatever else the shared machine is doing.
    cpu = time.process_time() - cpu
    if profile:
        import pstats

        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    Path(out).write_text(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "peak_rss_mb": peak_rss_mb(),
                "rss_before_mb": base,
                "children_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                / 1024,
                "stats": stats,
                "groups": [[r["id"] for r in g["records"]] for g in groups],
            }
        )
    )


def child_check(csv_path: str, checks: int, out: str, mode: str = "builtin") -> None:
    _django()
    _weights(mode)
    from django.db import connection, reset_queries

    from leadbridge.duplicates.checks import find_matches
    from leadbridge.leads.models import Lead
    from leadbridge.people.models import User

    admin = User.objects.get(username="bench")
    with open(csv_path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # The leads were loaded in the file's order: row k is the k-th lead by id.
    ids = list(Lead.objects.order_by("id").values_list("id", flat=True))
    copies: dict[str, list[int]] = {}
    for k, row in enumerate(rows):
        copies.setdefault(row["entity"], []).append(ids[k])
    rng = random.Random(3)
    picked = rng.sample(range(len(rows)), min(checks, len(rows)))
    times, found, queries = [], 0, []
    true_found = named = wrong = 0
    for i, k in enumerate(picked):
        row = rows[k]
        values = {f: row[f] for f in FIELDS}
        reset_queries()
        started = time.perf_counter()
        matches = find_matches(actor=admin, record_type="lead", values=values)
        if i >= 10:  # warm-up excluded
            times.append((time.perf_counter() - started) * 1000)
            queries.append(len(connection.queries))
        found += bool(matches)
        # Quality of what a check names besides the stored row itself: the other copies of
        # its entity found (recall) and strangers named (precision).
        others = set(copies[row["entity"]]) - {ids[k]}
        offered = {m["id"] for m in matches if m["record_type"] == "lead"} - {ids[k]}
        true_found += len(offered & others)
        named += len(others)
        wrong += len(offered - others)
    times.sort()
    Path(out).write_text(
        json.dumps(
            {
                "p50_ms": statistics.median(times),
                "p95_ms": times[int(0.95 * (len(times) - 1))],
                "checks": len(times),
                "found_share": found / len(picked),
                "recall": true_found / named if named else 1.0,
                "wrong": wrong,
                "true_others": named,
            }
        )
    )


def child_train(out: str) -> None:
    """Learn the weights once (what the background job runs): seconds, peak RSS and the time
    of each progress step."""
    _django()
    from leadbridge.duplicates.training import weights_train

    started = time.perf_counter()
    steps: list[tuple[float, float]] = []

    def progress(value: float) -> None:
        steps.append((round(time.perf_counter() - started, 2), round(value, 3)))

    cpu = time.process_time()
    row = weights_train(progress=progress)
    seconds = time.perf_counter() - started
    Path(out).write_text(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": time.process_time() - cpu,
                "peak_rss_mb": peak_rss_mb(),
                "version": row.version if row else None,
                "records": row.record_count if row else 0,
                "blocked_pairs": row.pair_count if row else 0,
                "progress": steps,
            }
        )
    )


def child_splink(csv_path: str, out: str) -> None:
    """The peer: splink 5 on DuckDB, a sensible person-and-firm configuration."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(
        f"""
        CREATE TABLE people AS
        SELECT row_number() OVER () AS unique_id, entity,
               nullif(lower(strip_accents(first_name)), '') AS first_name,
               nullif(lower(strip_accents(last_name)), '') AS last_name,
               nullif(lower(strip_accents(company_name)), '') AS company_name,
               nullif(registration_number, '') AS registration_number,
               nullif(lower(email), '') AS email,
               nullif(right(regexp_replace(phone, '[^0-9]', '', 'g'), 9), '') AS phone,
               nullif(lower(strip_accents(street)), '') AS street,
               nullif(regexp_replace(upper(postcode), '[^0-9A-Z]', '', 'g'), '') AS postcode,
               nullif(lower(strip_accents(city)), '') AS city
        FROM read_csv('{csv_path}', all_varchar = true)
        """  # noqa: S608
    )
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.ForenameSurnameComparison("first_name", "last_name"),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("registration_number"),
            cl.JaroWinklerAtThresholds("company_name", [0.9, 0.8]),
            cl.LevenshteinAtThresholds("street", [1, 3]),
            cl.ExactMatch("postcode"),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("phone"),
            block_on("registration_number"),
            block_on("last_name", "postcode"),
            block_on("first_name", "postcode"),
            block_on("street", "postcode"),
            block_on("first_name", "last_name", "city"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI(con)
    linker = Linker(db_api.register("people"), settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("phone")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    for rule in (block_on("email"), block_on("last_name", "postcode"), block_on("phone")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.9
    )
    frame = clusters.as_duckdbpyrelation().select("unique_id, cluster_id").fetchall()
    seconds = time.perf_counter() - started
    by_cluster: dict = {}
    for uid, cluster in frame:
        by_cluster.setdefault(cluster, []).append(int(uid))
    Path(out).write_text(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_mb": peak_rss_mb(),
                "groups": [g for g in by_cluster.values() if len(g) > 1],
            }
        )
    )


# Parent -------------------------------------------------------------------------------------


def _pairs(groups: list[list[int]]) -> set[tuple[int, int]]:
    return {(a, b) for g in groups for a, b in combinations(sorted(g), 2)}


def quality(groups: list[list[int]], entity_of: dict[int, int]) -> dict:
    truth_groups: dict[int, list[int]] = {}
    for record, entity in entity_of.items():
        truth_groups.setdefault(entity, []).append(record)
    truth = _pairs([g for g in truth_groups.values() if len(g) > 1])
    found = _pairs(groups)
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_pairs": len(truth),
        "found_pairs": len(found),
    }


def _run(args: list[str], env: dict, timeout: float | None = None) -> None:
    subprocess.run([sys.executable, __file__, *args], env=env, check=True, timeout=timeout)


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_SERVER.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _load_state(db: str, data: Path, args: argparse.Namespace) -> Path:
    return data / f"{db}-{args.n}-{args.seed}-load.json"


def run_database(db: str, csv_path: Path, args: argparse.Namespace) -> dict:
    env = dict(os.environ)
    env.setdefault("LEADBRIDGE_INSECURE_DEV_KEY", "1")
    env.update(DEBUG="0", LOG_LEVEL="ERROR", ALLOWED_HOSTS="localhost")
    with tempfile.TemporaryDirectory(prefix="leadbridge-bench-dup-") as tmp:
        tmpdir = Path(tmp)
        data = Path(args.keep).resolve() if args.keep else tmpdir
        data.mkdir(parents=True, exist_ok=True)
        env["LEADBRIDGE_DATA_DIR"] = tmp
        state = _load_state(db, data, args)
        if db == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{data}/bench-{args.n}-{args.seed}.sqlite3"
        else:
            env["DATABASE_URL"] = PG_SERVER.rstrip("/") + "/" + PG_DB
        if state.exists():
            print(f"[{db}] reusing the {args.n} leads loaded before ({state})", flush=True)
        else:
            if db == "sqlite":
                Path(env["DATABASE_URL"].removeprefix("sqlite:///")).unlink(missing_ok=True)
            else:
                _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                _pg_admin(f"CREATE DATABASE {PG_DB}")
            print(f"[{db}] loading {args.n} leads ...", flush=True)
            _run(["--child", "load", str(csv_path), str(tmpdir / "load.json")], env)
            (tmpdir / "load.json").replace(state)
        load = json.loads(state.read_text())
        entity_of = {int(k): v for k, v in load["entity_of"].items()}
        print(f"[{db}] loaded in {load['load_seconds']:.1f} s ({_loadavg()})", flush=True)
        train = None
        mode = "builtin"
        if args.train:
            _run(["--child", "train", str(tmpdir / "train.json")], env)
            train = json.loads((tmpdir / "train.json").read_text())
            mode = "learned"
            print(f"[{db}] weights learned in {train['seconds']:.1f} s ({_loadavg()}); "
                  f"progress (s, share): {train['progress']}", flush=True)  # fmt: skip
        find_load = _loadavg()
        _run(["--child", "find", str(tmpdir / "find.json"), mode], env)
        find = json.loads((tmpdir / "find.json").read_text())
        print(f"[{db}] finder {find['seconds']:.1f} s ({_loadavg()}); single checks ...",
              flush=True)  # fmt: skip
        check_load = _loadavg()
        _run(
            ["--child", "check", str(csv_path), str(args.checks), str(tmpdir / "check.json"), mode],
            env,
        )
        check = json.loads((tmpdir / "check.json").read_text())
        if db == "postgres" and not args.keep:
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    result = {
        "db": db,
        "n": args.n,
        "weights": mode,
        "load_seconds": round(load["load_seconds"], 1),
        "train": train,
        "finder_seconds": round(find["seconds"], 1),
        "finder_cpu_seconds": round(find.get("cpu_seconds", 0), 1),
        "finder_peak_rss_mb": round(find["peak_rss_mb"]),
        "finder_worker_peak_rss_mb": round(find["children_peak_rss_mb"]),
        "finder_phases": find["stats"],
        "finder_loadavg": [find_load, _loadavg()],
        "finder_groups": len(find["groups"]),
        **quality(find["groups"], entity_of),
        "check_p50_ms": round(check["p50_ms"], 2),
        "check_p95_ms": round(check["p95_ms"], 2),
        "checks": check["checks"],
        "check_recall": round(check["recall"], 4),
        "check_wrong": check["wrong"],
        "check_true_others": check["true_others"],
        "check_loadavg": [check_load, _loadavg()],
    }
    return result


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_peer(csv_path: Path, args: argparse.Namespace) -> dict | None:
    import importlib.util

    if importlib.util.find_spec("splink") is None:
        return None
    with tempfile.TemporaryDirectory(prefix="leadbridge-bench-splink-") as tmp:
        out = Path(tmp) / "splink.json"
        try:
            _run(
                ["--child", "splink", str(csv_path), str(out)], dict(os.environ), args.peer_timeout
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            return {"error": str(exc)[:300]}
        peer = json.loads(out.read_text())
    entity_of = {}
    with open(csv_path, encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=1):
            entity_of[i] = int(row["entity"])
    return {
        "seconds": round(peer["seconds"], 1),
        "peak_rss_mb": round(peer["peak_rss_mb"]),
        **quality(peer["groups"], entity_of),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", choices=("both", "sqlite", "postgres"), default="both")
    parser.add_argument("--checks", type=int, default=300)
    parser.add_argument("--peer", choices=("splink", "none"), default="splink")
    parser.add_argument("--peer-timeout", type=float, default=1800)
    parser.add_argument("--train", action="store_true", help="learn the weights after loading")
    parser.add_argument("--keep", metavar="DIR", help="keep the loaded database; reuse it")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        children = {"load": child_load, "find": child_find, "check": child_check,
                    "train": child_train, "splink": child_splink}  # fmt: skip
        children[kind](*[int(x) if x.isdigit() else x for x in rest])
        return 0

    RESULTS.mkdir(exist_ok=True)
    version = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:8]
    csv_path = RESULTS / f"duplicates-{args.n}-{args.seed}-{version}.csv"  # regenerated on change
    if not csv_path.exists():
        with open(csv_path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, CSV_FIELDS)
            writer.writeheader()
            writer.writerows(generate(args.n, args.seed))
    dbs = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    results = [run_database(db, csv_path, args) for db in dbs]
    peer = run_peer(csv_path, args) if args.peer == "splink" else None
    print(f"\nDuplicate finder, {args.n} leads ({platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs)\n")  # fmt: skip
    header = f"{'':10}{'seconds':>9}{'peak MB':>9}{'P':>8}{'R':>8}{'F1':>8}{'pairs':>9}"
    print(header + f"{'check p50':>11}{'check p95':>11}")
    for r in results:
        print(
            f"{r['db']:10}{r['finder_seconds']:9.1f}{r['finder_peak_rss_mb']:9d}"
            f"{r['precision']:8.4f}{r['recall']:8.4f}{r['f1']:8.4f}{r['found_pairs']:9d}"
            f"{r['check_p50_ms']:9.2f}ms{r['check_p95_ms']:9.2f}ms"
        )
    for r in results:
        if r["train"]:
            t = r["train"]
            print(f"{r['db']} training: {t['seconds']:.1f} s (CPU {t['cpu_seconds']:.1f} s), "
                  f"peak {t['peak_rss_mb']:.0f} MB, "
                  f"{t['blocked_pairs']} blocked pairs, progress {t['progress']}")  # fmt: skip
        print(
            f"{r['db']} ({r['weights']} weights) load average finder {r['finder_loadavg']}, "
            f"checks {r['check_loadavg']}; the checks found {r['check_recall']} of the "
            f"{r['check_true_others']} other copies, named {r['check_wrong']} strangers"
        )
    for r in results:
        print(f"{r['db']} finder phases: {r['finder_phases']}; finder CPU "
              f"{r['finder_cpu_seconds']} s")  # fmt: skip
    if peer and "error" not in peer:
        print(
            f"{'splink 5':10}{peer['seconds']:9.1f}{peer['peak_rss_mb']:9d}"
            f"{peer['precision']:8.4f}{peer['recall']:8.4f}{peer['f1']:8.4f}"
            f"{peer['found_pairs']:9d}"
        )
    elif peer:
        print(f"splink 5: {peer['error']}")
    elif args.peer == "none":
        print("splink 5: not run (--peer none)")
    else:
        print("splink 5: not installed (pip install 'splink==5.*' to compare)")
    if results:
        print(f"(true pairs: {results[0]['true_pairs']})")
    for r in results:
        (RESULTS / f"duplicates-{r['db']}-{args.n}-{r['weights']}.json").write_text(
            json.dumps({**r, "peer": peer}, indent=2)
        )
    ok = all(
        r["precision"] >= 0.99 and r["recall"] >= 0.99 and r["check_p95_ms"] < 20 for r in results
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
