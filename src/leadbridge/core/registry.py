"""Record type names to models, and back."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from .specs import MODEL_LABELS, RECORD_TYPES


def model_for(record_type: str) -> type[models.Model]:
    return apps.get_model(MODEL_LABELS[record_type])


def record_type_of(obj: models.Model) -> str:
    label = obj._meta.label
    for record_type, model_label in MODEL_LABELS.items():
        if model_label == label:
            return record_type
    raise KeyError(label)


def is_record_type(value: str) -> bool:
    return value in RECORD_TYPES
