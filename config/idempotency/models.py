from django.db import models

KEEP_HOURS = 24


class IdempotencyRecord(models.Model):
    """The first answer to one (scope, path, key). `scope` is who asked ("user:<id>", or a hash
    of the API token for a client that is no user), so two users can never replay each other's."""

    scope = models.CharField(max_length=80)
    path = models.CharField(max_length=255)
    key = models.CharField(max_length=255)
    # sha256 of the request body: the same key with another body is refused (422), not replayed.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    # API: {"content_type", "body"}; pages: {"location", "messages": [[level, text, tags], ...]}.
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "path", "key"], name="idempotency_record_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.path} {self.key}"
