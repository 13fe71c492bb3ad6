import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import generics, serializers
from rest_framework.test import APIRequestFactory, force_authenticate

from tests.factories import MembershipFactory, OfficeFactory, UserFactory, VisitFactory, kiosk_token_with_key
from visits.models import StaffRole, Visit
from visits.permissions import (
    KIOSK_ACTIONS,
    ROLE_MATRIX,
    Action,
    office_permission,
    offices_for_request,
    user_can,
    visit_for_request_or_404,
)


@pytest.fixture
def two_offices(db):
    return OfficeFactory(name="Uppsala"), OfficeFactory(name="Kiruna")


def member(office, role, username=None):
    user = UserFactory(username=username or f"{role}-{office.pk}")
    MembershipFactory(user=user, office=office, role=role)
    return user


def test_every_action_has_a_row_in_the_matrix():
    assert set(ROLE_MATRIX) == set(Action)
    assert KIOSK_ACTIONS <= set(Action)


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (StaffRole.RECEPTIONIST, Action.CHECK_IN, True),
        (StaffRole.RECEPTIONIST, Action.OUTCOME_RECORD, False),
        (StaffRole.RECEPTIONIST, Action.BOOKING_REQUEST, False),
        (StaffRole.RECEPTIONIST, Action.BOOKING_CANCEL, False),
        (StaffRole.OFFICER, Action.BOOKING_REQUEST, True),
        (StaffRole.OFFICER, Action.BOOKING_CANCEL, True),
        (StaffRole.RECEPTIONIST, Action.REPORT_VIEW, False),
        (StaffRole.OFFICER, Action.CHECK_IN, True),
        (StaffRole.OFFICER, Action.OUTCOME_RECORD, True),
        (StaffRole.OFFICER, Action.REPORT_VIEW, False),
        (StaffRole.OFFICE_MANAGER, Action.OUTCOME_RECORD, True),
        (StaffRole.OFFICE_MANAGER, Action.REPORT_VIEW, True),
    ],
)
def test_user_can_follows_the_matrix_at_own_office_only(two_offices, role, action, allowed):
    own, other = two_offices
    user = member(own, role)
    assert user_can(user, action, own) is allowed
    assert user_can(user, action, other) is False


def test_national_admin_may_do_everything_everywhere(two_offices):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    for action in Action:
        assert all(user_can(admin, action, office) for office in two_offices)


def test_anonymous_may_do_nothing(two_offices):
    from django.contrib.auth.models import AnonymousUser

    assert not any(user_can(AnonymousUser(), action) for action in Action)


def test_roles_at_two_offices_are_kept_apart(two_offices):
    uppsala, kiruna = two_offices
    user = member(uppsala, StaffRole.RECEPTIONIST, "both")
    MembershipFactory(user=user, office=kiruna, role=StaffRole.OFFICER)
    assert user_can(user, Action.CHECK_IN, uppsala) and not user_can(user, Action.VISIT_STATUS, uppsala)
    assert user_can(user, Action.VISIT_STATUS, kiruna)
    assert user_can(user, Action.OUTCOME_RECORD, kiruna) and not user_can(user, Action.OUTCOME_RECORD, uppsala)


class _Req:
    def __init__(self, user=None, auth=None):
        from django.contrib.auth.models import AnonymousUser

        self.user = user or AnonymousUser()
        self.auth = auth


def test_visit_for_request_is_404_at_another_office_and_403_for_a_missing_right(two_offices):
    own, other = two_offices
    receptionist = member(own, StaffRole.RECEPTIONIST)
    mine, theirs = VisitFactory(office=own), VisitFactory(office=other)
    request = _Req(receptionist)
    assert visit_for_request_or_404(request, mine.pk, Action.VISIT_VIEW) == mine
    with pytest.raises(PermissionDenied):
        visit_for_request_or_404(request, mine.pk, Action.OUTCOME_RECORD)
    with pytest.raises(Http404):
        visit_for_request_or_404(request, theirs.pk, Action.VISIT_VIEW)
    with pytest.raises(Http404):
        visit_for_request_or_404(request, "not-a-number", Action.VISIT_VIEW)


def test_a_kiosk_is_scoped_to_its_office_and_its_actions(two_offices):
    own, other = two_offices
    token, _key = kiosk_token_with_key(own)
    request = _Req(auth=token)
    assert list(offices_for_request(request, Action.CHECK_IN)) == [own]
    assert not offices_for_request(request, Action.VISIT_VIEW).exists()
    mine, theirs = VisitFactory(office=own), VisitFactory(office=other)
    with pytest.raises(PermissionDenied):
        visit_for_request_or_404(request, mine.pk, Action.VISIT_VIEW)
    with pytest.raises(Http404):
        visit_for_request_or_404(request, theirs.pk, Action.QUEUE_VIEW)


class _VisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Visit
        fields = ["id", "queue_number"]


class _OutcomeView(generics.RetrieveAPIView):
    """A stand-in endpoint: the permission class guards it like a real one."""

    serializer_class = _VisitSerializer
    permission_classes = [office_permission(Action.OUTCOME_RECORD)]
    queryset = Visit.objects.all()


def test_drf_permission_class_gives_403_for_role_and_404_for_other_office(two_offices):
    own, other = two_offices
    mine, theirs = VisitFactory(office=own), VisitFactory(office=other)
    factory = APIRequestFactory()
    view = _OutcomeView.as_view()

    def get(user, visit):
        request = factory.get("/")
        force_authenticate(request, user=user)
        return view(request, pk=visit.pk).status_code

    officer, receptionist = member(own, StaffRole.OFFICER), member(own, StaffRole.RECEPTIONIST)
    assert get(officer, mine) == 200
    assert get(officer, theirs) == 404
    assert get(receptionist, mine) == 403
    assert office_permission(Action.OUTCOME_RECORD) is office_permission(Action.OUTCOME_RECORD)
