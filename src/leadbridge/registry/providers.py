"""Company registry lookup (F12): free public registries behind one small interface.

Each provider turns a query (a company id or a name) into `Company` rows with the fields a
lead or client takes. Calls have a timeout and their answers are cached in the shared
cache; an unreachable or failing registry raises `RegistryUnavailable` with a clear message
rather than an empty answer, so the user knows to type the data or try later.

Base URLs are settings (REGISTRY_*_URL) pointing at the real services; the tests point them
at a local server answering with fixtures written from each registry's documentation.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from leadbridge.core.errors import DomainError, field_error


class RegistryUnavailable(DomainError):
    status = 503
    default_code = "registry_unavailable"


@dataclass
class Company:
    name: str
    registration_number: str = ""
    vat_id: str = ""
    street: str = ""
    city: str = ""
    postcode: str = ""
    country: str = ""
    source: str = ""
    valid_vat: bool | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class NotFoundInRegistry(Exception):
    pass


def _fetch(provider: str, url: str, *, data: dict | None = None) -> Any:
    """GET (or POST JSON) and parse JSON; 404 means "no such subject"."""
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(
        url,
        data=body,
        method="POST" if body is not None else "GET",
        headers={"Accept": "application/json", "Content-Type": "application/json"},
    )
    timeout = float(getattr(settings, "REGISTRY_TIMEOUT_SECONDS", 5))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise NotFoundInRegistry from None
        if exc.code == 400:
            try:
                detail = json.loads(exc.read())
            except ValueError:
                detail = {}
            message = detail.get("popis") or detail.get("message") or "The query was refused."
            raise field_error("q", f"{provider}: {message}") from None
        raise RegistryUnavailable(
            f"The registry {provider} answered with an error ({exc.code}); try again later."
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError):
        raise RegistryUnavailable(
            f"The registry {provider} cannot be reached now; try again later or fill the "
            "fields by hand."
        ) from None


def _digits(q: str) -> str:
    return re.sub(r"\D", "", q)


class Provider:
    key = ""
    name = ""
    countries: tuple[str, ...] = ()

    def lookup(self, q: str, country: str) -> list[Company]:
        raise NotImplementedError


class Ares(Provider):
    """Czech ARES REST API: subject by IČO, search by business name."""

    key, name, countries = "ares", "ARES", ("CZ",)

    def _company(self, subject: dict) -> Company:
        seat = subject.get("sidlo") or {}
        number = "/".join(
            str(p)
            for p in (
                seat.get("cisloDomovni"),
                f"{seat.get('cisloOrientacni', '')}{seat.get('cisloOrientacniPismeno', '')}",
            )
            if p not in (None, "")
        )
        street_name = seat.get("nazevUlice") or seat.get("nazevCastiObce") or ""
        postcode = str(seat.get("psc") or "")
        return Company(
            name=subject.get("obchodniJmeno", ""),
            registration_number=str(subject.get("ico", "")),
            vat_id=subject.get("dic", "") or "",
            street=f"{street_name} {number}".strip(),
            city=seat.get("nazevObce", "") or "",
            postcode=f"{postcode[:3]} {postcode[3:]}" if len(postcode) == 5 else postcode,
            country=seat.get("kodStatu", "CZ") or "CZ",
            source=self.key,
        )

    def lookup(self, q: str, country: str) -> list[Company]:
        base = settings.REGISTRY_ARES_URL.rstrip("/")
        digits = _digits(q)
        if digits and len(digits) <= 8 and digits == q.replace(" ", ""):
            try:
                subject = _fetch(self.name, f"{base}/ekonomicke-subjekty/{digits.zfill(8)}")
            except NotFoundInRegistry:
                return []
            return [self._company(subject)]
        try:
            found = _fetch(
                self.name,
                f"{base}/ekonomicke-subjekty/vyhledat",
                data={"obchodniJmeno": q, "start": 0, "pocet": 10},
            )
        except NotFoundInRegistry:
            return []
        return [self._company(s) for s in found.get("ekonomickeSubjekty") or []]


class Vies(Provider):
    """EU VIES: is a VAT number valid, and the name and address the member state gives."""

    key, name = "vies", "VIES"
    countries = tuple(
        "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT".split()
        + "LT LU LV MT NL PL PT RO SE SI SK XI".split()
    )

    def lookup(self, q: str, country: str) -> list[Company]:
        value = re.sub(r"[\s.\-]", "", q).upper()
        prefix = value[:2] if value[:2].isalpha() else country
        number = value[2:] if value[:2].isalpha() else value
        prefix = "EL" if prefix == "GR" else prefix
        base = settings.REGISTRY_VIES_URL.rstrip("/")
        answer = _fetch(self.name, f"{base}/ms/{prefix}/vat/{urllib.parse.quote(number)}")
        error = answer.get("userError", "VALID")
        if error not in ("VALID", "INVALID"):
            if error == "INVALID_INPUT":
                raise field_error("q", _("VIES: not a VAT number of that country."))
            raise RegistryUnavailable(
                f"VIES cannot check this number now ({error}); try again later."
            )
        if not answer.get("isValid"):
            return []
        lines = [ln.strip() for ln in (answer.get("address") or "").splitlines() if ln.strip()]
        postcode, city = "", ""
        if len(lines) > 1:
            match = re.match(r"^(\d[\d\s-]*\d)\s+(.*)$", lines[-1])
            if match:
                postcode, city = match.group(1), match.group(2)
            else:
                city = lines[-1]
        name = answer.get("name") or ""
        return [
            Company(
                name="" if name == "---" else name,
                vat_id=f"{prefix}{number}",
                street=lines[0] if lines else "",
                city=city,
                postcode=postcode,
                country="GR" if prefix == "EL" else prefix,
                source=self.key,
                valid_vat=True,
            )
        ]


class Rpo(Provider):
    """Slovak register of legal entities (RPO) of the Statistical Office: by IČO or name."""

    key, name, countries = "rpo", "RPO", ("SK",)

    @staticmethod
    def _current(items: list[dict] | None) -> dict:
        items = items or []
        live = [i for i in items if not i.get("validTo")]
        return (live or items or [{}])[-1]

    def _company(self, entity: dict) -> Company:
        address = self._current(entity.get("addresses"))
        number = "/".join(
            str(p) for p in (address.get("regNumber"), address.get("buildingNumber")) if p
        )
        postcodes = address.get("postalCodes") or [""]
        return Company(
            name=self._current(entity.get("fullNames")).get("value", ""),
            registration_number=self._current(entity.get("identifiers")).get("value", ""),
            street=f"{address.get('street', '')} {number}".strip(),
            city=(address.get("municipality") or {}).get("value", ""),
            postcode=postcodes[0] or "",
            country="SK",
            source=self.key,
        )

    def lookup(self, q: str, country: str) -> list[Company]:
        base = settings.REGISTRY_RPO_URL.rstrip("/")
        digits = _digits(q)
        param = {"identifier": digits} if digits and len(digits) <= 8 else {"fullName": q}
        try:
            found = _fetch(self.name, f"{base}/search?{urllib.parse.urlencode(param)}")
        except NotFoundInRegistry:
            return []
        return [self._company(e) for e in (found.get("results") or [])[:10]]


class PolishWhiteList(Provider):
    """Polish VAT payers' white list (Ministry of Finance): subject by NIP."""

    key, name, countries = "pl_wl", "Wykaz podatników VAT", ("PL",)

    def lookup(self, q: str, country: str) -> list[Company]:
        nip = _digits(q)
        if len(nip) != 10:
            raise field_error("q", _("The Polish VAT list is searched by NIP (10 digits)."))
        base = settings.REGISTRY_PL_WL_URL.rstrip("/")
        try:
            found = _fetch(self.name, f"{base}/api/search/nip/{nip}?date={date.today()}")
        except NotFoundInRegistry:
            return []
        subject = (found.get("result") or {}).get("subject")
        if not subject:
            return []
        address = subject.get("workingAddress") or subject.get("residenceAddress") or ""
        street, _sep, rest = address.partition(",")
        match = re.match(r"^\s*(\d{2}-\d{3})\s+(.*)$", rest)
        return [
            Company(
                name=subject.get("name", ""),
                registration_number=subject.get("krs") or subject.get("regon") or "",
                vat_id=f"PL{subject.get('nip', nip)}",
                street=street.strip(),
                city=match.group(2).strip() if match else rest.strip(),
                postcode=match.group(1) if match else "",
                country="PL",
                source=self.key,
                valid_vat=subject.get("statusVat") == "Czynny",
            )
        ]


