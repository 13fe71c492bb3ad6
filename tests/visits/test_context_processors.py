import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, UserFactory
from visits.models import StaffRole

REPORTS = reverse("reports:overview")


def reports_link(client) -> bool:
    page = client.get(reverse("visits:check-in"), HTTP_ACCEPT_LANGUAGE="sv")
    assert page.status_code == 200
    return f'href="{REPORTS}"' in page.content.decode()


@pytest.mark.parametrize(("role", "shown"), [(StaffRole.RECEPTIONIST, False), (StaffRole.OFFICE_MANAGER, True)])
def test_the_main_menu_offers_reports_only_to_those_who_may_open_them(client, office, role, shown):
    user = UserFactory()
    MembershipFactory(user=user, office=office, role=role)
    client.force_login(user)
    assert reports_link(client) is shown
    assert client.get(REPORTS).status_code == (200 if shown else 403)


def test_national_admins_see_reports_in_the_menu(client, office):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert reports_link(client)


def test_the_reports_page_speaks_swedish(client, office):
    manager = UserFactory()
    MembershipFactory(user=manager, office=office, role=StaffRole.OFFICE_MANAGER)
    client.force_login(manager)
    page = client.get(REPORTS, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Tolkanvändning på dina kontor" in page
    assert 'aria-current="page">Översikt</a>' in page
