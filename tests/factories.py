from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from visits.models import (
    Appointment,
    AppointmentStatus,
    Authority,
    County,
    InterpreterWanted,
    KioskToken,
    Language,
    LanguageNeed,
    NeedIdentifiedBy,
    Office,
    OfficeMembership,
    StaffRole,
    Visit,
    VisitOutcome,
    VisitStatus,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    name = factory.Sequence(lambda n: f"Servicekontor {n}")
    municipality = "Uppsala"
    county = County.UPPSALA
    phone = "+46771778899"


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority
        django_get_or_create = ("code",)

    code = "forsakringskassan"
    name = "Försäkringskassan"


class LanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ("code",)

    code = "ar"
    rank = factory.Sequence(lambda n: n)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficeMembership

    user = factory.SubFactory(UserFactory)
    office = factory.SubFactory(OfficeFactory)
    role = StaffRole.RECEPTIONIST


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    office = factory.SubFactory(OfficeFactory)
    authority = factory.SubFactory(AuthorityFactory)
    checked_in_at = factory.LazyFunction(timezone.now)
    service_date = factory.LazyAttribute(lambda v: timezone.localdate(v.checked_in_at))
    queue_number = factory.Sequence(lambda n: f"F{n:03d}")
    status = VisitStatus.WAITING


class LanguageNeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LanguageNeed

    visit = factory.SubFactory(VisitFactory)
    language = "ar"
    interpreter_wanted = InterpreterWanted.YES
    identified_by = NeedIdentifiedBy.VISITOR_SAID
    recorded_at = factory.LazyAttribute(lambda n: n.visit.checked_in_at)


class VisitOutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitOutcome

    visit = factory.SubFactory(VisitFactory, status=VisitStatus.DONE)
    interpreter_used = True
    reason_not_used = ""
    recorded_at = factory.LazyAttribute(lambda o: o.visit.checked_in_at)


def kiosk_token_with_key(office: Office, name: str = "Entrance kiosk") -> tuple[KioskToken, str]:
    """A kiosk token for `office` and its raw key (through the real service: only the hash is stored)."""
    from visits.kiosks import kiosk_token_create

    return kiosk_token_create(office=office, name=name)


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A scheduled appointment tomorrow at 10:00 (Stockholm) for an Arabic speaker."""

    class Meta:
        model = Appointment

    office = factory.SubFactory(OfficeFactory)
    authority = factory.SubFactory(AuthorityFactory)
    start = factory.LazyFunction(
        lambda: (timezone.localtime() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    )
    service_date = factory.LazyAttribute(lambda a: timezone.localdate(a.start))
    expected_minutes = 45
    language = "ar"
    interpreter_wanted = InterpreterWanted.YES
    identified_by = NeedIdentifiedBy.VISITOR_SAID
    status = AppointmentStatus.SCHEDULED
    created_at = factory.LazyFunction(timezone.now)
