"""Synthetic people and companies of the five seed countries, with known duplicates.

    python bench/duplicates/generate.py --n 20000 --out people.csv [--seed 7]

Each row is a lead (contract field names) with an `entity` column: rows with the same entity
are the same person or firm. About a quarter of the entities are entered more than once, each
copy changed the way CRM data rots: a typo (insert, delete, substitute, swap), first and last
name swapped, accents dropped, upper case, a legal form spelled another way, a private
e-mail instead of the work one, the phone written another way, missing fields. Names follow
a Zipf-like law, so common names ("Jan Novák") are shared by many different people, as in life.

Every copy keeps its entity's anchor (the e-mail, the phone or the address), so any two
copies can be confirmed by a careful human; a copy that keeps nothing would be a different
record to anyone, so the generator does not pretend otherwise. E-mail addresses are unique
to a person, as in life.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator

from anyascii import anyascii

FIELDS = [
    "entity",
    "first_name",
    "last_name",
    "company_name",
    "registration_number",
    "email",
    "phone",
    "street",
    "postcode",
    "city",
    "country",
]

COUNTRIES = {
    "CZ": {
        "male": "Jan Petr Josef Pavel Martin Tomáš Jaroslav Miroslav Zdeněk Václav Michal "
        "František "
        "Jiří Lukáš Jakub David Ondřej Karel Milan Vojtěch Radek Roman Stanislav "
        "Marek Filip",
        "female": "Jana Marie Eva Hana Anna Lenka Kateřina Lucie Věra Alena Petra Veronika "
        "Jaroslava Tereza Martina Michaela Jitka Helena Ludmila Zdeňka Šárka Ivana Monika",
        "last_m": "Novák Svoboda Novotný Dvořák Černý Procházka Kučera Veselý Horák Němec "
        "Marek Pospíšil Pokorný Hájek Král Jelínek Růžička Beneš Fiala Sedláček Doležal "
        "Zeman Kolář Navrátil Čermák Vaněk Urban Blažek Kříž Kopřiva Kovář Bartoš Vlček "
        "Polák Musil Šimek Konečný Malý Holub Štěpánek Kadlec Dostál Soukup Šťastný Mareš",
        "female_suffix": "ová",
        "streets": "Vinohradská Národní Husova Masarykova Palackého Nádražní Školní Komenského "
        "Zahradní Sokolovská Jiráskova Tyršova Revoluční Polní Lidická Smetanova Žižkova",
        "cities": "Praha|Brno|Ostrava|Plzeň|Liberec|Olomouc|Hradec Králové|Pardubice|"
        "Zlín|Kladno|Most|Opava|Jihlava|Teplice|Karviná|Chomutov|Děčín|Tábor",
        "forms": ["s.r.o.", "s. r. o.", "spol. s r.o.", "a.s.", "a. s."],
        "mail": ["seznam.cz", "email.cz", "gmail.com", "centrum.cz", "post.cz"],
        "tld": "cz",
        "phone": ("+420", 9, "{a} {b} {c}", (3, 3, 3)),
        "postcode": lambda r: f"{r.randint(100, 799)} {r.randint(0, 9)}{r.randint(0, 9)}",
    },
    "SK": {
        "male": "Peter Ján Jozef Martin Michal Tomáš Marek Lukáš Miroslav Ľubomír Juraj "
        "Dušan Milan Stanislav Vladimír Róbert Pavol Igor Rastislav Matej Adam Samuel",
        "female": "Mária Anna Zuzana Katarína Eva Jana Lucia Martina Ivana Monika Veronika "
        "Simona Andrea Lenka Barbora Petra Natália Ľubica Dominika Michaela",
        "last_m": "Horváth Kováč Varga Tóth Nagy Baláž Szabó Molnár Balog Lukáč Novák "
        "Kollár Oravec Németh Šimko Gajdoš Polák Ďurček Hudák Kráľ Sloboda Mikuš Kučera",
        "female_suffix": "ová",
        "streets": "Hlavná Štúrova Hurbanova Kollárova Námestie Slobody Záhradnícka Mlynská "
        "Obchodná Košická Bratislavská Nitrianska Sládkovičova Kuzmányho",
        "cities": "Bratislava|Košice|Prešov|Žilina|Nitra|Banská Bystrica|Trnava|Martin|"
        "Trenčín|Poprad|Prievidza|Zvolen|Považská Bystrica|Michalovce",
        "forms": ["s.r.o.", "spol. s r.o.", "a.s.", "s. r. o."],
        "mail": ["azet.sk", "gmail.com", "zoznam.sk", "centrum.sk"],
        "tld": "sk",
        "phone": ("+421", 9, "{a} {b} {c}", (3, 3, 3)),
        "postcode": lambda r: f"{r.randint(800, 999)} {r.randint(0, 9)}{r.randint(0, 9)}",
    },
    "PL": {
        "male": "Piotr Krzysztof Andrzej Tomasz Jan Paweł Michał Marcin Stanisław Jakub "
        "Adam Marek Łukasz Grzegorz Mateusz Wojciech Mariusz Dariusz Zbigniew Jerzy Kamil",
        "female": "Anna Maria Katarzyna Małgorzata Agnieszka Barbara Ewa Krystyna Elżbieta "
        "Magdalena Joanna Zofia Monika Aleksandra Beata Dorota Natalia Karolina Justyna",
        "last_m": "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński "
        "Szymański Woźniak Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk "
        "Piotrowski Grabowski Nowakowski Pawłowski Michalski Nowicki Adamczyk Dudek",
        "female_suffix": "pl",
        "streets": "Marszałkowska Długa Kościuszki Mickiewicza Słowackiego Polna Leśna "
        "Sienkiewicza Piłsudskiego Ogrodowa Lipowa Kwiatowa Szkolna Jana Pawła",
        "cities": "Warszawa Kraków Łódź Wrocław Poznań Gdańsk Szczecin Bydgoszcz Lublin "
        "Białystok Katowice Gdynia Częstochowa Radom Toruń Kielce Rzeszów",
        "forms": ["Sp. z o.o.", "sp. z o.o.", "S.A.", "spółka z ograniczoną odpowiedzialnością"],
        "mail": ["wp.pl", "onet.pl", "gmail.com", "interia.pl", "o2.pl"],
        "tld": "pl",
        "phone": ("+48", 9, "{a}-{b}-{c}", (3, 3, 3)),
        "postcode": lambda r: f"{r.randint(0, 99):02d}-{r.randint(0, 999):03d}",
    },
    "LT": {
        "male": "Jonas Petras Antanas Tomas Mantas Darius Andrius Marius Rimantas Vytautas "
        "Paulius Lukas Mindaugas Giedrius Saulius Kęstutis Algirdas Dainius Arūnas",
        "female": "Ona Janina Aldona Irena Rūta Laima Jūratė Eglė Kristina Rasa Daiva Inga "
        "Asta Lina Vilma Jurgita Gintarė Aušra Indrė Agnė Simona",
        "last_m": "Kazlauskas Jankauskas Petrauskas Stankevičius Vasiliauskas Žukauskas "
        "Butkus Paulauskas Urbonas Kavaliauskas Baranauskas Pocius Sakalauskas Navickas "
        "Rimkus Šimkus Adomaitis Vaitkus Mockus Jonaitis Žemaitis Kairys Lukoševičius",
        "female_suffix": "lt",
        "streets": "Gedimino Laisvės Vilniaus Kauno Savanorių Ukmergės Žalgirio Taikos "
        "Pramonės Basanavičiaus Maironio Vytauto Kęstučio Mindaugo",
        "cities": "Vilnius Kaunas Klaipėda Šiauliai Panevėžys Alytus Marijampolė Mažeikiai "
        "Jonava Utena Kėdainiai Telšiai Tauragė Ukmergė",
        "forms": ["UAB", "AB", "MB"],
        "mail": ["gmail.com", "one.lt", "inbox.lt", "delfi.lt"],
        "tld": "lt",
        "phone": ("+370", 8, "{a} {b}", (3, 5)),
        "postcode": lambda r: f"LT-{r.randint(0, 99999):05d}",
    },
    "VN": {
        "male": "Văn An|Văn Bình|Minh Tuấn|Quốc Huy|Đức Anh|Hoàng Nam|Thành Long|Văn Hùng|"
        "Minh Khoa|Gia Bảo|Văn Dũng|Hữu Phước|Quang Vinh|Tấn Phát|Công Minh",
        "female": "Thị Lan|Thị Mai|Thu Hà|Ngọc Anh|Thị Hoa|Thanh Hương|Minh Thư|Thị Hằng|"
        "Phương Linh|Bảo Ngọc|Thị Thảo|Kim Chi|Thúy Vy|Mỹ Duyên",
        "last_m": "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý",
        "female_suffix": "",
        "streets": "Lê Lợi|Nguyễn Huệ|Trần Hưng Đạo|Hai Bà Trưng|Lý Thường Kiệt|Điện Biên Phủ|"
        "Cách Mạng Tháng Tám|Nguyễn Trãi|Võ Văn Tần|Pasteur",
        "cities": "Hà Nội|Hồ Chí Minh|Đà Nẵng|Hải Phòng|Cần Thơ|Biên Hòa|Huế|Nha Trang|Vũng Tàu",
        "forms": ["Công ty TNHH", "Công ty Cổ phần", "CTY TNHH", "Co., Ltd", "JSC"],
        "mail": ["gmail.com", "yahoo.com.vn", "outlook.com"],
        "tld": "vn",
        "phone": ("+84", 9, "{a} {b} {c}", (3, 3, 3)),
        "postcode": lambda r: f"{r.randint(100000, 999999)}",
    },
}
FIRM_WORDS = (
    "Porost Tatra Baltija Mazury Agro Morava Nemunas Sao Mai Vltava Karpaty Dunaj Beskyd "
    "Orlen Ruta Hanza Sigma Delta Omega Gamma Alfa Nova Terra Polar Stella Ardena Kvalita "
    "Stavby Technik Energo Logistik Trans Mlyn Pekárna Drevo Kovo Elektro Servis Solar "
    "Medis Farm Pharma Textil Optik Print Media Data Soft Systems Solutions Group Invest"
).split()
REG_FORMAT = {"CZ": 8, "SK": 8, "PL": 10, "LT": 9, "VN": 10}


def _plain(text: str) -> str:
    """Accents dropped, as a hurried typist or an old system does."""
    return anyascii(text)


def _split(text: str) -> list[str]:
    return text.split("|") if "|" in text else text.split()


def _zipf(rng: random.Random, items: list[str], s: float = 1.05) -> str:
    weights = [1 / (i + 1) ** s for i in range(len(items))]
    return rng.choices(items, weights)[0]


def _female(last: str, rule: str) -> str:
    if rule == "ová":
        for ending, repl in (("ý", "á"), ("ek", "ková"), ("ec", "cová"), ("a", "ová")):
            if last.endswith(ending):
                return last[: -len(ending)] + repl
        return last + "ová"
    if rule == "pl":
        return last[:-1] + "a" if last.endswith("ki") else last
    if rule == "lt":
        for ending, repl in (("as", "ienė"), ("is", "ienė"), ("us", "ienė")):
            if last.endswith(ending):
                return last[: -len(ending)] + repl
    return last


def _phone(rng: random.Random, country: str) -> tuple[str, str]:
    """(E.164 digits, as typed)."""
    prefix, digits, pattern, parts = COUNTRIES[country]["phone"]
    lead = {"CZ": "6", "SK": "9", "PL": "5", "LT": "6", "VN": "9"}[country]
    number = lead + "".join(str(rng.randint(0, 9)) for _ in range(digits - 1))
    chunks, pos = [], 0
    for size in parts:
        chunks.append(number[pos : pos + size])
        pos += size
    typed = prefix + " " + pattern.format(**dict(zip("abc", chunks, strict=False)))
    return prefix + number, typed


def entities(n: int, rng: random.Random) -> Iterator[dict]:
    """n distinct people and firms (no duplicates yet)."""
    pools = {
        c: {
            "male": _split(v["male"]),
            "female": _split(v["female"]),
            "last": _split(v["last_m"]),
            "streets": _split(v["streets"]),
            "cities": _split(v["cities"]),
        }
        for c, v in COUNTRIES.items()
    }
    postcodes = {c: [COUNTRIES[c]["postcode"](rng) for _ in range(3000)] for c in COUNTRIES}
    used: set[str] = set()
    for i in range(n):
        country = rng.choices(list(COUNTRIES), [35, 20, 25, 10, 10])[0]
        meta, pool = COUNTRIES[country], pools[country]
        female = rng.random() < 0.5
        first = _zipf(rng, pool["female" if female else "male"])
        last = _zipf(rng, pool["last"])
        if female:
            last = _female(last, meta["female_suffix"])
        firm = rng.random() < 0.3
        company = regno = ""
        if firm:
            words = rng.sample(FIRM_WORDS, rng.choice((1, 2)))
            company = " ".join([*words, str(rng.randint(1, 999))] if rng.random() < 0.7 else words)
            form = rng.choice(meta["forms"])
            company = (
                f"{form} {company}"
                if form.startswith(("Công", "CTY", "UAB", "AB", "MB"))
                else f"{company} {form}"
            )
            regno = "".join(str(rng.randint(0, 9)) for _ in range(REG_FORMAT[country]))
        e164, typed = _phone(rng, country)
        email_on, phone_on = rng.random() < 0.85, rng.random() < 0.8
        local = _plain(f"{first.split()[-1]}.{last}").lower().replace(" ", "")
        local = f"{local}{rng.randint(1, 99)}" if rng.random() < 0.5 else local
        domain = (
            _plain(company.split()[0]).lower().strip(".,") + f"{i}." + meta["tld"]
            if firm
            else rng.choice(meta["mail"])
        )
        while f"{local}@{domain}" in used:  # an address belongs to one person
            local += str(rng.randint(0, 9))
        used.add(f"{local}@{domain}")
        private_local, private_domain = local.split(".")[0], rng.choice(meta["mail"])
        private_local += str(rng.randint(1, 999))
        while f"{private_local}@{private_domain}" in used:
            private_local += str(rng.randint(0, 9))
        used.add(f"{private_local}@{private_domain}")
        anchors = ["address"] + (["email"] if email_on else []) + (["phone"] if phone_on else [])
        yield {
            "entity": i,
            "first_name": first,
            "last_name": last,
            "company_name": company,
            "registration_number": regno,
            "email": f"{local}@{domain}" if email_on else "",
            "phone": typed if phone_on else "",
            "street": f"{rng.choice(pool['streets'])} {rng.randint(1, 2500)}",
            "postcode": rng.choice(postcodes[country]),
            "city": rng.choice(pool["cities"]),
            "country": country,
            "_e164": e164,
            "_private": f"{private_local}@{private_domain}",
            "_anchor": rng.choice(anchors),
        }


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + rng.choice("aeiourstnl") + text[i:]
    if kind == 2:
        return text[:i] + rng.choice("aeiourstnl") + text[i + 1 :]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def variant(rng: random.Random, e: dict) -> dict:
    """One more entry of the same entity, changed as CRM data is. The entity's anchor (its
    e-mail, phone or address) survives in every copy, so any two copies can be told to be
    one by a careful human: a copy that keeps nothing would be a different record to anyone."""
    v = {k: val for k, val in e.items() if not k.startswith("_")}
    country = e["country"]
    spared = {
        "email": {"private_mail", "drop_mail"},
        "phone": {"drop_phone"},
        "address": {"drop_address", "typo_street"},
    }[e["_anchor"]]
    choices = [c for c in CHANGES if c not in spared]
    for change in rng.sample(choices, rng.choice((1, 2, 3))):
        if change == "typo_name":
            key = rng.choice(("first_name", "last_name"))
            v[key] = _typo(rng, v[key])
        elif change == "swap":
            v["first_name"], v["last_name"] = v["last_name"], v["first_name"]
        elif change == "accents":
            for key in ("first_name", "last_name", "company_name", "street", "city"):
                v[key] = _plain(v[key])
        elif change == "upper":
            v["last_name"] = v["last_name"].upper()
            v["company_name"] = v["company_name"].upper()
        elif change == "form" and v["company_name"]:
            forms = COUNTRIES[country]["forms"]
            name = v["company_name"]
            for form in sorted(forms, key=len, reverse=True):
                name = name.replace(form, "").strip(" ,")
            v["company_name"] = f"{name}, {rng.choice(forms)}"
        elif change == "private_mail" and v["email"]:
            v["email"] = e["_private"]
        elif change == "phone_format" and v["phone"]:
            national = e["_e164"][len(COUNTRIES[country]["phone"][0]) :]
            spaced = " ".join(national[i : i + 3] for i in range(0, len(national), 3))
            v["phone"] = rng.choice((e["_e164"], national, spaced))
        elif change == "drop_mail":
            v["email"] = ""
        elif change == "drop_phone":
            v["phone"] = ""
        elif change == "drop_address":
            v["street"] = v["postcode"] = ""
        elif change == "typo_street" and v["street"]:
            v["street"] = _typo(rng, v["street"])
        elif change == "typo_company" and v["company_name"]:
            v["company_name"] = _typo(rng, v["company_name"])
    return v


CHANGES = (
    "typo_name",
    "swap",
    "accents",
    "upper",
    "form",
    "private_mail",
    "phone_format",
    "drop_mail",
    "drop_phone",
    "drop_address",
    "typo_street",
    "typo_company",
)


def generate(n: int, seed: int = 7, dup_share: float = 0.25) -> Iterator[dict]:
    """About n rows: distinct entities, a share of them entered 2 to 4 times."""
    rng = random.Random(seed)
    made = 0
    for e in entities(n, rng):
        if made >= n:
            return
        copies = 1
        if rng.random() < dup_share:
            copies += rng.choices((1, 2, 3), (70, 20, 10))[0]
        first = True
        for _ in range(copies):
            row = (
                {k: val for k, val in e.items() if not k.startswith("_")}
                if first
                else variant(rng, e)
            )
            first = False
            made += 1
            yield row
            if made >= n:
                return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="-")
    args = parser.parse_args()
    out = sys.stdout if args.out == "-" else open(args.out, "w", newline="", encoding="utf-8")  # noqa: SIM115
    writer = csv.DictWriter(out, FIELDS)
    writer.writeheader()
    for row in generate(args.n, args.seed):
        writer.writerow(row)
    if out is not sys.stdout:
        out.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
