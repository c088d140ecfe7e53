"""The catalogues: up to date with the code, with each language's plural rule, translated."""

from __future__ import annotations

import shutil

import pytest
from babel.messages.pofile import read_po
from django.utils import translation

from leadbridge.core import messages


def _catalog(language: str, base=messages.LOCALE_DIR):
    with messages.po_path(language, base=base).open("rb") as handle:
        return read_po(handle, locale=language)


def _keys(catalog) -> set:
    return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in catalog if m.id}


def test_makemessages_finds_nothing_new(tmp_path):
    """Every string in the code is in the committed catalogues, and nothing else is."""
    if shutil.which("xgettext") is None:
        pytest.fail("makemessages needs GNU gettext: apt-get install gettext")
    target = messages.extract(("cs",), base=tmp_path)
    fresh = _keys(_catalog("cs", base=target))
    assert len(fresh) > 500
    for language in messages.TRANSLATED:
        committed = _keys(_catalog(language))
        assert committed - fresh == set(), f"{language}: obsolete entries; run scripts/messages.sh"
        assert fresh - committed == set(), f"{language}: new strings; run scripts/messages.sh"


@pytest.mark.parametrize("language", messages.TRANSLATED)
def test_each_catalogue_has_its_languages_plural_rule(language):
    catalog = _catalog(language)
    assert catalog.plural_forms == messages.PLURAL_FORMS[language]
    expected = int(messages.PLURAL_FORMS[language].split("nplurals=")[1][0])
    plurals = [m for m in catalog if m.id and not isinstance(m.id, str)]
    assert plurals, "the code has plural strings; the catalogue must have them too"
    for message in plurals:
        assert len(message.string) == expected, message.id


@pytest.mark.parametrize("language", messages.TRANSLATED)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    catalog = _catalog(language)
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not all(m.string) if isinstance(m.string, tuple | list) else not m.string)
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    problems = [(m.id, errors) for m, errors in catalog.check() if errors]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    assert not problems, problems[:5]  # placeholders that differ from the English


# The form gettext must pick, by the grammar of each language (not read from the header).
EXPECTED_FORM = {
    "cs": {1: 0, 2: 1, 5: 2, 21: 2},
    "pl": {1: 0, 2: 1, 5: 2, 21: 2},
    "lt": {1: 0, 2: 1, 5: 1, 21: 0},
}
PLURAL_MESSAGES = [
    ("%(counter)s lead", "%(counter)s leads"),  # the leads list's count
    ("Done for %(n)d lead.", "Done for %(n)d leads."),  # bulk actions
]


@pytest.mark.parametrize("language", sorted(EXPECTED_FORM))
@pytest.mark.parametrize("n", [1, 2, 5, 21])
def test_plural_forms_for_1_2_5_and_21(language, n):
    from leadbridge.core.messages import compile_all

    compile_all()
    catalog = _catalog(language)
    for singular, plural in PLURAL_MESSAGES:
        entry = catalog.get((singular, plural))
        assert entry is not None, (language, singular)
        expected = entry.string[EXPECTED_FORM[language][n]]
        assert expected, f"{language}: form {EXPECTED_FORM[language][n]} of {singular!r} is empty"
        with translation.override(language):
            assert translation.ngettext(singular, plural, n) == expected
    assert len({catalog.get(PLURAL_MESSAGES[0]).string[i] for i in range(3)}) == 3


def test_plural_rules_pick_the_grammatical_form():
    """The Plural-Forms expressions themselves, checked against the grammar for 1..121."""
    import gettext

    for language, cases in EXPECTED_FORM.items():
        rule = gettext.c2py(messages.PLURAL_FORMS[language].split("plural=")[1].rstrip(";"))
        for n, form in cases.items():
            assert rule(n) == form, (language, n)
        assert rule(11) == 2 and rule(12) == 2
        assert rule(22) == (
            2 if language == "cs" else 1
        )  # Czech: only 2-4; Polish, Lithuanian: 22 too
    assert gettext.c2py("0")(5) == 0  # Vietnamese: one form
