"""Write-once requests: one-time form tokens on the pages and the `Idempotency-Key` header on API
POSTs. A record holds the first answer to a (scope, path, key); a resubmission, double click or
retry gets that answer again instead of writing twice. Records are kept 24 h
(`idempotency_records_purge`, run by beat)."""
