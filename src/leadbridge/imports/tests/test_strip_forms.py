"""The faster legal-form stripping (an import calls it per row) agrees with the original."""

from hypothesis import given
from hypothesis import strategies as st

from leadbridge.duplicates.matching import _LEGAL_FORMS, _strip_forms


def reference(tokens: list[str]) -> list[str]:
    changed = True
    while changed and tokens:
        changed = False
        for form in _LEGAL_FORMS:
            n = len(form)
            if len(tokens) > n and tuple(tokens[-n:]) == form:
                tokens = tokens[:-n]
                changed = True
                break
            if len(tokens) > n and tuple(tokens[:n]) == form:
                tokens = tokens[n:]
                changed = True
                break
    return tokens


WORDS = sorted({w for form in _LEGAL_FORMS for w in form}) + ["porost", "tatra", "agro"]


@given(st.lists(st.sampled_from(WORDS), max_size=8))
def test_same_as_reference(tokens):
    assert _strip_forms(list(tokens)) == reference(list(tokens))
