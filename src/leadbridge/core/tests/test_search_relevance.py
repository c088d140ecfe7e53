"""Relevance of `q` over a crowd of similar names (issue 24's acceptance set).

20,000+ generated leads in the five languages, where the masculine and feminine forms of
each surname, the same first names and near-identical company names abound; 45 queries,
each with the one lead that must come first. The targets are the OLDEST leads, so the
newest-first tie-break never helps them: only the rank does. Runs on whichever database
DATABASE_URL names (CI runs both).
"""

from __future__ import annotations

import random

import pytest

from leadbridge.core.normalize import fold

pytestmark = pytest.mark.django_db

BACKGROUND = 20_400

# Surname families: every form a background lead may carry (masculine, feminine, daughter's).
FAMILIES = {
    "cs": [
        ("Novák", "Nováková"),
        ("Dvořák", "Dvořáková"),
        ("Kopřiva", "Kopřivová"),
        ("Svoboda", "Svobodová"),
        ("Černý", "Černá"),
        ("Procházka", "Procházková"),
        ("Vůjtěch", "Vůjtěchová"),
        ("Horák", "Horáková"),
        ("Novotný", "Novotná"),
        ("Nováček", "Nováčková"),
    ],
    "sk": [
        ("Horváth", "Horváthová"),
        ("Kováč", "Kováčová"),
        ("Varga", "Vargová"),
        ("Tóth", "Tóthová"),
        ("Molnár", "Molnárová"),
        ("Baláž", "Balážová"),
    ],
    "pl": [
        ("Kowalski", "Kowalska"),
        ("Wiśniewski", "Wiśniewska"),
        ("Lewandowski", "Lewandowska"),
        ("Zieliński", "Zielińska"),
        ("Szymański", "Szymańska"),
        ("Nowak", "Nowak"),
        ("Nowakowski", "Nowakowska"),
    ],
    "lt": [
        ("Kazlauskas", "Kazlauskienė", "Kazlauskaitė"),
        ("Žukauskas", "Žukauskienė", "Žukauskaitė"),
        ("Petrauskas", "Petrauskienė", "Petrauskaitė"),
        ("Jankauskas", "Jankauskienė", "Jankauskaitė"),
        ("Stankevičius", "Stankevičienė", "Stankevičiūtė"),
        ("Vasiliauskas", "Vasiliauskienė", "Vasiliauskaitė"),
        ("Butkus", "Butkienė", "Butkutė"),
        ("Gronskis", "Gronskienė", "Gronskytė"),
    ],
    "vi": [("Nguyễn",), ("Trần",), ("Lê",), ("Phạm",), ("Hoàng",), ("Phan",), ("Vũ",)],
}
FIRST = {
    "cs": (["Jan", "Petr", "Tomáš", "Marek", "Jiří"], ["Jana", "Lucie", "Eva", "Tereza"]),
    "sk": (["Peter", "Martin", "Juraj"], ["Zuzana", "Mária", "Katarína"]),
    "pl": (["Piotr", "Krzysztof", "Tomasz"], ["Agnieszka", "Anna", "Małgorzata"]),
    "lt": (["Jonas", "Tomas", "Šarūnas", "Mindaugas"], ["Rūta", "Eglė", "Ona", "Aušra"]),
    "vi": (["Văn An", "Văn Anh", "Quốc Bảo", "Minh"], ["Thị Hoa", "Minh Anh", "Thu Trang"]),
}
COMPANIES = {
    "cs": (
        ["Stavby", "Agro Morava", "Porost", "Tatra", "Tatrawood", "Stavby Novák"],
        ["s.r.o.", "a.s.", "spol. s r.o."],
    ),
    "sk": (["Tatra", "Agro Morava", "Stavby Horák", "Kováč Trans"], ["s.r.o.", "a.s."]),
    "pl": (["Mazury", "Mazurek", "Bud-Pol", "Nowak Trans"], ["Sp. z o.o.", "S.A."]),
    "lt": (["Baltijos prekyba", "Baltijos statyba", "Baltija", "Nemunas"], ["UAB", "AB"]),
    "vi": (["Sao Mai", "Sao Việt", "Hồng Hà", "Minh Phát"], ["Công ty TNHH", "Công ty CP"]),
}
PREFIX_FORMS = {"UAB", "AB", "Công ty TNHH", "Công ty CP"}
COUNTRY = {"cs": "CZ", "sk": "SK", "pl": "PL", "lt": "LT", "vi": "VN"}
CALLING = {"cs": "+420", "sk": "+421", "pl": "+48", "lt": "+370", "vi": "+84"}

