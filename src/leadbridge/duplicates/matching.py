"""Duplicate matching: normalizers, blocking keys and the pair scorer. Pure (no ORM).

Every way in (create, update, conversion, import, web forms) and the finder use these, so two
records match the same way whichever path brought them. A record is first *prepared* (its
values normalized once), then *blocking keys* say which other records are worth comparing
(stored in an indexed table, so a check never scans), then `score` weighs the evidence of a
pair Fellegi–Sunter style: each comparison adds or removes log2-odds, and the sum becomes a
probability in 0..1 with the reasons that made it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache

from leadbridge.core.normalize import InvalidValue, fold, normalize_phone, phone_digits

from .fellegi_sunter import DEFAULT, Weights
from .levels import TF_FIELDS, compare, fields_of, level_code, reason
from .prepared import Prepared
from .similarity import SPLIT_STREET_WORDS, unglue

RULES = ("email", "phone", "name", "company", "registration_number", "address")
ALL_RULES = frozenset(RULES)
RECORD_TYPES = ("lead", "client", "contact")
DEFAULT_THRESHOLD = 0.9

_PUNCT = re.compile(r"[^0-9a-z]+")
_ID_JUNK = re.compile(r"[^0-9A-Z]+")
_VAT_PREFIX = re.compile(r"^[A-Z]{2}[0-9]")
_PHD = re.compile(r"\bph\.?\s?d\.?")
_HOUSE_NUMBER = re.compile(r"^\d+[a-z]?(?:/\d+[a-z]?)?$")

# Legal forms of the seed countries and common foreign ones, as folded token sequences.
# Stripped from either end of a company name (Vietnamese and Lithuanian names put them first).
_LEGAL_FORMS = [
    tuple(form.split())
    for form in (
        # Czech and Slovak
        "s r o",
        "sro",
        "spol s r o",
        "spol s ro",
        "spol sro",
        "spol",
        "a s",
        "as",
        "k s",
        "v o s",
        "o p s",
        "z s",
        "z u",
        "druzstvo",
        "akciova spolecnost",
        "spolecnost s rucenim omezenym",
        "spolocnost s rucenim obmedzenym",
        "komanditni spolecnost",
        "verejna obchodni spolecnost",
        "s p",
        "se",
        # Polish
        "sp z o o",
        "sp zoo",
        "spzoo",
        "sp z oo",
        "spolka z ograniczona odpowiedzialnoscia",
        "spolka akcyjna",
        "spolka jawna",
        "spolka komandytowa",
        "sp j",
        "sp k",
        "s a",
        "sa",
        "sc",
        "s c",
        # Lithuanian
        "uab",
        "ab",
        "mb",
        "vsi",
        "ii",
        "zub",
        # Vietnamese
        "cong ty tnhh",
        "cong ty co phan",
        "cong ty cp",
        "cong ty",
        "cty tnhh",
        "cty cp",
        "cty",
        "tnhh",
        "mtv",
        "tnhh mtv",
        "co phan",
        "cp",
        "dntn",
        # International
        "jsc",
        "ltd",
        "limited",
        "llc",
        "plc",
        "gmbh",
        "gmbh co kg",
        "ag",
        "kg",
        "inc",
        "corp",
        "corporation",
        "co",
        "company",
        "bv",
        "b v",
        "nv",
        "oy",
        "srl",
        "sarl",
        "sas",
        "spa",
    )
]
_LEGAL_FORMS.sort(key=len, reverse=True)

_TITLES = frozenset(
    "ing mgr bc dr mudr judr phdr rndr paeddr mvdr doc prof phd csc drsc mba msc bsc dis "
    "pan pani p mr mrs ms miss sir ong ba anh chi".split()
)
_STREET_WORDS = frozenset(
    "ul ulica ulice trida tr nam namesti namestie nabrezi g gatve pr prospektas al aleja "
    "aleje os osiedle pl plac street st road rd avenue ave duong pho so crescent place drive "
    "court lane parade terrace circuit close way boulevard highway".split()
)
# Providers that ignore dots in the local part of an address (jan.novak == jannovak).
_DOTLESS_PROVIDERS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
# Local parts that name a role, not a person: never evidence that two records are one.
_GENERIC_LOCALS = frozenset(
    "info office kontakt contact sales obchod hello admin mail email support biuro "
    "ofisas info1 post recepce reception marketing noreply no-reply".split()
)
_MIN_LOCAL = 5
BLOCK_LIMIT = 60  # records sharing one key beyond which the key says too little to compare
# A name in a city, the personal part of an e-mail ("jan.novak" at any provider) or a street in
# a town is shared by far more strangers than a name in a postcode: smaller blocks for those
# kinds of key.
KIND_BLOCK_LIMITS = {
    **{kind: 12 for kind in "nlgyzdb"},
    **{kind: 20 for kind in "ovq"},  # a surname, a given name, a postcode alone
}
MIN_ID_TYPO = 5  # ids this long or longer are also filed by their one-typo neighbourhood


# Normalizers ----------------------------------------------------------------------------------


def canonical_email(value: str | None) -> str:
    """Lower case, `+tag` dropped, dots dropped for providers that ignore them; '' if not
    an address."""
    value = (value or "").strip().lower()
    if value.count("@") != 1:
        return ""
    local, domain = value.split("@")
    local = local.split("+", 1)[0]
    domain = domain.strip(".")
    if not local or "." not in domain:
        return ""
    if domain in _DOTLESS_PROVIDERS:
        domain = _DOTLESS_PROVIDERS[domain]
        local = local.replace(".", "")
    return f"{local}@{domain}"


def email_name(canonical: str) -> str:
    """The personal part of an address ("jan.novak" of work and private mail alike), or ''."""
    local = canonical.split("@", 1)[0]
    compact = _PUNCT.sub("", local)
    if len(compact) < _MIN_LOCAL or local in _GENERIC_LOCALS or compact in _GENERIC_LOCALS:
        return ""
    return compact


def canonical_phone(value: str | None, region: str | None = None) -> str:
    """E.164; a number that is not possible for its country (a foreign number typed without
    its prefix, an odd format) compares by its digits ("#2134671108", seven or more), so the
    same number typed two ways still meets; '' when it has too few digits."""
    if value and value.startswith("#") and value[1:].isdigit():
        return value if len(value) > 7 else ""  # already in that form
    try:
        return normalize_phone(value, region or None)
    except InvalidValue:
        digits = phone_digits(value)
        return f"#{digits}" if len(digits) >= 7 else ""


def company_id(value: str | None) -> str:
    """A registration number or VAT id compared by its digits and letters: the country prefix
    of a VAT id, spaces and punctuation removed, and leading zeros of an all-digit id
    (CZ 0012 3456 == 123456)."""
    compact = _ID_JUNK.sub("", (value or "").upper())
    if _VAT_PREFIX.match(compact):
        compact = compact[2:]
    return compact.lstrip("0") if compact.isdigit() else compact


def _tokens(value: str | None) -> list[str]:
    return [t for t in _PUNCT.sub(" ", fold(value)).split() if t]


def person_name(*parts: str | None) -> str:
    """Folded name tokens without titles, in sorted order (word order does not matter)."""
    text = " ".join(_PHD.sub(" ", fold(part)) for part in parts if part)
    tokens = [t for t in _tokens(text) if t not in _TITLES]
    return " ".join(sorted(tokens))


_FORM_RANK = {form: i for i, form in reversed(list(enumerate(_LEGAL_FORMS)))}
_FORM_LENGTHS = sorted({len(form) for form in _LEGAL_FORMS})


def _strip_forms(tokens: list[str]) -> list[str]:
    """Strip legal forms from either end until none is left. Of the forms at the ends, the
    first in `_LEGAL_FORMS` goes first (the end before the start for the same form): looked
    up by hash per length instead of comparing every form (an import calls this per row)."""
    while tokens:
        best: tuple[int, int, int] | None = None  # (rank, 0 end / 1 start, length)
        for n in _FORM_LENGTHS:
            if len(tokens) <= n:
                break
            for side, part in ((0, tuple(tokens[-n:])), (1, tuple(tokens[:n]))):
                rank = _FORM_RANK.get(part)
                if rank is not None and (best is None or (rank, side) < best[:2]):
                    best = (rank, side, n)
        if best is None:
            break
        _rank, side, n = best
        tokens = tokens[:-n] if side == 0 else tokens[n:]
    return tokens


@lru_cache(maxsize=8192)  # companies repeat in an import: stripped once each
def company_name(value: str | None) -> str:
    """Folded company name without legal forms and punctuation, tokens sorted:
    "POROST, spol. s r.o." and "Porost s.r.o." both give "porost"."""
    tokens = _strip_forms(_tokens(value))
    while (again := _strip_forms(sorted(tokens))) != sorted(tokens):
        tokens = again  # sorting can bring a form to an end: strip until nothing changes
    return " ".join(sorted(tokens))


def postcode(value: str | None) -> str:
    """Digits and letters of a postcode without a country prefix ("LT-01100" -> "01100")."""
    compact = _ID_JUNK.sub("", (value or "").upper())
    if len(compact) > 2 and compact[:2].isalpha() and compact[2:].isdigit():
        compact = compact[2:]
    return compact


def street(value: str | None) -> tuple[str, str]:
    """(street name, house number): "Vinohradská 1511/230" -> ("vinohradska", "1511/230")."""
    text = fold(value).replace(",", " ").replace(".", " ")
    number, words = "", []
    for token in text.split():
        if not number and _HOUSE_NUMBER.match(token):
            number = token
        elif token.strip("-"):
            words.append(unglue(_PUNCT.sub("", token)))
    named = [w for w in words if w and w not in _STREET_WORDS]
    if len(named) > 1:
        # A street word split by a typo ("mathieson c rescent", "garrards treet"): the
        # name glued together ends with it.
        glued = "".join(named)
        if (unglued := unglue(glued, SPLIT_STREET_WORDS)) != glued:
            named = [unglued]
    # "Námestie 12" is a street called "square": keep the word when it is the whole name.
    return " ".join(named or [w for w in words if w]), number


@lru_cache(maxsize=32768)
def phonetic(word: str) -> str:
    """A short sound-alike key of a folded word, tolerant of vowel and doubled-letter typos
    and of the w/v, y/i, ph/f, ck/k spellings: "nowak" and "novak" give "nvk"."""
    word = re.sub(r"[^a-z]", "", word)
    if not word:
        return ""
    word = (
        word.replace("ph", "f")
        .replace("ck", "k")
        .replace("ch", "h")
        .replace("w", "v")
        .replace("q", "k")
        .replace("x", "ks")
        .replace("y", "i")
    )
    out = [word[0]]
    for ch in word[1:]:
        if ch in "aeiou":
            continue
        if ch != out[-1]:
            out.append(ch)
    return "".join(out)[:6]


# Prepared records -----------------------------------------------------------------------------


_FIELD, _ITEM = "\x1e", "\x1f"  # separators that never occur in normalized values
_TUPLES = ("emails", "email_names", "phones", "ids")
_STRINGS = ("person", "company", "postcode", "street", "number", "city")
_NAMES = ("given", "family", "country", "line2")  # after the display name (older lack them)


def encode(p: Prepared, display_name: str) -> str:
    """A prepared record and its display name as one string (stored as its match profile,
    so the finder reads a million records without normalizing them again)."""
    parts = [_ITEM.join(getattr(p, name)) for name in _TUPLES]
    parts += [getattr(p, name) for name in _STRINGS]
    parts.append(display_name.replace(_FIELD, " ").replace(_ITEM, " "))
    parts += [getattr(p, name) for name in _NAMES]
    return _FIELD.join(parts)


def decode(text: str) -> tuple[Prepared, str]:
    parts = text.split(_FIELD)
    tuples = [tuple(part.split(_ITEM)) if part else () for part in parts[:4]]
    names = (parts[11:15] + ["", "", "", ""])[:4]
    return Prepared(*tuples, *parts[4:10], *names), parts[10]


def _name_words(value: str | None) -> str:
    """A first or last name's folded words without titles, in typed order."""
    return " ".join(t for t in _tokens(_PHD.sub(" ", fold(value))) if t not in _TITLES)


