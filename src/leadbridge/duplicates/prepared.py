"""`Prepared`: a record's values normalized once (by `matching.prepare`) for its blocking keys
and its comparison levels. Its own module so that the levels can name it without importing
the matching that uses them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Prepared:
    """A record's values normalized once for keys and scoring."""

    emails: tuple[str, ...] = ()
    email_names: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    person: str = ""
    company: str = ""
    postcode: str = ""
    street: str = ""
    number: str = ""
    city: str = ""
    given: str = ""  # first name words (folded, without titles), in typed order
    family: str = ""  # last name words
    country: str = ""  # ISO code as typed (upper case); conditions the learned u, not compared
    line2: str = ""  # the second street line (a building, a flat, a locality) when the first
    # names the street; compared on its own
