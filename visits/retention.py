"""GDPR retention: erase visitors' personal data once the retention period has passed.

What is erased (free text and contact details that can identify a visitor): the visit's name, phone
and note; the language need's and the booking's dialect free text; the booking's connection details
(phone number to call, video link); personal keys in booking events and agency callback payloads;
and any unmasked personal value in the audit log. What stays: everything the reports count (office,
authority, dates, statuses, language, interpreter wanted, outcome, booking status/timestamps,
minutes, cost), so every aggregate is the same before and after.

Runs in batches, each in its own transaction, so a purge of a year's backlog never holds long
locks, and an interrupted run just continues next time (it is idempotent).
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.audit import PERSONAL_FIELDS, REDACTED
from visits.errors import DomainError
from visits.models import LanguageNeed, Visit

# Keys in free-form JSON (booking event detail, agency callback payload) that may carry personal data.
PERSONAL_JSON_MARKERS = ("name", "phone", "url", "link", "email", "note", "connection", "address")


class PurgeResult(dict[str, int]):
    """How many rows of each kind were erased: "visits", "language_needs", "log_entries", and the
    kinds other apps' purgers report ("bookings", ...). A kind nothing was erased of reads as 0."""

    def __getattr__(self, name: str) -> int:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name, 0)

    def add(self, counts: dict[str, int]) -> None:
        for name, count in counts.items():
            self[name] = self.get(name, 0) + count


#: A purger for rows hanging off visits: called inside each batch's transaction with the batch's
#: visit ids and the time of the purge; erases its app's personal fields and returns its counts.
BatchPurger = Callable[..., dict[str, int]]
#: A purger for rows that belong to no visit: called once per run with the cutoff and batch size.
RunPurger = Callable[..., dict[str, int]]
_BATCH_PURGERS: list[BatchPurger] = []
_RUN_PURGERS: list[RunPurger] = []


def retention_register(*, per_batch: BatchPurger | None = None, per_run: RunPurger | None = None) -> None:
    """Called from an app's AppConfig.ready(): that app's personal data is erased with the visits'
    (``per_batch(visit_ids=..., now=...)``, in the same transaction) and once per run
    (``per_run(cutoff=..., batch_size=...)``). Each app erases its own fields; visits knows no other app."""
    if per_batch is not None and per_batch not in _BATCH_PURGERS:
        _BATCH_PURGERS.append(per_batch)
    if per_run is not None and per_run not in _RUN_PURGERS:
        _RUN_PURGERS.append(per_run)


def scrub_json(value: Any) -> tuple[Any, bool]:
    """Replace values under personal-looking keys, at any depth. Returns (new value, changed?)."""
    if isinstance(value, dict):
        changed = False
        out = {}
        for key, item in value.items():
            if any(marker in str(key).lower() for marker in PERSONAL_JSON_MARKERS) and item not in ("", None, REDACTED):
                out[key] = REDACTED
                changed = True
            else:
                out[key], sub_changed = scrub_json(item)
                changed = changed or sub_changed
        return out, changed
    if isinstance(value, list):
        results = [scrub_json(item) for item in value]
        return [r[0] for r in results], any(r[1] for r in results)
    return value, False


def log_entries_scrub(*, model: type[Model], object_ids: list[int]) -> int:
    """Redact personal values that an audit entry may still hold (e.g. written before masking)."""
    personal = set(PERSONAL_FIELDS.get(model._meta.label, ()))
    if not personal or not object_ids:
        return 0
    content_type = ContentType.objects.get_for_model(model)
    scrubbed = 0
    entries = LogEntry.objects.filter(content_type=content_type, object_id__in=object_ids).only(
        "pk", "changes", "serialized_data", "changes_text"
    )
    for entry in entries:
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        dirty = {
            name: [REDACTED if v not in (None, "", "None") else v for v in pair]
            for name, pair in changes.items()
            if name in personal and isinstance(pair, list) and any(v not in (None, "", "None", REDACTED) for v in pair)
        }
        if dirty or entry.serialized_data or entry.changes_text:
            LogEntry.objects.filter(pk=entry.pk).update(
                changes={**changes, **dirty}, serialized_data=None, changes_text=""
            )
            scrubbed += 1
    return scrubbed


def _purge_batch(*, visit_ids: list[int], now: datetime) -> PurgeResult:
    result = PurgeResult()
    with transaction.atomic():
        # Re-check inside the transaction: a concurrent run may have taken these already.
        result["visits"] = Visit.objects.filter(pk__in=visit_ids, personal_data_erased_at__isnull=True).update(
            visitor_name="", visitor_phone="", note="", personal_data_erased_at=now
        )
        need_ids = list(
            LanguageNeed.objects.filter(visit_id__in=visit_ids).exclude(dialect="").values_list("pk", flat=True)
        )
        result["language_needs"] = LanguageNeed.objects.filter(pk__in=need_ids).update(dialect="")
        result["log_entries"] = log_entries_scrub(model=Visit, object_ids=visit_ids) + log_entries_scrub(
            model=LanguageNeed, object_ids=need_ids
        )
        for purger in _BATCH_PURGERS:  # the other apps' rows of these visits, in the same transaction
            result.add(purger(visit_ids=visit_ids, now=now))
    return result


def visit_purge_personal_data(
    *, older_than_days: int, now: datetime | None = None, batch_size: int = 1000, dry_run: bool = False
) -> PurgeResult:
    """Erase personal data of visits checked in more than `older_than_days` days ago and stamp
    personal_data_erased_at. Aggregates are untouched. With dry_run, only count the visits."""
    if isinstance(older_than_days, bool) or not isinstance(older_than_days, int) or older_than_days < 1:
        raise DomainError(
            _("The retention period must be a whole number of days, at least 1."), field="older_than_days"
        )
    if batch_size < 1:
        raise DomainError(_("The batch size must be at least 1."), field="batch_size")
    now = now or timezone.now()
    cutoff = now - timedelta(days=older_than_days)
    due = Visit.objects.filter(checked_in_at__lt=cutoff, personal_data_erased_at__isnull=True)
    if dry_run:
        return PurgeResult(visits=due.count())
    total = PurgeResult(visits=0, language_needs=0, log_entries=0)
    while True:
        visit_ids = list(due.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not visit_ids:
            break
        total.add(_purge_batch(visit_ids=visit_ids, now=now))
    for purger in _RUN_PURGERS:
        total.add(purger(cutoff=cutoff, batch_size=batch_size))
    return total