# (query, the lead that must come first, what no background lead may share with it: "last"
# its surname, "name" its first + last name, "company" its company name; None for e-mails
# and phones, unique by construction). Surnames alone stand for a person only when nobody
# else bears that very form, as with Rūta Kazlauskienė among the Kazlauskas family.
TARGETS: list[tuple[str, dict, str | None]] = [
    # Feminine forms typed in full, without accents; the masculine form abounds.
    ("kazlauskiene", {"first_name": "Rūta", "last_name": "Kazlauskienė"}, "last"),
    ("vujtechova", {"first_name": "Eva", "last_name": "Vůjtěchová"}, "last"),
    ("novakova", {"first_name": "Lucie", "last_name": "Nováková"}, "last"),
    ("petrauskaite", {"first_name": "Aušra", "last_name": "Petrauskaitė"}, "last"),
    ("kowalska", {"first_name": "Anna", "last_name": "Kowalska"}, "last"),
    ("wisniewska", {"first_name": "Małgorzata", "last_name": "Wiśniewska"}, "last"),
    ("horvathova", {"first_name": "Zuzana", "last_name": "Horváthová"}, "last"),
    ("kovacova", {"first_name": "Katarína", "last_name": "Kováčová"}, "last"),
    ("stankeviciute", {"first_name": "Ona", "last_name": "Stankevičiūtė"}, "last"),
    ("butkiene", {"first_name": "Eglė", "last_name": "Butkienė"}, "last"),
    ("szymanska", {"first_name": "Anna", "last_name": "Szymańska"}, "last"),
    ("molnarova", {"first_name": "Mária", "last_name": "Molnárová"}, "last"),
    # Masculine forms; the feminine ones abound.
    ("dvorak", {"first_name": "Jiří", "last_name": "Dvořák"}, "last"),
    ("jankauskas", {"first_name": "Jonas", "last_name": "Jankauskas"}, "last"),
    ("lewandowski", {"first_name": "Piotr", "last_name": "Lewandowski"}, "last"),
    ("kopriva", {"first_name": "Marek", "last_name": "Kopřiva"}, "last"),
    ("toth", {"first_name": "Martin", "last_name": "Tóth"}, "last"),
    ("gronskis", {"first_name": "Mindaugas", "last_name": "Gronskis"}, "last"),
    # Typed with accents.
    ("Vasiliauskaitė", {"first_name": "Rūta", "last_name": "Vasiliauskaitė"}, "last"),
    ("Procházková", {"first_name": "Tereza", "last_name": "Procházková"}, "last"),
    # First and last name (either order); both names abound on their own.
    ("jana svobodova", {"first_name": "Jana", "last_name": "Svobodová"}, "name"),
    ("cerna lucie", {"first_name": "Lucie", "last_name": "Černá"}, "name"),
    ("tomas kazlauskas", {"first_name": "Tomas", "last_name": "Kazlauskas"}, "name"),
    ("agnieszka nowak", {"first_name": "Agnieszka", "last_name": "Nowak"}, "name"),
    ("piotr zielinski", {"first_name": "Piotr", "last_name": "Zieliński"}, "name"),
    ("egle petrauskiene", {"first_name": "Eglė", "last_name": "Petrauskienė"}, "name"),
    ("sarunas butkus", {"first_name": "Šarūnas", "last_name": "Butkus"}, "name"),
    ("maria vargova", {"first_name": "Mária", "last_name": "Vargová"}, "name"),
    ("Peter Horváth", {"first_name": "Peter", "last_name": "Horváth"}, "name"),
    ("nguyen van an", {"first_name": "Văn An", "last_name": "Nguyễn"}, "name"),
    ("tran thi hoa", {"first_name": "Thị Hoa", "last_name": "Trần"}, "name"),
    ("Lê Minh Anh", {"first_name": "Minh Anh", "last_name": "Lê"}, "name"),
    # Company names with their legal forms.
    (
        "stavby novak s.r.o.",
        {"last_name": "Malý", "company_name": "Stavby Novák s.r.o."},
        "company",
    ),
    (
        "UAB Baltijos prekyba",
        {"last_name": "Paulauskas", "company_name": "UAB Baltijos prekyba"},
        "company",
    ),
    ("mazury sp. z o.o.", {"last_name": "Mazur", "company_name": "Mazury Sp. z o.o."}, "company"),
    (
        "cong ty tnhh sao mai",
        {"last_name": "Đặng", "company_name": "Công ty TNHH Sao Mai"},
        "company",
    ),
    ("tatra a.s.", {"last_name": "Kollár", "company_name": "Tatra a.s."}, "company"),
    (
        "agro morava spol. s r.o.",
        {"last_name": "Beneš", "company_name": "Agro Morava spol. s r.o."},
        "company",
    ),
    # E-mail fragments.
    ("info@sao-mai", {"last_name": "Võ", "email": "info@sao-mai.vn"}, None),
    (
        "petr.horak@",
        {"first_name": "Petr", "last_name": "Horák", "email": "petr.horak@stavby-horak.cz"},
        None,
    ),
    # Phones typed in another format than stored.
    ("+420 603 123 456", {"last_name": "Krejčí", "phone": "603123456", "country": "CZ"}, None),
    ("00420 777 000 111", {"last_name": "Sedláček", "phone": "+420777000111"}, None),
    ("0903 111 222", {"last_name": "Hudák", "phone": "+421 903 111 222", "country": "SK"}, None),
    ("+48 601-234-567", {"last_name": "Wójcik", "phone": "601 234 567", "country": "PL"}, None),
    ("+370 612 34567", {"last_name": "Urbonas", "phone": "861234567", "country": "LT"}, None),
    ("0912 345 678", {"last_name": "Bùi", "phone": "+84 912 345 678", "country": "VN"}, None),
]