PROVIDERS: dict[str, Provider] = {p.key: p for p in (Ares(), Vies(), Rpo(), PolishWhiteList())}
NATIONAL = {"CZ": "ares", "SK": "rpo", "PL": "pl_wl"}


def choose(country: str, q: str, provider: str | None = None) -> Provider:
    if provider:
        if provider not in PROVIDERS:
            raise field_error(
                "provider", _("Must be one of: %(choices)s.") % {"choices": ", ".join(PROVIDERS)}
            )
        return PROVIDERS[provider]
    compact = re.sub(r"[\s.\-]", "", q).upper()
    # "CZ27074358": a VAT number, which VIES checks for every member state.
    if len(compact) > 4 and compact[:2].isalpha() and compact[2:].isdigit():
        return PROVIDERS["vies"]
    if country in NATIONAL:
        return PROVIDERS[NATIONAL[country]]
    if country in Vies.countries or country == "GR":
        return PROVIDERS["vies"]
    raise field_error("country", _("No registry is available for this country."))


def registry_lookup(*, country: str, q: str, provider: str | None = None) -> dict:
    """Companies matching `q` in the registry for `country`, from the cache when asked
    recently (registries are slow and some limit requests)."""
    country = (country or "").strip().upper()
    q = (q or "").strip()
    if len(q) < 2:
        raise field_error("q", _("Enter a company id, VAT number or at least two letters."))
    if len(q) > 200:
        raise field_error("q", _("The query is too long."))
    chosen = choose(country, q, provider)
    digest = hashlib.sha256(json.dumps([chosen.key, country, q.lower()]).encode()).hexdigest()
    key = f"lb:registry:{digest[:32]}"
    cached = cache.get(key)
    if cached is not None:
        return cached | {"cached": True}
    results = chosen.lookup(q, country)
    answer = {
        "provider": chosen.key,
        "results": [c.as_dict() for c in results],
        "cached": False,
    }
    cache.set(key, answer, timeout=int(getattr(settings, "REGISTRY_CACHE_SECONDS", 86400)))
    return answer