def _strings(values: Iterable[object]) -> list[str]:
    return [str(v) for v in values if v not in (None, "")]


def prepare(
    values: dict, *, phones: Iterable[str] | None = None, default_region: str | None = None
) -> Prepared:
    """Prepare contract-named values of a lead, client or contact.

    A company client's `name` is its company name; a person client's name is its person.
    `phones` are numbers already in E.164 (a saved record's normalized columns), which
    spares parsing them again. `default_region` reads national numbers of a record without a
    country, as saving does (DEFAULT_PHONE_REGION).
    """
    region = (values.get("country") or "").upper() or default_region
    raw_emails = _strings([values.get("email"), *(values.get("other_emails") or [])])
    emails = sorted({e for e in map(canonical_email, raw_emails) if e})
    if phones is None:
        raw = [values.get("phone"), values.get("mobile"), *(values.get("other_phones") or [])]
        phones = [canonical_phone(v, region) for v in _strings(raw)]
    phones = sorted({p for p in phones if p})
    ids = sorted(
        {i for i in (company_id(values.get(k)) for k in ("registration_number", "vat_id")) if i}
    )
    company = values.get("company_name") or ""
    if values.get("kind") == "company" or ("name" in values and "first_name" not in values):
        company = values.get("name") or company
    # The first street line names the street and house; the second (a flat, a building, a
    # locality) is too often missing or moved to compare on, so it counts only in its stead.
    street_name, number = street(values.get("street"))
    line2 = " ".join(_tokens(values.get("street2")))
    if not street_name:
        street_name, number = street(
            " ".join(_strings([values.get("street"), values.get("street2")]))
        )
        line2 = ""
    return Prepared(
        emails=tuple(emails),
        email_names=tuple(sorted({n for n in map(email_name, emails) if n})),
        phones=tuple(phones),
        ids=tuple(ids),
        person=person_name(values.get("first_name"), values.get("last_name")),
        company=company_name(company),
        postcode=postcode(values.get("postcode")),
        street=street_name,
        number=number,
        city=" ".join(_tokens(values.get("city"))),
        given=_name_words(values.get("first_name")),
        family=_name_words(values.get("last_name")),
        country=(values.get("country") or "").strip().upper()[:2],
        line2=line2,
    )


