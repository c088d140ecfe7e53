"""The translation catalogues: extract (makemessages) and compile (pure Python, Babel).

`python -m leadbridge.core.messages extract|compile` (scripts/messages.sh runs both). Extraction
needs GNU gettext like Django's makemessages; compiling does not, so an install on a fresh machine
turns the committed .po files into the .mo files Django reads (they are not committed).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import django
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from django.core.management import call_command

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = PACKAGE_DIR / "locale"
DOMAINS = ("django",)
# The source language is English; these are the catalogues translators fill.
TRANSLATED = ("cs", "sk", "pl", "lt", "vi")
# gettext plural rules (the CLDR/Unicode ones gettext itself ships for these languages).
PLURAL_FORMS = {
    "cs": "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;",
    "sk": "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;",
    "pl": (
        "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
    ),
    "lt": (
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
        "n%10>=2 && (n%100<10 || n%100>=20) ? 1 : 2);"
    ),
    "vi": "nplurals=1; plural=0;",
}
LANGUAGE_TEAMS = {
    "cs": "Czech",
    "sk": "Slovak",
    "pl": "Polish",
    "lt": "Lithuanian",
    "vi": "Vietnamese",
}
# What makemessages skips: tests and migrations hold no user-facing text of their own.
IGNORE = ["tests", "*/tests/*", "migrations", "*/migrations/*", "locale", "static/*"]


def po_path(language: str, domain: str = "django", base: Path = LOCALE_DIR) -> Path:
    return base / language / "LC_MESSAGES" / f"{domain}.po"


def _keys_and_date(path: Path) -> tuple[set, Any] | None:
    """The (context, msgid) pairs of a catalogue and its creation date; None if there is none."""
    if not path.exists():
        return None
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {(m.context, str(m.id)) for m in catalog if m.id}, catalog.creation_date


def fix_header(path: Path, language: str, previous: tuple[set, Any] | None = None) -> None:
    """Put the language's plural rule and a proper charset into a catalogue's header.

    makemessages leaves xgettext's placeholders (`nplurals=INTEGER`, `charset=CHARSET`) in a new
    catalogue; gettext would then pick the wrong plural form for Czech, Polish and Lithuanian.
    """
    text = path.read_text(encoding="utf-8")
    # Drop every Plural-Forms header (Django copies its own, sometimes over several lines).
    text = re.sub(r'^"Plural-Forms: (?:[^\n]*\n)*?[^\n]*\\n"\n', "", text, flags=re.M)
    header = f'"Plural-Forms: {PLURAL_FORMS[language]}\\n"'
    text = re.sub(
        r'^("Content-Transfer-Encoding: .*\\n")$',
        lambda m: m.group(1) + "\n" + header,
        text,
        count=1,
        flags=re.M,
    )
    text = text.replace("charset=CHARSET", "charset=UTF-8")
    text = re.sub(r'^"Language: .*\\n"$', f'"Language: {language}\\\\n"', text, count=1, flags=re.M)
    text = text.replace(
        '"Language-Team: LANGUAGE <LL@li.org>\\n"',
        f'"Language-Team: {LANGUAGE_TEAMS[language]}\\n"',
    )
    path.write_text(text, encoding="utf-8")
    # Babel rewrites the file with exactly as many msgstr[n] slots as the language has plural
    # forms (makemessages gives a new catalogue two), in one stable layout.
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    if previous is not None and previous[0] == {(m.context, str(m.id)) for m in catalog if m.id}:
        # Nothing new: keep the old date, so an extraction that finds nothing changes nothing.
        catalog.creation_date = previous[1]
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, include_previous=False)


def extract(languages: tuple[str, ...] = TRANSLATED, base: Path | None = None) -> Path:
    """Run makemessages over the package for `languages`; returns the locale directory written.

    With `base`, the package's source is copied there first and extracted into a fresh
    catalogue of its own (makemessages writes next to the sources it reads), so a test can
    compare it with the committed one without touching it.
    """
    from django.test.utils import override_settings  # django.test (0.1 s): extraction only

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadbridge.settings")
    django.setup()
    source = PACKAGE_DIR
    if base is not None:
        source = base / "leadbridge"
        shutil.copytree(
            PACKAGE_DIR,
            source,
            ignore=shutil.ignore_patterns("locale", "static", "tests", "__pycache__", "*.pyc"),
        )
    target = source / "locale"
    target.mkdir(parents=True, exist_ok=True)
    previous = {language: _keys_and_date(po_path(language, base=target)) for language in languages}
    cwd = Path.cwd()
    os.chdir(source)
    try:
        with override_settings(LOCALE_PATHS=[target]):
            call_command(
                "makemessages",
                locale=list(languages),
                domain="django",
                ignore_patterns=IGNORE,
                no_obsolete=True,
                add_location="file",
                verbosity=0,
            )
    finally:
        os.chdir(cwd)
    for language in languages:
        fix_header(po_path(language, base=target), language, previous[language])
    return target


def compile_catalogue(po: Path, mo: Path | None = None) -> Path:
    """One .po -> .mo with Babel; fuzzy entries are left out, as msgfmt does."""
    mo = mo or po.with_suffix(".mo")
    with po.open("rb") as handle:
        catalog = read_po(handle)
    with mo.open("wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)
    return mo


def compile_all(base: Path = LOCALE_DIR) -> list[Path]:
    return [compile_catalogue(po) for po in sorted(base.glob("*/LC_MESSAGES/*.po"))]


def main(argv: list[str]) -> int:
    step = argv[1] if len(argv) > 1 else "all"
    if step in ("extract", "all"):
        extract()
    if step in ("compile", "all"):
        for mo in compile_all():
            print(f"compiled {mo.relative_to(PACKAGE_DIR)}")
    if step not in ("extract", "compile", "all"):
        print("usage: python -m leadbridge.core.messages [extract|compile]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
