from celery import shared_task

from config.idempotency.services import idempotency_records_purge


@shared_task(name="idempotency.records_purge")
def idempotency_records_purge_task() -> int:
    return idempotency_records_purge()
