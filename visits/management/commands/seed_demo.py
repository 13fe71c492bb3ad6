"""Demo data: real servicekontor towns, the four authorities, the language catalogue and demo users.

Idempotent: running it again updates rows in place and creates nothing twice. The rows come from
visits/reference_data.py (shared with seed_agencies and the visit generator); only language codes
live there, every name comes from CLDR through Babel (visits.languages)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from visits.languages import normalize_language_tag
from visits.models import (
    Appointment,
    Authority,
    InterpreterWanted,
    Language,
    NeedIdentifiedBy,
    Office,
    OfficeMembership,
    ReminderChannel,
    StaffRole,
    Visit,
)
from visits.reference_data import AUTHORITIES, LANGUAGE_CODES, LANGUAGE_SEARCH_ALIASES, OFFICES
from visits.services import LanguageNeedInput, appointment_create, visit_check_in

# For the demo only; rundemo prints it. seed_demo refuses to run with production settings.
DEMO_PASSWORD = "tolkdesk-demo"  # noqa: S105  # nosec B105

DEMO_OFFICE = "Göteborg Angered"
SECOND_DEMO_OFFICE = "Göteborg Bergsjön"
# username -> (role, offices). The receptionist works at two offices so switching can be tried.
DEMO_STAFF: dict[str, tuple[StaffRole, list[str]]] = {
    "reception": (StaffRole.RECEPTIONIST, [DEMO_OFFICE, SECOND_DEMO_OFFICE]),
    "officer": (StaffRole.OFFICER, [DEMO_OFFICE]),
    "manager": (StaffRole.OFFICE_MANAGER, [DEMO_OFFICE]),
}
ADMIN_USERNAME = "admin"


def office_phone(index: int) -> str:
    """A valid Swedish number (010, the non-geographic range government offices use), unique per office."""
    return f"+4610478{1000 + index:04d}"


class Command(BaseCommand):
    help = "Load demo offices, authorities, the language catalogue and demo users (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-visits", action="store_true", help="Do not add today's demo queue.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError("seed_demo creates users with a published password: never in production.")
        with transaction.atomic():
            offices = self._offices()
            authorities = self._authorities()
            languages = self._languages()
            users = self._users()
        visits = 0 if options["no_visits"] else self._demo_queue()
        appointments = 0 if options["no_visits"] else self._demo_appointments()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {offices} offices, {authorities} authorities, {languages} languages, "
                f"{users} users, {visits} new demo visits, {appointments} new demo appointments."
            )
        )

    def _offices(self) -> int:
        for index, (name, municipality, county) in enumerate(OFFICES):
            Office.objects.update_or_create(
                name=name,
                defaults={"municipality": municipality, "county": county, "phone": office_phone(index), "active": True},
            )
        return len(OFFICES)

    def _authorities(self) -> int:
        for order, (code, name, _share) in enumerate(AUTHORITIES, start=1):
            Authority.objects.update_or_create(
                code=code, defaults={"name": name, "sort_order": order * 10, "active": True}
            )
        return len(AUTHORITIES)

    def _languages(self) -> int:
        for rank, raw in enumerate(LANGUAGE_CODES, start=1):
            code = normalize_language_tag(raw)
            # Only the rank is ours; `active` and name overrides are the admins' to change.
            Language.objects.update_or_create(
                code=code, defaults={"rank": rank, "search_aliases": LANGUAGE_SEARCH_ALIASES.get(code, "")}
            )
        return len(LANGUAGE_CODES)

    def _users(self) -> int:
        user_model = get_user_model()
        admin, _created = user_model.objects.get_or_create(username=ADMIN_USERNAME)
        admin.is_staff = admin.is_superuser = True
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        for username, (role, office_names) in DEMO_STAFF.items():
            user, _created = user_model.objects.get_or_create(username=username)
            user.set_password(DEMO_PASSWORD)
            user.save()
            for office in Office.objects.filter(name__in=office_names):
                OfficeMembership.objects.get_or_create(user=user, office=office, role=role)
        return 1 + len(DEMO_STAFF)

    def _demo_appointments(self) -> int:
        """A few appointments later today at the demo office (issue 11), so the day view and the
        check-in's appointment picker have something to show. Added only when that office has no
        appointment from today on: re-running adds nothing. Late in the evening they fall on tomorrow."""
        office = Office.objects.get(name=DEMO_OFFICE)
        now = timezone.localtime()
        if Appointment.objects.filter(office=office, service_date__gte=now.date()).exists():
            return 0
        receptionist = get_user_model().objects.get(username="reception")
        by_code = {authority.code: authority for authority in Authority.objects.all()}
        first = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        # Two visitors asked for a reminder (consent recorded now, with its channel), so the demo
        # worker's beat sends them within minutes and the console backend prints both. The number
        # is in PTS's range for fiction (070-174 06 05..99); example.org is reserved (RFC 2606).
        # (authority, minutes, need, visitor, phone, e-mail, reminder channel: "" for no consent)
        plan: list[tuple[str, int, LanguageNeedInput | None, str, str, str, str]] = [
            (
                "forsakringskassan",
                45,
                LanguageNeedInput(language="so"),
                "Hodan Ali",
                "+46701740605",
                "",
                ReminderChannel.SMS,
            ),
            ("skatteverket", 30, None, "", "", "", ""),
            (
                "pensionsmyndigheten",
                60,
                LanguageNeedInput(language="prs"),
                "Reza Karimi",
                "",
                "reza.karimi@example.org",
                ReminderChannel.EMAIL,
            ),
        ]
        for offset, (code, minutes, need, name, phone, email, channel) in enumerate(plan):
            appointment_create(
                office=office,
                authority=by_code.get(code) or next(iter(by_code.values())),
                start=first + timedelta(minutes=90 * offset),
                expected_minutes=minutes,
                created_by=receptionist,
                language_need=need,
                visitor_name=name,
                visitor_phone=phone,
                visitor_email=email,
                reminder_consent=bool(channel),
                reminder_channel=channel,
            )
        return len(plan)

    def _demo_queue(self) -> int:
        """A few visitors waiting today at the demo office, so the queue is not empty on first look.
        Added only when that office has no visit today: re-running adds nothing."""
        office = Office.objects.get(name=DEMO_OFFICE)
        if Visit.objects.filter(office=office, service_date=timezone.localdate()).exists():
            return 0
        receptionist = get_user_model().objects.get(username="reception")
        by_code = {authority.code: authority for authority in Authority.objects.all()}
        queue = [
            ("forsakringskassan", LanguageNeedInput(language="ar", dialect="syrisk")),
            ("arbetsformedlingen", None),
            ("skatteverket", LanguageNeedInput(language="ti", identified_by=NeedIdentifiedBy.POINTED_AT_CARD)),
            ("forsakringskassan", LanguageNeedInput(language="prs", interpreter_wanted=InterpreterWanted.UNSURE)),
        ]
        for authority_code, need in queue:
            visit_check_in(
                office=office, authority=by_code[authority_code], checked_in_by=receptionist, language_need=need
            )
        return len(queue)
