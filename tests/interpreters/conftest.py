import pytest

from tests.factories import LanguageNeedFactory, VisitFactory
from tests.interpreters.factories import AgencyFactory, RankingFactory


@pytest.fixture
def agency(db):
    agency = AgencyFactory(slug="first", name="Första Tolkförmedlingen", priority=1)
    RankingFactory(agency=agency, county="C", rank=1)
    return agency


@pytest.fixture
def visit(office, agency):
    visit = VisitFactory(office=office)
    LanguageNeedFactory(visit=visit, language="ar", dialect="levantinsk")
    return visit


@pytest.fixture
def http_agency(db, fake_agencies):
    """An HTTP JSON agency backed by a real fake agency server: returns (agency row, server)."""
    from interpreters.models import AgencyBackend

    def make(
        slug: str, *, priority: int = 1, rank: int | None = None, county: str = "C", read_timeout=0.5, **server_kwargs
    ):
        server = fake_agencies(**server_kwargs)
        row = AgencyFactory(
            slug=slug,
            name=f"Tolkbyrå {slug}",
            backend=AgencyBackend.HTTP_JSON,
            priority=priority,
            backend_settings={
                "base_url": server.base_url,
                "connect_timeout": 1,
                "read_timeout": read_timeout,
                "webhook_secret_env": "TOLKDESK_AGENCY_TEST_WEBHOOK_SECRET",
            },
        )
        if rank is not None:
            RankingFactory(agency=row, county=county, rank=rank)
        return row, server

    return make
