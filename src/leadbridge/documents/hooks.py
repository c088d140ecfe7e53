"""What the documents app plugs into other apps at start-up (registries, no imports upward)."""

from __future__ import annotations


def register() -> None:
    from .company import register_settings

    register_settings()
