"""Column mapping: which file column feeds which lead field. Pure (no ORM).

Headers are suggested to fields by name, in the six UI languages and the usual synonyms,
compared folded (accents, case and punctuation ignored), so "Název firmy", "NAZEV FIRMY"
and "nazev_firmy" all land on `company_name`. Lookup fields (status, source, owner, team)
take names, not ids; custom fields are `custom_fields.<key>`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from leadbridge.core.normalize import fold

from .parsing import CellError, as_text, parse_date, parse_number, split_list

# The most columns a file may have: the API's mapping lists one field per column and takes at
# most this many, so a wider file could never be mapped (refused at upload).
MAX_COLUMNS = 500
# Import fields of a lead: the spec's contract names, with the references taken by name.
LOOKUPS = {"status": "status_id", "source": "source_id", "owner": "owner_id", "team": "team_id"}
LIST_FIELDS = frozenset({"other_emails", "other_phones", "tags"})
NUMBER_FIELDS = frozenset({"expected_value"})
LEAD_FIELDS = (
    "first_name",
    "last_name",
    "job_title",
    "company_name",
    "registration_number",
    "vat_id",
    "email",
    "phone",
    "mobile",
    "other_emails",
    "other_phones",
    "website",
    "street",
    "street2",
    "city",
    "postcode",
    "region",
    "country",
    "source",
    "status",
    "expected_value",
    "currency",
    "owner",
    "team",
    "description",
    "tags",
)

# Headers seen in real files, English, Czech, Slovak, Polish, Lithuanian, Vietnamese.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": (
        "first name",
        "firstname",
        "given name",
        "name first",
        "jmeno",
        "krestni jmeno",
        "meno",
        "krstne meno",
        "imie",
        "vardas",
        "ten",
    ),
    "last_name": (
        "last name",
        "lastname",
        "surname",
        "family name",
        "prijmeni",
        "priezvisko",
        "nazwisko",
        "pavarde",
        "ho",
    ),
    "job_title": (
        "job title",
        "title",
        "position",
        "role",
        "pozice",
        "funkce",
        "pracovni pozice",
        "pozicia",
        "funkcia",
        "stanowisko",
        "pareigos",
        "chuc vu",
        "chuc danh",
    ),
    "company_name": (
        "company",
        "company name",
        "organization",
        "organisation",
        "account",
        "account name",
        "firma",
        "nazev firmy",
        "nazev spolecnosti",
        "spolecnost",
        "nazov firmy",
        "nazov spolocnosti",
        "spolocnost",
        "nazwa firmy",
        "nazwa",
        "imone",
        "imones pavadinimas",
        "pavadinimas",
        "cong ty",
        "ten cong ty",
    ),
    "registration_number": (
        "registration number",
        "company id",
        "company number",
        "reg no",
        "registration no",
        "business id",
        "ico",
        "ic",
        "identifikacni cislo",
        "krs",
        "regon",
        "imones kodas",
        "juridinio asmens kodas",
        "ma so doanh nghiep",
        "ma doanh nghiep",
    ),
    "vat_id": (
        "vat",
        "vat id",
        "vat number",
        "vat no",
        "tax id",
        "dic",
        "ic dph",
        "icdph",
        "nip",
        "pvm kodas",
        "pvm moketojo kodas",
        "ma so thue",
        "mst",
    ),
    "email": (
        "email",
        "e mail",
        "email address",
        "e mail address",
        "mail",
        "emailova adresa",
        "e mailova adresa",
        "adresa e mailu",
        "adres email",
        "adres e mail",
        "el pastas",
        "el pasto adresas",
        "elektroninis pastas",
        "thu dien tu",
        "dia chi email",
    ),
    "phone": (
        "phone",
        "phone number",
        "telephone",
        "tel",
        "tel c",
        "telefon",
        "telefonni cislo",
        "cislo telefonu",
        "telefonne cislo",
        "numer telefonu",
        "nr telefonu",
        "telefonas",
        "telefono numeris",
        "dien thoai",
        "so dien thoai",
        "sdt",
    ),
    "mobile": (
        "mobile",
        "mobile phone",
        "cell",
        "cell phone",
        "mobil",
        "mobilni telefon",
        "mobilny telefon",
        "komorka",
        "telefon komorkowy",
        "mobilusis",
        "mobilus telefonas",
        "mob tel",
        "di dong",
        "so di dong",
    ),
    "other_emails": (
        "other emails",
        "other e mails",
        "dalsi emaily",
        "dalsi e maily",
        "dalsie emaily",
        "dalsie e maily",
        "inne adresy email",
        "inne adresy e mail",
        "kiti el pastai",
    ),
    "other_phones": (
        "other phones",
        "dalsi telefony",
        "dalsie telefony",
        "inne telefony",
        "kiti telefonai",
    ),
    "website": (
        "website",
        "web",
        "www",
        "url",
        "web page",
        "webova stranka",
        "web stranka",
        "strona www",
        "strona internetowa",
        "svetaine",
        "tinklalapis",
        "trang web",
    ),
    "street": (
        "street",
        "address",
        "address line 1",
        "ulice",
        "adresa",
        "ulica",
        "adres",
        "gatve",
        "adresas",
        "dia chi",
        "duong",
    ),
    "street2": ("street 2", "address line 2", "ulice 2", "adresa 2", "ulica 2", "adres 2"),
    "city": (
        "city",
        "town",
        "mesto",
        "obec",
        "miasto",
        "miejscowosc",
        "miestas",
        "thanh pho",
    ),
    "postcode": (
        "postcode",
        "post code",
        "postal code",
        "zip",
        "zip code",
        "psc",
        "kod pocztowy",
        "pasto kodas",
        "ma buu chinh",
    ),
    "region": ("region", "state", "province", "kraj", "wojewodztwo", "apskritis", "tinh"),
    "country": (
        "country",
        "country code",
        "zeme",
        "stat",
        "krajina",
        "panstwo",
        "salis",
        "quoc gia",
    ),
    "source": (
        "source",
        "lead source",
        "zdroj",
        "zdroj leadu",
        "zrodlo",
        "saltinis",
        "nguon",
    ),
    "status": ("status", "lead status", "stav", "stan", "busena", "trang thai"),
    "expected_value": (
        "expected value",
        "value",
        "amount",
        "deal value",
        "hodnota",
        "ocekavana hodnota",
        "ocakavana hodnota",
        "suma",
        "wartosc",
        "kwota",
        "verte",
        "tiketina verte",
        "gia tri",
    ),
    "currency": ("currency", "mena", "waluta", "valiuta", "tien te"),
    "owner": (
        "owner",
        "salesperson",
        "sales rep",
        "assigned to",
        "vlastnik",
        "obchodnik",
        "majitel",
        "wlasciciel",
        "opiekun",
        "handlowiec",
        "savininkas",
        "atsakingas",
        "nguoi phu trach",
    ),
    "team": ("team", "sales team", "tym", "tim", "zespol", "komanda", "nhom"),
    "description": (
        "description",
        "notes",
        "note",
        "comment",
        "comments",
        "poznamka",
        "poznamky",
        "popis",
        "uwagi",
        "notatki",
        "opis",
        "pastabos",
        "aprasymas",
        "komentaras",
        "ghi chu",
        "mo ta",
    ),
    "tags": ("tags", "tag", "labels", "stitky", "stitek", "tagi", "etykiety", "zymes", "the"),
}
_PUNCT = re.compile(r"[^0-9a-z]+")


def header_key(header: str) -> str:
    """A header compared loosely: folded, punctuation and underscores as single spaces."""
    return _PUNCT.sub(" ", fold(header)).strip()


_BY_HEADER: dict[str, str] = {}
for _name, _words in SYNONYMS.items():
    _BY_HEADER.setdefault(header_key(_name), _name)
    for _word in _words:
        _BY_HEADER.setdefault(header_key(_word), _name)


@dataclass(frozen=True)
class CustomField:
    key: str
    label: str
    type: str


_COUNTRY_CODE = re.compile(r"^[A-Za-z]{2}$")


def suggest(
    headers: Sequence[str],
    custom: Iterable[CustomField] = (),
    samples: Sequence[Sequence[Any]] = (),
) -> list[str]:
    """A field for each column ('' to skip): custom fields by key or label, then built-ins.

    A field is suggested once; a second e-mail or phone column goes to other e-mails or
    other phones, any other repeat is skipped. `samples` (the first rows) settle headers
    that mean different things in different languages: "Kraj" is a Czech region but a
    Polish country, so a "Kraj" column of two-letter codes is the country.
    """
    by_header = dict(_BY_HEADER)
    for cf in custom:
        by_header[header_key(cf.key)] = f"custom_fields.{cf.key}"
        by_header[header_key(cf.label)] = f"custom_fields.{cf.key}"
    used: set[str] = set()
    out: list[str] = []
    for header in headers:
        name = by_header.get(header_key(header), "")
        if name == "region" and _all_codes(samples, len(out)):
            name = "country"
        if name in used:
            name = {"email": "other_emails", "phone": "other_phones", "mobile": "other_phones"}.get(
                name, ""
            )
            if name in used and name not in LIST_FIELDS:
                name = ""
        if name:
            used.add(name)
        out.append(name)
    return out


def _all_codes(samples: Sequence[Sequence[Any]], column: int) -> bool:
    values = [as_text(row[column]) for row in samples if column < len(row) and row[column]]
    return bool(values) and all(_COUNTRY_CODE.match(v) for v in values)


def header_signature(headers: Sequence[str]) -> str:
    """The identity of a header set (order and spelling aside), for reusing saved mappings."""
    keys = sorted({header_key(h) for h in headers if h.strip()})
    return hashlib.sha256("\x1f".join(keys).encode()).hexdigest()[:40]


@dataclass
class Mapping:
    """What the user chose: a field per column, constants and how cells are read."""

    columns: list[str]
    constants: dict[str, Any] = field(default_factory=dict)
    number_format: str = "auto"
    date_format: str = "auto"
    # With "Use leads" off the rows become deals here (leads/intake.py); None: the default.
    pipeline_id: int | None = None

    @classmethod
    def from_dict(cls, data: dict) -> Mapping:
        return cls(
            columns=list(data.get("columns") or []),
            constants=dict(data.get("constants") or {}),
            number_format=data.get("number_format") or "auto",
            date_format=data.get("date_format") or "auto",
            pipeline_id=data.get("pipeline_id"),
        )

    def as_dict(self) -> dict:
        return {
            "columns": self.columns,
            "constants": self.constants,
            "number_format": self.number_format,
            "date_format": self.date_format,
            "pipeline_id": self.pipeline_id,
        }


def known_fields(custom: Iterable[CustomField]) -> set[str]:
    return set(LEAD_FIELDS) | {f"custom_fields.{cf.key}" for cf in custom}


def check_mapping(mapping: Mapping, headers: Sequence[str], custom: Iterable[CustomField]):
    """Problems of a mapping as (field path, message) pairs; empty when it can run."""
    custom = list(custom)
    allowed = known_fields(custom)
    problems: list[tuple[str, str]] = []
    if len(mapping.columns) > len(headers):
        problems.append(("columns", "More columns mapped than the file has."))
    seen: dict[str, int] = {}
    for i, name in enumerate(mapping.columns):
        if not name:
            continue
        if name not in allowed:
            problems.append((f"columns.{i}", f"Unknown field {name!r}."))
        elif name in seen and name not in LIST_FIELDS:
            problems.append((f"columns.{i}", f"{name} is already fed by column {seen[name] + 1}."))
        seen.setdefault(name, i)
    for name in mapping.constants:
        if name not in allowed:
            problems.append((f"constants.{name}", f"Unknown field {name!r}."))
        elif name in seen:
            problems.append((f"constants.{name}", "This field is also fed by a column."))
    if not (set(seen) | set(mapping.constants)):
        problems.append(("columns", "Map at least one column to a field."))
    return problems


@dataclass
class Lookups:
    """Names of the lookup fields resolved to ids (folded name -> id)."""

    status: dict[str, int] = field(default_factory=dict)
    source: dict[str, int] = field(default_factory=dict)
    owner: dict[str, int] = field(default_factory=dict)
    team: dict[str, int] = field(default_factory=dict)
    custom_types: dict[str, str] = field(default_factory=dict)  # key -> type

    def resolve(self, kind: str, text: str) -> int | None:
        return getattr(self, kind).get(fold(text))


@dataclass
class RowResult:
    data: dict
    errors: list[tuple[str, str]]  # (field, message) of cells that could not be read
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (lookup kind, name)


def convert_row(cells: Sequence[Any], mapping: Mapping, lookups: Lookups) -> RowResult:
    """The contract-named `data` of one row, as `lead_create` takes it."""
    data: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    unknown: list[tuple[str, str]] = []
    values: list[tuple[str, Any]] = [
        (name, cells[i] if i < len(cells) else None)
        for i, name in enumerate(mapping.columns)
        if name
    ]
    values += list(mapping.constants.items())
    for name, raw in values:
        try:
            if name.startswith("custom_fields."):
                key = name.split(".", 1)[1]
                kind = lookups.custom_types.get(key, "text")
                if kind == "number":
                    number = parse_number(raw, mapping.number_format)
                    custom[key] = None if number is None else str(number)
                elif kind == "date":
                    day = parse_date(raw, mapping.date_format)
                    custom[key] = day.isoformat() if day else None
                else:
                    custom[key] = as_text(raw) or None
            elif name in LOOKUPS:
                text = as_text(raw)
                if not text:
                    continue
                ident = lookups.resolve(name, text)
                if ident is None and text.isdigit() and name in ("owner", "team"):
                    ident = int(text)
                if ident is None:
                    unknown.append((name, text))
                    errors.append((name, f"Unknown {name} {text!r}."))
                else:
                    data[LOOKUPS[name]] = ident
            elif name in LIST_FIELDS:
                items = split_list(raw)
                data[name] = data.get(name, []) + items
            elif name in NUMBER_FIELDS:
                data[name] = parse_number(raw, mapping.number_format)
            else:
                data[name] = as_text(raw)
        except CellError as exc:
            errors.append((name, str(exc)))
    if custom:
        data["custom_fields"] = custom
    return RowResult(data, errors, unknown)
