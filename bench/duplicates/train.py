"""Benchmark: learning the match weights (`duplicates.training.weights_train`, what the
background job runs) on the synthetic set of `run.py`, with the progress it reports.

    python bench/duplicates/train.py [--n 100000] [--db sqlite|postgres]

The rows are loaded as in `run.py` (not timed), then in a fresh process the weights are
learned once: seconds, peak RSS, and the time at which each progress step was reported (the
job's progress bar). Target (issue 21): 1M records under 2 minutes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        run.child_train(args.child[1])
        return 0
    run.RESULTS.mkdir(exist_ok=True)
    csv_path = run.RESULTS / f"duplicates-{args.n}-{args.seed}-train.csv"
    if not csv_path.exists():
        with open(csv_path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, run.CSV_FIELDS)
            writer.writeheader()
            writer.writerows(run.generate(args.n, args.seed))
    env = dict(os.environ)
    env.setdefault("LEADBRIDGE_INSECURE_DEV_KEY", "1")
    env.update(DEBUG="0", LOG_LEVEL="ERROR", ALLOWED_HOSTS="localhost")
    with tempfile.TemporaryDirectory(prefix="leadbridge-bench-train-") as tmp:
        env["LEADBRIDGE_DATA_DIR"] = tmp
        if args.db == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        else:
            run._pg_admin(f"DROP DATABASE IF EXISTS {run.PG_DB} WITH (FORCE)")
            run._pg_admin(f"CREATE DATABASE {run.PG_DB}")
            env["DATABASE_URL"] = run.PG_SERVER.rstrip("/") + "/" + run.PG_DB
        print(f"[{args.db}] loading {args.n} leads ...", flush=True)
        run._run(["--child", "load", str(csv_path), f"{tmp}/load.json"], env)
        print(f"[{args.db}] training ...", flush=True)
        import subprocess

        subprocess.run(
            [sys.executable, __file__, "--child", "train", f"{tmp}/train.json"],
            env=env,
            check=True,
        )
        result = json.loads(Path(f"{tmp}/train.json").read_text())
        if args.db == "postgres":
            run._pg_admin(f"DROP DATABASE IF EXISTS {run.PG_DB} WITH (FORCE)")
    print(
        f"[{args.db}] {args.n} leads: weights v{result['version']} learned in "
        f"{result['seconds']:.1f} s, peak {result['peak_rss_mb']:.0f} MB, "
        f"{result['blocked_pairs']} blocked pairs; progress (s, share): {result['progress']}"
    )
    (run.RESULTS / f"duplicates-train-{args.db}-{args.n}.json").write_text(
        json.dumps({"n": args.n, "db": args.db, **result}, indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