def blocking_keys(p: Prepared) -> list[str]:
    """Keys under which a record is filed; two records are compared when they share one.

    Exact keys (e-mail, phone, company id, company) find the easy pairs; the sound-alike
    keys of each name word with the postcode or the city find typos, swapped and accent-less
    names, and people with a work and a private address.
    """
    keys: set[str] = set()
    keys.update(f"e:{e}" for e in p.emails)
    keys.update(f"l:{n}" for n in p.email_names)
    keys.update(f"p:{ph}" for ph in p.phones)
    keys.update(f"i:{i}" for i in p.ids)
    # Names only with a place: a name alone (Jan Novák) is shared by strangers, and its
    # blocks would be huge; so would one word of it in a postcode at a million records. The
    # whole name, as sounds (vowel and doubled-letter typos) and as 3-letter prefixes (a
    # typo further on), with the postcode; as sounds with the city for records without one.
    words = [w for w in p.person.split() if len(w) > 1]
    city = phonetic(p.city.replace(" ", ""))
    sounds = " ".join(sorted(phonetic(w) for w in words))
    if words:  # one word too: a record with only a surname (or a given name)
        if p.postcode:
            keys.add(f"m:{sounds}|{p.postcode}")
            keys.add(f"x:{' '.join(sorted(w[:3] for w in words))}|{p.postcode}")
        if city:  # see KIND_BLOCK_LIMITS
            keys.add(f"n:{sounds}|{city}")
    if p.company:
        keys.add(f"c:{p.company}")
        if len(words) >= 2:  # the person at the company, wherever either is typed
            keys.add(f"f:{phonetic(max(p.company.split(), key=len))}|{sounds}")
        first = p.company.split()
        if p.postcode:
            keys.update(f"k:{phonetic(w)}|{p.postcode}" for w in first if len(w) > 2)
    if p.postcode and p.number:
        keys.add(f"a:{p.postcode}|{p.number}|{phonetic(p.street.replace(' ', ''))[:3]}")
    if p.number and p.street:
        # Each name word at its house, wherever the postcode and the city are mistyped.
        house = f"{p.number}|{phonetic(p.street.replace(' ', ''))[:4]}"
        keys.update(f"h:{phonetic(w)}|{house}" for w in words if len(w) > 2)
    if p.street and city:
        # The street in its town, whatever the names, the postcode and the house number
        # say: a record typed again with both names changed or mistyped still meets its
        # first entry there. A street of a big town passes the kind's block limit and is
        # skipped, so this reaches only small places (see KIND_BLOCK_LIMITS).
        keys.add(f"b:{street_sound(p.street)}|{city}")
    keys.update(_typo_keys(p))
    return sorted(_fit(k) for k in keys)


