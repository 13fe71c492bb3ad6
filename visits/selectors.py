"""Read queries for visits. Every query that returns visitors' data is scoped to the offices the
user works at; national admins (superusers) see all offices."""

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, QuerySet
from django.utils import timezone

from visits.models import (
    Appointment,
    AppointmentStatus,
    Authority,
    Language,
    LanguageNeed,
    Office,
    OfficeMembership,
    StaffingDay,
    Visit,
    VisitStatus,
)


def offices_for_user(user: User | AnonymousUser, *, roles: Sequence[str] | None = None) -> QuerySet[Office]:
    if not user.is_authenticated:
        return Office.objects.none()
    if user.is_superuser:
        return Office.objects.all()
    memberships = OfficeMembership.objects.filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return Office.objects.filter(pk__in=memberships.values("office_id"))


def default_office_for_user(user: User | AnonymousUser) -> Office | None:
    """The office a receptionist's check-in form is preset to: their first active office."""
    return offices_for_user(user).filter(active=True).order_by("name").first()


def visits_for_user(user: User | AnonymousUser) -> QuerySet[Visit]:
    return Visit.objects.filter(office__in=offices_for_user(user)).select_related(
        "office", "authority", "language_need"
    )


def office_queue_today(*, office: Office) -> QuerySet[Visit]:
    """Today's waiting and in-service visits at one office, oldest first."""
    return (
        Visit.objects.filter(
            office=office,
            service_date=timezone.localdate(),
            status__in=[VisitStatus.WAITING, VisitStatus.IN_SERVICE],
        )
        .select_related("authority", "language_need")
        .order_by("checked_in_at")
    )


def active_authorities() -> QuerySet[Authority]:
    return Authority.objects.filter(active=True)


def most_common_authority(*, office: Office, days: int = 30) -> Authority | None:
    """The authority the check-in form preselects: the most frequent errand at this office lately,
    so the commonest visitor is one click from checked in."""
    since = timezone.localdate() - dt.timedelta(days=days)
    top = (
        Visit.objects.filter(office=office, service_date__gte=since, authority__active=True)
        .values("authority")
        .annotate(n=Count("id"))
        .order_by("-n", "authority")
        .first()
    )
    if top is not None:
        return Authority.objects.get(pk=top["authority"])
    return active_authorities().first()


def picker_languages() -> QuerySet[Language]:
    return Language.objects.filter(active=True).order_by("rank", "code")


def staffing_days(*, office: Office, since: dt.date, until: dt.date) -> QuerySet[StaffingDay]:
    """One office's officer hours between two dates (inclusive), by date."""
    return StaffingDay.objects.filter(office=office, date__range=(since, until)).order_by("date")


# How many languages the check-in page shows before the receptionist searches.
FEATURED_LANGUAGES = 8


def office_top_languages(*, office: Office, limit: int = FEATURED_LANGUAGES, days: int = 90) -> list[str]:
    """The language tags flagged most often at this office lately, most frequent first: the
    check-in page shows these first and the rest behind search."""
    since = timezone.localdate() - dt.timedelta(days=days)
    return list(
        LanguageNeed.objects.filter(visit__office=office, visit__service_date__gte=since)
        .values("language")
        .annotate(visits=Count("pk"))
        .order_by("-visits", "language")
        .values_list("language", flat=True)[:limit]
    )


def office_appointments_waiting(*, office: Office, on: dt.date | None = None) -> QuerySet[Appointment]:
    """Today's appointments at the office still waiting for their visitor (the check-in picker)."""
    day = on or timezone.localdate()
    return (
        Appointment.objects.filter(office=office, service_date=day, status=AppointmentStatus.SCHEDULED)
        .select_related("authority")
        .order_by("start", "pk")
    )


def office_appointments_on(*, office: Office, day: dt.date) -> QuerySet[Appointment]:
    """Every appointment at the office on one day, earliest first (the day view)."""
    return (
        Appointment.objects.filter(office=office, service_date=day)
        .select_related("authority", "visit")
        .order_by("start", "pk")
    )
