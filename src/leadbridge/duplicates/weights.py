"""Fellegi–Sunter match weights: defaults, training and the chart's data (stub, filled in)."""

from __future__ import annotations

from typing import Any


def chart_data(model: Any = None) -> list[dict]:
    raise NotImplementedError


def model_info(model: Any = None) -> dict:
    raise NotImplementedError


def weights_train_start(*, actor: Any) -> Any:
    raise NotImplementedError


def training_status() -> dict | None:
    raise NotImplementedError