def street_sound(name: str) -> str:
    """The sound of a street's first word (with the next when the first is short: "le loi",
    "st kilda"): the part typists get right; the end of a name is where a mistyped street
    word ("plvace", "c rescent") lands."""
    words = name.split()
    if not words:
        return ""
    first = words[0] if len(words[0]) >= 4 else "".join(words[:2])
    return phonetic(first)


def _typo_keys(p: Prepared) -> set[str]:
    """Keys that still meet when one of the name, the postcode or the city is mistyped: the
    surname in its postcode and in its city, the given name in its city, the surname's sound
    (as Czech, Slovak, Polish and Lithuanian spell it) with the initial, the whole name
    without a place (small blocks only, see KIND_BLOCK_LIMITS), and an id's one-typo
    neighbourhood
    (each id with one character deleted: two ids one substitution, insertion, deletion or
    transposition apart share one)."""
    keys: set[str] = set()
    given, family = p.given.replace(" ", ""), p.family.replace(" ", "")
    if family and p.postcode:
        keys.add(f"s:{family}|{p.postcode}")
    if family and p.city:
        keys.add(f"y:{family}|{p.city.replace(' ', '')}")
    # A surname, a given name or a postcode alone: useful only while few records share it
    # (a rare surname in a small installation); a common one passes its kind's block limit
    # and is then skipped by the finder and read no further than the limit by a check.
    if family:
        keys.add(f"o:{family}")
    if given:
        keys.add(f"v:{given}")
    if p.postcode:
        keys.add(f"q:{p.postcode}")
    if given and family:
        if p.city:
            keys.add(f"g:{given}|{p.city.replace(' ', '')}")
        keys.add(f"d:{surname_sound(family)}|{given[0]}")
        keys.add(f"z:{'|'.join(sorted((given, family)))}")
    for value in p.ids:
        if len(value) >= MIN_ID_TYPO:
            keys.add(f"t:{value}")
            keys.update(f"t:{value[:i]}{value[i + 1 :]}" for i in range(len(value)))
    return keys


