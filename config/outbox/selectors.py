from collections.abc import Iterable

from config.outbox.models import OutboxMessage


def outbox_keys_waiting(keys: Iterable[str]) -> set[str]:
    """The dedupe keys among `keys` that still have a row waiting to be relayed."""
    wanted = [key for key in keys if key]
    if not wanted:
        return set()
    return set(OutboxMessage.objects.filter(dedupe_key__in=wanted).values_list("dedupe_key", flat=True))
