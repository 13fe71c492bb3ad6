"""Operational counters shared by every process (config/metrics.py reports them)."""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F

from config.outbox.models import OpsCounter

logger = logging.getLogger(__name__)


def ops_counter_add(*, name: str, label: str = "", by: int = 1) -> None:
    """Add to a counter. Never raises: a metric must not break the work it counts."""
    label = label[:200]
    try:
        with transaction.atomic():
            # Conflicts with: another process adding to the same counter. The UPDATE is atomic; the
            # first add of a new counter may race on the INSERT, and then updates once more.
            if OpsCounter.objects.filter(name=name, label=label).update(value=F("value") + by):
                return
            try:
                with transaction.atomic():
                    OpsCounter.objects.create(name=name, label=label, value=by)
            except IntegrityError:
                OpsCounter.objects.filter(name=name, label=label).update(value=F("value") + by)
    except Exception:
        logger.warning("counter %s not updated", name, exc_info=True)
