"""Seeded lists and demo texts per language: one module per language, all of the same shape.

Each module defines:
  STATUSES        [(name, colour, kind, on board)] - lead statuses, in board order
  SOURCES         [name] - lead sources of a new install
  LOST_REASONS    [name] - why a lead was lost (asked on the board's Lost zone)
  PIPELINE        name of the default pipeline;  STAGES [(name, kind, probability)]
  EXTRA_SOURCES   [name] - more sources the demo adds
  PARTNER_PIPELINE (name, [stage names]) - a second pipeline the demo adds (last two: won, lost)
  TASK_TEMPLATES  [(subject, body, due in days, index into STATUSES)] - tasks on status change
  COUNTRY         the country of the demo's people and companies (demo/data.py); None = all five
  TASKS, NOTES, TAGS, JOB_TITLES, DEAL_WORDS, NOTE_SUBJECT - texts of the demo records
  TEAMS           {country code: name} - the demo's sales teams, named in the language

Colours, kinds and order are the same in every language, so that a list seeded in one
language behaves exactly like one seeded in another. The values are data: administrators
rename and reorder them in Settings like anything they made themselves.
"""

from __future__ import annotations

import importlib
from types import ModuleType

LANGUAGES = ("en", "cs", "sk", "pl", "lt", "vi")
SHAPE = (
    "STATUSES",
    "SOURCES",
    "LOST_REASONS",
    "PIPELINE",
    "STAGES",
    "EXTRA_SOURCES",
    "PARTNER_PIPELINE",
    "TASK_TEMPLATES",
    "COUNTRY",
    "TASKS",
    "NOTES",
    "TAGS",
    "JOB_TITLES",
    "DEAL_WORDS",
    "NOTE_SUBJECT",
    "TEAMS",
)


def for_language(language: str | None) -> ModuleType:
    """The module of `language` ('cs', 'cs-CZ' and 'CS' alike); English for anything else."""
    code = (language or "en").split("-")[0].split("_")[0].lower()
    return importlib.import_module(f"{__name__}.{code if code in LANGUAGES else 'en'}")
