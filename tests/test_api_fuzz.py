"""The whole OpenAPI schema, fuzzed with schemathesis (short mode for CI; bench/fuzz_api.py is the
long run): no 5xx, only documented status codes, bodies and content types as documented."""

import os

import pytest

from tests.api_fuzz import fuzz, seed_world

# A few hundred in CI; TOLKDESK_FUZZ_REQUESTS=10000 for a long run inside pytest.
REQUESTS = int(os.environ.get("TOLKDESK_FUZZ_REQUESTS", "340"))


@pytest.mark.fuzz
def test_fuzzing_every_operation_finds_no_server_error_and_no_schema_violation(db):
    world = seed_world(visits_per_office=4)
    report = fuzz(world, requests=REQUESTS)

    assert not report.failures, report.summary()
    assert report.total >= REQUESTS
    labels = set(report.operations)
    assert len(labels) >= 17
    assert set(report.requests) == labels, "an operation of the schema was never called"
    # The requests got past authentication: every operation answered something else than 401/403.
    reached = {label for (label, code), _n in report.statuses.items() if code not in (401, 403)}
    assert labels - reached == set(), sorted(labels - reached)
    successes = sum(n for (_label, code), n in report.statuses.items() if 200 <= code < 300)
    assert successes >= REQUESTS // 10, report.summary()
