from config.idempotency.models import IdempotencyRecord
from config.idempotency.services import IdempotencyClaim


def idempotency_record_find(claim: IdempotencyClaim) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(scope=claim.scope, path=claim.path, key=claim.key).first()
