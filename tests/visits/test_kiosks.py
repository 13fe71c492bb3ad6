import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework import views
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from tests.factories import OfficeFactory, kiosk_token_with_key
from visits.errors import DomainError
from visits.kiosks import hash_key, kiosk_token_create, kiosk_token_revoke
from visits.models import KioskToken
from visits.permissions import Action, office_permission, offices_for_request


class _CheckInStandIn(views.APIView):
    """Answers with the offices the requester may check in at (as the real check-in API scopes)."""

    permission_classes = [office_permission(Action.CHECK_IN)]

    def post(self, request):
        return Response({"offices": list(offices_for_request(request, Action.CHECK_IN).values_list("pk", flat=True))})


class _VisitListStandIn(views.APIView):
    permission_classes = [office_permission(Action.VISIT_VIEW)]

    def get(self, request):
        return Response([])


def call(view_class, method, key=None, header=None):
    factory = APIRequestFactory()
    extra = {"HTTP_AUTHORIZATION": header if header is not None else f"Token {key}"} if (key or header) else {}
    request = getattr(factory, method)("/", **extra)
    return view_class.as_view()(request)


@pytest.fixture
def office(db):
    return OfficeFactory(name="Malmö")


def test_only_a_hash_of_the_key_is_stored(office):
    token, key = kiosk_token_create(office=office, name="Entré")
    row = KioskToken.objects.get(pk=token.pk)
    assert len(key) >= 40
    assert row.key_hash == hash_key(key) and key not in (row.key_hash, row.key_prefix, row.name)


def test_a_kiosk_can_check_in_at_its_own_office_only(office):
    OfficeFactory(name="Lund")
    token, key = kiosk_token_with_key(office)
    response = call(_CheckInStandIn, "post", key)
    assert response.status_code == 200
    assert response.data == {"offices": [office.pk]}
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_kiosk_cannot_read_visits(office):
    _token, key = kiosk_token_with_key(office)
    assert call(_VisitListStandIn, "get", key).status_code == 403


@pytest.mark.parametrize(
    "header", ["Token", "Token a b", "Token not-a-real-key", "Token " + "x" * 500, "Token \u00e9\u00e9"]
)
def test_bad_or_unknown_tokens_are_refused_with_401(office, header):
    kiosk_token_with_key(office)
    response = call(_CheckInStandIn, "post", header=header)
    assert response.status_code in (401, 403)
    assert response.status_code != 200


def test_a_revoked_token_or_a_closed_office_is_refused(office):
    token, key = kiosk_token_with_key(office)
    kiosk_token_revoke(token=token)
    assert call(_CheckInStandIn, "post", key).status_code in (401, 403)

    other = OfficeFactory(name="Ystad")
    _token2, key2 = kiosk_token_with_key(other)
    other.active = False
    other.save()
    assert call(_CheckInStandIn, "post", key2).status_code in (401, 403)


def test_no_token_means_anonymous_and_refused(office):
    assert call(_CheckInStandIn, "post").status_code == 403


def test_kiosk_tokens_need_a_name_and_an_active_office(office):
    with pytest.raises(DomainError):
        kiosk_token_create(office=office, name="  ")
    office.active = False
    office.save()
    with pytest.raises(DomainError):
        kiosk_token_create(office=office, name="Entré")


def test_the_command_prints_the_key_once_and_refuses_an_unknown_office(office, capsys):
    call_command("kiosk_token_create", office_id=office.pk, name="Entré")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert KioskToken.objects.get(key_hash=hash_key(key)).office == office
    with pytest.raises(CommandError):
        call_command("kiosk_token_create", office_id=office.pk + 999, name="X")
