"""Operations: health checks, metrics, request ids in logs, security headers, backups."""
