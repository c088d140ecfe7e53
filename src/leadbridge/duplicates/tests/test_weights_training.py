"""Learning the match weights from the installation's leads: the service, the job, the
versions, and every scorer reading the same current weights."""

import random

import numpy as np
import pytest

from leadbridge.core.errors import Forbidden
from leadbridge.duplicates import tasks, training, weights
from leadbridge.duplicates.checks import find_matches
from leadbridge.duplicates.fellegi_sunter import DEFAULT
from leadbridge.duplicates.finder import find_groups
from leadbridge.duplicates.levels import FIELDS
from leadbridge.duplicates.models import MatchWeights, WeightsJob

FIRST = [
    "Jan",
    "Petr",
    "Eva",
    "Jana",
    "Tomáš",
    "Lucie",
    "Martin",
    "Anna",
    "Pavel",
    "Tereza",
    "Jiří",
    "Marie",
    "Josef",
    "Hana",
    "Lukáš",
    "Věra",
    "Ondřej",
    "Alena",
    "Karel",
    "Ivana",
]
LAST = ["Novák", "Svoboda", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák",
        "Němec", "Marek", "Pospíšil", "Hájek", "Jelínek", "Král", "Růžička", "Beneš", "Fiala",
        "Sedláček", "Doležal", "Zeman"]  # fmt: skip
CITIES = [("Brno", "602 00"), ("Praha", "110 00"), ("Ostrava", "702 00"), ("Plzeň", "301 00")]


def _typo(rng: random.Random, text: str) -> str:
    """One letter of the first word replaced, as a hand typing fast does."""
    k = rng.randrange(1, len(text.split()[0]))
    return text[:k] + rng.choice("aeiourtn") + text[k + 1 :]


@pytest.fixture
def people(make_lead, monkeypatch):
    """80 people, a third of them typed twice with a typo somewhere: names and addresses only."""
    monkeypatch.setattr(weights, "MIN_RECORDS", 50)
    weights.forget_cache()
    rng = random.Random(21)
    made = []
    for n in range(80):
        city, postcode = rng.choice(CITIES)
        row = {
            "first_name": rng.choice(FIRST),
            "last_name": rng.choice(LAST),
            "street": f"{rng.choice(['Mlýnská', 'Husova', 'Nádražní'])} {rng.randint(1, 300)}",
            "city": city,
            "postcode": postcode,
            "country": "CZ",
        }
        made.append((n, make_lead(**row)))
        if n % 3 == 0:
            field = rng.choice(["first_name", "last_name", "street"])
            made.append((n, make_lead(**{**row, field: _typo(rng, row[field])})))
    yield made
    weights.forget_cache()


def test_training_saves_a_version_every_scorer_then_reads(people, admin_user):
    assert weights.current() is DEFAULT and weights.model_info()["source"] == "default"
    row = training.weights_train()
    assert row.version == 1 and row.record_count == len(people) and row.pair_count > 0
    current = weights.current()
    assert current.version == 1 and current.bits != DEFAULT.bits
    assert current.prior < -5  # two random people of a hundred are rarely one
    # Exact agreement on a street weighs more than a typo in it, and far more than another.
    street = current.bits["street"]
    assert street[0] > street[2] and street[0] > 0 > street[2]
    info = weights.model_info()
    assert (
        info["version"] == 1 and info["source"] == "learned" and info["record_count"] == len(people)
    )
    assert info["trained_at"] is not None
    # The chart has every field and level, each weight log2(m/u).
    rows = weights.chart_data()
    assert len(rows) == sum(len(levels) for levels in FIELDS.values())
    for r in rows:
        assert r["weight"] == pytest.approx(np.log2(r["m"] / r["u"]))
        assert r["field_label"] and r["level_label"]
    # The create-time check and the finder use the learned weights: their reasons show them.
    lead = people[0][1]
    [match] = find_matches(
        actor=admin_user,
        record_type="lead",
        values={"first_name": lead.first_name, "last_name": lead.last_name,
                "street": lead.street, "city": lead.city, "postcode": lead.postcode},
        exclude=None,
    )[:1]  # fmt: skip
    street_reason = next(r for r in match["reasons"] if r.startswith("same street"))
    assert f"(+{current.bits['street'][0]:.1f})" in street_reason
    groups = find_groups(actor=admin_user, record_type="lead")
    twins = {frozenset(r["id"] for r in g["records"]) for g in groups}
    by_person: dict[int, list[int]] = {}
    for n, obj in people:
        by_person.setdefault(n, []).append(obj.pk)
    truth = {frozenset(ids) for ids in by_person.values() if len(ids) == 2}
    assert len(twins & truth) >= 0.8 * len(truth)  # most typed-twice people are found
    assert len(twins - truth) <= 2
    # A second training is a new version; the first stays.
    assert training.weights_train().version == 2
    assert weights.current().version == 2 and MatchWeights.objects.count() == 2


def test_too_few_records_keep_the_defaults(make_lead, monkeypatch):
    weights.forget_cache()
    make_lead(first_name="Jan", last_name="Novák")
    assert training.weights_train() is None
    assert weights.current() is DEFAULT and not MatchWeights.objects.exists()


def test_the_job_trains_with_progress_and_only_for_who_sees_every_lead(people, admin_user, users):
    with pytest.raises(Forbidden):
        tasks.weights_train_start(actor=users["sales_north"])
    job = tasks.weights_train_start(actor=admin_user)
    assert tasks.weights_train_start(actor=admin_user) == job  # one at a time
    assert weights.training_status()["status"] == "queued"
    tasks.run_weights_training.func(str(job.pk))
    status = weights.training_status()
    assert status["status"] == "done" and status["progress"] == 1.0 and status["version"] == 1
    assert WeightsJob.objects.get(pk=job.pk).weights.version == 1


def test_grown_data_queues_a_refresh(people, monkeypatch):
    assert tasks.maybe_refresh() is not None  # past MIN_RECORDS without a version
    WeightsJob.objects.all().delete()
    training.weights_train()
    assert tasks.maybe_refresh() is None  # nothing grew
    monkeypatch.setattr(weights, "REFRESH_GROWTH", 0.5)
    weights.forget_cache()
    assert tasks.maybe_refresh().status == WeightsJob.Status.QUEUED
