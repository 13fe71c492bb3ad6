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