# Spellings of one sound across the seed languages (after folding accents): Polish sz, cz,
# rz, Czech and Slovak ch, German sch, w for v, y for i, and foreign ph, th, ck, qu.
_SOUNDS = (
    ("sch", "s"), ("sz", "s"), ("cz", "c"), ("rz", "z"), ("dz", "z"), ("ch", "h"), ("ph", "f"),
    ("th", "t"), ("ck", "k"), ("qu", "kv"), ("w", "v"), ("q", "k"), ("x", "ks"), ("y", "i"),
    ("j", "i"),
)  # fmt: skip


@lru_cache(maxsize=32768)
def surname_sound(word: str) -> str:
    """A sound-alike key of a folded surname that knows Czech, Slovak, Polish and Lithuanian
    spelling: "szymanski", "simanski" and "šimanský" give "smnsk"; "nowak" and "novak"
    give "nvk". Vowels after the first letter and doubled letters are dropped."""
    word = re.sub(r"[^a-z]", "", word)
    for spelling, sound in _SOUNDS:
        word = word.replace(spelling, sound)
    if not word:
        return ""
    out = [word[0]]
    for ch in word[1:]:
        if ch in "aeiou":
            continue
        if ch != out[-1]:
            out.append(ch)
    return "".join(out)[:6]


KEY_LENGTH = 200  # the key column's size


def _fit(key: str) -> str:
    """A key that fits the column: a long one keeps its start and a digest of the whole,
    so equal values still give equal keys."""
    if len(key) <= KEY_LENGTH:
        return key
    return key[: KEY_LENGTH - 41] + "#" + hashlib.sha1(key.encode()).hexdigest()  # noqa: S324


# Scoring --------------------------------------------------------------------------------------


def _meet(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return any(x in b for x in a)  # tiny tuples: cheaper than building sets


def score(
    a: Prepared,
    b: Prepared,
    rules: Iterable[str] = ALL_RULES,
    weights: Weights | None = None,
) -> tuple[float, list[str]]:
    """(probability in 0..1 that `a` and `b` are one, the reasons that weighed in).

    Fellegi–Sunter: the prior log2-odds plus, for each field both records have, its
    comparison level's weight (`weights`, the installation's current ones; the defaults
    when not given), an exact name or city adjusted by how common it is."""
    weights = weights or DEFAULT
    w = weights.prior
    reasons: list[str] = []
    for name, (level, similarity) in compare(a, b, _fields(rules)).items():
        contribution = weights.bits[name][level] + _tf(weights, a, name, level)
        w += contribution
        text = reason(name, level, similarity, contribution)
        if text:
            reasons.append(text)
    return probability_of(w), reasons


SWAPPED = level_code("first_name", "swapped")


def probability_of(w: float) -> float:
    return round(1.0 / (1.0 + 2.0 ** (-w)), 4)


def _tf(weights: Weights, a: Prepared, name: str, level: int) -> float:
    """The term-frequency adjustment of an exact agreement on a name or city, and of a swap
    of first and last name (by both names: a swapped common name says as little)."""
    if level == 0 and name in TF_FIELDS:
        value = a.given if name == "first_name" else a.family if name == "last_name" else a.city
        return weights.tf_adjust(name, value)
    if level == SWAPPED and name == "first_name":
        return weights.tf_adjust("first_name", a.given) + weights.tf_adjust("last_name", a.family)
    return 0.0


@lru_cache(maxsize=128)
def _fields_cached(rules: frozenset[str]) -> tuple[str, ...]:
    return fields_of(rules)


def _fields(rules: Iterable[str]) -> tuple[str, ...]:
    return _fields_cached(rules if isinstance(rules, frozenset) else frozenset(rules))
