"""The create-time check scores candidates from their stored match profiles (what the finder
reads), and from their columns when no profile is filed: the same answer either way."""

from leadbridge.duplicates.checks import _candidates, find_matches
from leadbridge.duplicates.keys import prepared
from leadbridge.duplicates.matching import prepare, score
from leadbridge.duplicates.models import MatchProfile
from leadbridge.duplicates.reasons import translated

PERSON = {
    "first_name": "Kateřina",
    "last_name": "Dvořáková",
    "street": "Palackého 1432/7",
    "city": "Olomouc",
    "postcode": "779 00",
    "phone": "+420 603 555 014",
    "country": "CZ",
}
TYPED_AGAIN = {**PERSON, "first_name": "Katerina", "phone": "", "postcode": "77900"}


def test_candidates_come_from_the_profile_or_the_columns(admin_user, make_lead):
    lead = make_lead(**PERSON)
    other = make_lead(first_name="Jiří", last_name="Svoboda", city="Brno")
    [(pk, theirs, display_name)] = _candidates(admin_user, "lead", [lead.pk])
    assert (pk, display_name) == (lead.pk, lead.display_name)
    assert theirs == prepared(lead)
    # No profile filed (a record indexed before profiles existed): prepared from its columns.
    MatchProfile.objects.filter(record_type="lead", record_id=lead.pk).delete()
    rows = sorted(_candidates(admin_user, "lead", [lead.pk, other.pk]))
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (lead.pk, prepared(lead), lead.display_name),
        (other.pk, prepared(other), other.display_name),
    ]


def test_a_check_answers_the_same_with_and_without_profiles(admin_user, make_lead):
    lead = make_lead(**PERSON)
    make_lead(first_name="Kateřina", last_name="Dvořáková", city="Brno")  # a namesake elsewhere
    with_profiles = find_matches(actor=admin_user, record_type="lead", values=TYPED_AGAIN)
    assert [m["id"] for m in with_profiles] == [lead.pk]
    probability, reasons = score(prepare(TYPED_AGAIN), prepared(lead))
    assert with_profiles[0]["score"] == probability
    assert with_profiles[0]["reasons"] == translated(reasons)
    MatchProfile.objects.all().delete()
    assert find_matches(actor=admin_user, record_type="lead", values=TYPED_AGAIN) == with_profiles


def test_candidates_are_only_records_the_actor_may_see(users, teams, make_lead):
    north, south = teams
    theirs = make_lead(team_id=north.pk, owner_id=users["sales_north"].pk, **PERSON)
    mine = make_lead(team_id=south.pk, owner_id=users["sales_south"].pk, **PERSON)
    seller = users["sales_south"]
    assert [r[0] for r in _candidates(seller, "lead", [theirs.pk, mine.pk])] == [mine.pk]
    found = find_matches(actor=seller, record_type="lead", values=TYPED_AGAIN)
    assert [m["id"] for m in found] == [mine.pk]


def test_sharing_drops_keys_over_their_kind_limit_as_the_finder_does(db):
    from leadbridge.duplicates.checks import CANDIDATES, _limit_of, _sharing
    from leadbridge.duplicates.models import MatchKey

    surname, email, company = "o:dvorakova", "e:katerina@example.cz", "c:dvorak stavby"
    rows = [MatchKey(record_type="lead", record_id=n, key=surname) for n in range(1, 41)]
    rows += [MatchKey(record_type="lead", record_id=n, key=email) for n in (7, 38)]
    rows += [MatchKey(record_type="client", record_id=n, key=company) for n in (5, 38)]
    rows += [MatchKey(record_type="lead", record_id=n, key="o:svoboda") for n in range(1, 21)]
    MatchKey.objects.bulk_create(rows)
    # A surname alone that 40 records share (its kind's limit is 20) says nothing: the
    # finder skips that block, and the check takes none of its records either.
    assert _limit_of(surname) == 20
    found = _sharing([surname, email, company])
    assert sorted(found) == [("client", 5), ("client", 38), ("lead", 7), ("lead", 38)]
    # A key at its limit still counts; the record sharing two keys comes first, then the
    # rest, highest id first.
    found = _sharing(["o:svoboda", email, company])
    assert len(found) == 20 + 1 + 2 <= CANDIDATES * 3
    assert found[0] == ("lead", 7)
    assert [i for _t, i in found[1:5]] == [38, 38, 20, 19]
    assert _sharing(["o:nobody"]) == []
