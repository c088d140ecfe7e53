"""GDPR: export and erasure of a person's data in every place it is kept; retention."""
