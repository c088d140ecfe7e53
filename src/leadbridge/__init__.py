"""Leadbridge: an open-source CRM from lead to client."""

__version__ = "0.1.0"
