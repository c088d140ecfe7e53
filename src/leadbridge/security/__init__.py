"""Login and API protection: throttles, rate limits, two-factor codes, the audit log."""
