import pytest
from rest_framework.test import APIClient

from tests.factories import LanguageFactory, UserFactory


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def reception_api(receptionist):
    client = APIClient()
    client.force_login(receptionist)
    return client


@pytest.fixture
def officer_api(officer):
    client = APIClient()
    client.force_login(officer)
    return client


@pytest.fixture
def admin_api(db):
    client = APIClient()
    client.force_login(UserFactory(username="national-admin", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def catalogue(db):
    """A small language catalogue in picker order, with one inactive row."""
    return [
        LanguageFactory(code="ar", rank=1),
        LanguageFactory(code="so", rank=2),
        LanguageFactory(code="prs", rank=3),
        LanguageFactory(code="uk", rank=4),
        LanguageFactory(code="fi", rank=5, active=False),
    ]
