from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """A task waiting to be handed to the broker. Written in the same transaction as the change it
    follows from, so it exists exactly when that change was committed; deleted by the relay once the
    broker has acknowledged the message (outbox.services.outbox_relay)."""

    task = models.CharField(max_length=200)
    # Ids and ISO date strings only, like every task argument.
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    # Run the task no earlier than this (a Celery eta); null: at once.
    eta = models.DateTimeField(null=True, blank=True)
    # Rows with the same non-empty key ask for the same work (e.g. one office-day's rollup refresh):
    # the relay sends one message for all the rows it has seen with that key.
    dedupe_key = models.CharField(max_length=200, blank=True, default="", db_index=True)
    # The request that wrote the row, carried into the task's logs.
    request_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    # When a relay may take the row next: a relay that takes it pushes this forward (its lease), a
    # failed publish pushes it further (backoff).
    available_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} #{self.pk}"


class Heartbeat(models.Model):
    """The last sign of life of a background process ("beat", "worker"): /readyz reads the age."""

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%H:%M:%S}"


class OpsCounter(models.Model):
    """A monotonically growing count that several processes add to (task failures by task, agency
    errors by agency): kept in the database so that /metrics on any web host reports the totals of
    every worker."""

    name = models.CharField(max_length=60)
    label = models.CharField(max_length=200, blank=True, default="")
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "label"], name="opscounter_name_label")]

    def __str__(self) -> str:
        return f"{self.name}{{{self.label}}} = {self.value}"