def _key(kind: str | None, data: dict) -> tuple:
    if kind == "last":
        return ("last", fold(data["last_name"]))
    if kind == "name":
        return ("name", fold(data.get("first_name")), fold(data["last_name"]))
    if kind == "company":
        return ("company", fold(data["company_name"]))
    return ("none",)


def _background(rng: random.Random, taken: set[tuple]) -> list[dict]:
    """Leads of the five languages, none sharing a target's surname, name or company."""
    out: list[dict] = []
    languages = list(FAMILIES)
    while len(out) < BACKGROUND:
        lang = rng.choice(languages)
        forms = rng.choice(FAMILIES[lang])
        feminine = rng.random() < 0.5
        last = rng.choice(forms[1:]) if feminine and len(forms) > 1 else forms[0]
        first = rng.choice(FIRST[lang][1 if feminine else 0])
        words, legal = COMPANIES[lang]
        word, form = rng.choice(words), rng.choice(legal)
        company = f"{form} {word}" if form in PREFIX_FORMS else f"{word} {form}"
        data = {"first_name": first, "last_name": last, "company_name": company}
        if any(_key(kind, data) in taken for kind in ("last", "name", "company")):
            continue
        n = len(out)
        data["email"] = f"{fold(first).replace(' ', '')}.{fold(last)}{n}@example.{lang}"
        data["phone"] = f"{CALLING[lang]} 5{n:08d}"
        data["country"] = COUNTRY[lang]
        out.append(data)
    return out


def _bulk_load(rows: list[dict], actor) -> list[int]:
    """The rows as leads, in order, through the import's bulk path (`lead_prepare` cleans
    each as `lead_create` would, `leads_bulk_create` writes them a batch at a time), not one
    API call each."""
    from django.db import transaction

    from leadbridge.leads.bulk import leads_bulk_create
    from leadbridge.leads.services import lead_prepare, lead_prepare_cache

    cache = lead_prepare_cache()
    ids: list[int] = []
    for start in range(0, len(rows), 5000):
        states = []
        for data in rows[start : start + 5000]:
            state, out = lead_prepare(actor=actor, data=data, cache=cache)
            assert not out.errors, (data, out.errors)
            states.append(state)
        with transaction.atomic():
            ids += leads_bulk_create(actor=actor, states=states)
    return ids


@pytest.mark.slow  # a minute: 20,400 leads written through the import's path, 46 searches
def test_the_expected_lead_comes_first(admin_api, admin_user):
    assert len(TARGETS) >= 40
    taken = {_key(kind, data) for _query, data, kind in TARGETS if kind}
    # Targets first: the oldest rows, so newest-first within a rank works against them.
    target_ids = _bulk_load([data for _query, data, _kind in TARGETS], admin_user)
    _bulk_load(_background(random.Random(24), taken), admin_user)

    first, top3, misses = 0, 0, []
    for (query, _data, _kind), expected in zip(TARGETS, target_ids, strict=True):
        body = admin_api.get("/api/leads", q=query, limit=3).json()
        got = [item["id"] for item in body["items"]]
        first += got[:1] == [expected]
        top3 += expected in got
        if got[:1] != [expected]:
            misses.append((query, body["count"], [i["display_name"] for i in body["items"]]))
    print(f"first {first}/{len(TARGETS)}, top 3 {top3}/{len(TARGETS)}, misses {misses}")
    assert top3 == len(TARGETS), misses
    assert first >= 0.95 * len(TARGETS), misses


def test_the_crowd_is_similar(admin_api, admin_user):
    """The set is hard: a surname query matches many other leads by its stem, and the rank
    is what lifts the one that must come first (here only a few hundred leads, for speed)."""
    taken = {_key(kind, data) for _query, data, kind in TARGETS if kind}
    [target] = _bulk_load([TARGETS[0][1]], admin_user)
    _bulk_load(_background(random.Random(5), taken)[:600], admin_user)
    body = admin_api.get("/api/leads", q="kazlauskiene", limit=3).json()
    assert body["count"] > 10  # Kazlauskas, Kazlauskaitė… share the stem
    assert body["items"][0]["id"] == target
    newest_first = admin_api.get("/api/leads", q="kazlauskiene", ordering="-created_at").json()
    assert newest_first["items"][0]["id"] != target
