"""A pseudo-locale for tests: every translated string shows up wrapped in ⟦…⟧.

Built at test time from the extracted catalogue (every msgid of the project, with contexts and
plurals) and from Django's own English catalogue (form errors, month names…), so a page rendered
in it shows at a glance which text went through gettext and which did not (`leaks`).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import django
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from leadbridge.core.messages import LOCALE_DIR

CODE = "qps"  # the range ISO 639 keeps for local use; Microsoft's pseudo-locale uses it too
OPEN, CLOSE = "⟦", "⟧"
DJANGO_CATALOGUES = ("conf", "contrib/auth", "contrib/admin")


def _wrap(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}" if text else text


def build(directory: Path) -> Path:
    """Write <directory>/qps/LC_MESSAGES/django.mo; returns `directory` (for LOCALE_PATHS)."""
    pseudo = Catalog(locale="en", domain="django")  # English plural rule: two forms
    sources = [LOCALE_DIR / "cs" / "LC_MESSAGES" / "django.po"]
    root = Path(django.__file__).parent
    sources += [root / part / "locale/en/LC_MESSAGES/django.po" for part in DJANGO_CATALOGUES]
    for source in sources:
        if not source.exists():
            continue
        with source.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.id, tuple | list):
                strings = tuple(_wrap(s) for s in message.id)
            else:
                strings = _wrap(message.id)
            pseudo.add(message.id, strings, context=message.context)
    target = directory / CODE / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "django.mo").open("wb") as handle:
        write_mo(handle, pseudo)
    return directory


# What may show untranslated: the brand, product words kept in every language, names of the
# registries, ISO codes, time zone ids and the languages' own names in the switcher.
ALLOWED_WORDS = {"Leadbridge", "Kanban", "ARES", "RPO", "VIES", "NIP", "IČO", "DIČ"}
ALLOWED_TOKEN = re.compile(
    r"^([A-Z]{2,3}"  # country and currency codes
    r"|[A-Z]{3}[\d.,\u00a0]+"  # an amount as Babel writes it in English: CZK1,200.50
    r"|[A-Za-z]+/[A-Za-z0-9_/+-]+"  # time zones
    r"|utf-8|cp125\d|iso8859_\d+"  # text encodings
    r"|Pseudo|English|Čeština|Slovenčina|Polski|Lietuvių|Tiếng|Việt"  # language names
    r"|DATA\S*|\S*DATA\S*"  # user data made by the fixtures
    r"|https?://\S+|\S+@\S+)$"
)
SKIP_TAGS = {"script", "style", "code", "pre", "textarea"}  # and CLDR-named selects
CHECKED_ATTRS = {"title", "placeholder", "aria-label", "alt"}


def leftover(text: str) -> str:
    """What of `text` is neither translated nor allowed ('' when nothing leaks)."""
    previous = None
    while previous != text:  # nested markers: "⟦Lead converted: ⟦client⟧.⟧"
        previous = text
        text = re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", text)
    words = [w for w in text.split() if re.search(r"[^\W\d_]", w)]
    kept = []
    for word in words:
        bare = word.strip(".,:;!?()[]{}\"'«»„“”…·—–-+*#/|%")
        if not re.search(r"[^\W\d_]", bare) or bare in ALLOWED_WORDS:
            continue
        if ALLOWED_TOKEN.match(bare) or ALLOWED_TOKEN.match(word):
            continue
        kept.append(word)
    return " ".join(kept)


class _Visible(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.texts: list[tuple[str, str]] = []
        self.glued = False  # the last text goes on after a <wbr> (a break hint, not a gap)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "wbr":
            self.glued = bool(self.texts) and self.texts[-1][0] == "text"
            return
        self.glued = False
        # Country and currency names come from CLDR (Babel), translated outside the catalogue.
        if tag in SKIP_TAGS or (tag == "select" and a.get("data-names") == "cldr"):
            self.skip += 1
        for name in CHECKED_ATTRS:
            if a.get(name):
                self.texts.append((f"<{tag} {name}>", a[name]))
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.texts.append((f"<{tag} value>", a["value"]))

    def handle_endtag(self, tag):
        self.glued = False
        if (tag in SKIP_TAGS or tag == "select") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if self.glued:
            self.glued = False
            self.texts[-1] = ("text", self.texts[-1][1] + data)
        elif not self.skip and data.strip():
            self.texts.append(("text", data))


def leaks(html: str) -> list[str]:
    """Visible texts of a page that did not go through the catalogue."""
    parser = _Visible()
    parser.feed(html)
    out = []
    for where, text in parser.texts:
        rest = leftover(text)
        if rest:
            out.append(f"{where}: {rest!r} in {' '.join(text.split())[:120]!r}")
    return out


def text_leaks(text: str) -> list[str]:
    """The same check for plain text (e-mail subjects and bodies, notifications)."""
    rest = leftover(text)
    return [f"{rest!r} in {text[:120]!r}"] if rest else []
