import phonenumbers
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from visits.languages import language_names, normalize_language_tag
from visits.management.commands.seed_demo import DEMO_OFFICE, DEMO_PASSWORD
from visits.models import Authority, County, Language, Office, OfficeMembership, StaffRole, Visit
from visits.reference_data import AUTHORITIES, LANGUAGE_CODES, OFFICES

pytestmark = pytest.mark.django_db

MUST_HAVE = ["ar", "so", "ti", "prs", "fa", "ckb", "kmr", "uk", "ru", "pl", "ro", "tr", "th", "hbs", "ps", "am"]
MUST_HAVE += ["es", "en", "fi"]


def counts():
    user_model = get_user_model()
    return (
        Office.objects.count(),
        Authority.objects.count(),
        Language.objects.count(),
        user_model.objects.count(),
        OfficeMembership.objects.count(),
        Visit.objects.count(),
    )


def test_it_loads_at_least_100_offices_4_authorities_and_40_languages():
    call_command("seed_demo")
    assert Office.objects.filter(active=True).count() >= 100
    assert set(Authority.objects.values_list("code", flat=True)) == {
        "forsakringskassan",
        "pensionsmyndigheten",
        "skatteverket",
        "arbetsformedlingen",
    }
    assert Language.objects.filter(active=True).count() >= 40
    assert set(MUST_HAVE) <= set(Language.objects.values_list("code", flat=True))
    # Ranked: Arabic first, and every rank distinct.
    ranks = list(Language.objects.order_by("rank").values_list("code", "rank"))
    assert ranks[0] == ("ar", 1)
    assert len({rank for _, rank in ranks}) == len(ranks)


def test_running_it_twice_changes_nothing():
    call_command("seed_demo")
    first = counts()
    Language.objects.filter(code="fi").update(active=False)  # an admin's choice survives a re-seed
    call_command("seed_demo")
    assert counts() == first
    assert Language.objects.get(code="fi").active is False


def test_every_office_has_a_known_county_and_a_valid_swedish_phone_number():
    call_command("seed_demo", "--no-visits")
    assert len({name for name, _, _ in OFFICES}) == len(OFFICES)
    for office in Office.objects.all():
        assert office.county in County.values
        number = phonenumbers.parse(str(office.phone))
        assert phonenumbers.is_valid_number(number) and number.country_code == 46, office.name
    # Spot checks of municipality -> county.
    expected = {"Alingsås": "O", "Arvika": "S", "Boden": "BD", "Borlänge": "W", "Visby": "I", "Märsta": "AB"}
    for name, county in expected.items():
        assert Office.objects.get(name=name).county == county
    assert len({office.phone for office in Office.objects.all()}) == Office.objects.count()


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_every_catalogue_code_is_valid_canonical_and_named_by_cldr(code):
    assert normalize_language_tag(code) == code
    names = language_names(code)
    assert names.name_sv and names.name_sv != code
    assert names.name_en and names.name_en != code
    assert names.endonym and names.endonym != code


def test_no_names_are_typed_into_the_seed():
    assert all(isinstance(code, str) for code in LANGUAGE_CODES)
    call_command("seed_demo", "--no-visits")
    assert not Language.objects.exclude(name_sv_override="", name_en_override="", endonym_override="").exists()


def test_demo_users_can_log_in_with_the_printed_password_and_have_their_roles(client):
    call_command("seed_demo", "--no-visits")
    user_model = get_user_model()
    for username in ["reception", "officer", "manager", "admin"]:
        assert user_model.objects.get(username=username).check_password(DEMO_PASSWORD)
    assert user_model.objects.get(username="admin").is_superuser
    roles = dict(OfficeMembership.objects.filter(office__name=DEMO_OFFICE).values_list("user__username", "role"))
    assert roles == {
        "reception": StaffRole.RECEPTIONIST,
        "officer": StaffRole.OFFICER,
        "manager": StaffRole.OFFICE_MANAGER,
    }
    assert OfficeMembership.objects.filter(user__username="reception").count() == 2
    # Through the login page, as a person would (also works with request-aware auth backends).
    response = client.post("/login/", {"username": "reception", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


def test_it_adds_a_demo_queue_for_today_only_once():
    call_command("seed_demo")
    office = Office.objects.get(name=DEMO_OFFICE)
    today = Visit.objects.filter(office=office, service_date=timezone.localdate())
    assert today.count() == 4
    assert today.filter(language_need__isnull=False).count() == 3
    call_command("seed_demo")
    assert today.count() == 4


def test_authorities_keep_the_seed_order():
    call_command("seed_demo", "--no-visits")
    assert list(Authority.objects.values_list("code", flat=True)) == [code for code, _name, _share in AUTHORITIES]


def test_it_refuses_production_settings(settings):
    from django.core.management.base import CommandError

    settings.SETTINGS_MODULE = "config.settings.production"
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert Office.objects.count() == 0


def test_it_books_a_few_coming_appointments_at_the_demo_office_once():
    from visits.models import Appointment, AppointmentStatus

    call_command("seed_demo")
    appointments = Appointment.objects.filter(office__name=DEMO_OFFICE)
    assert appointments.count() == 3
    assert all(a.start > timezone.now() and a.status == AppointmentStatus.SCHEDULED for a in appointments)
    assert {a.language for a in appointments} == {"so", "", "prs"}
    call_command("seed_demo")
    assert Appointment.objects.count() == 3


def test_two_demo_appointments_have_a_reminder_consent_that_the_demo_worker_sends(capsys, settings):
    # The demo's console backend printed nothing while no seeded visitor had consented to a reminder.
    from visits.models import Appointment, ReminderChannel
    from visits.reminders import appointment_reminder_send, appointment_reminders_due

    before = timezone.now()
    call_command("seed_demo")
    consenting = Appointment.objects.filter(reminder_consent=True)
    assert {(a.office.name, a.reminder_channel) for a in consenting} == {
        (DEMO_OFFICE, ReminderChannel.SMS),
        (DEMO_OFFICE, ReminderChannel.EMAIL),
    }
    for appointment in consenting:
        assert appointment.reminder_consent_at is not None and appointment.reminder_consent_at >= before
        assert appointment.visitor_name
        if appointment.reminder_channel == ReminderChannel.SMS:
            number = phonenumbers.parse(str(appointment.visitor_phone))
            assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
        else:
            assert appointment.visitor_email.endswith("@example.org")
    call_command("seed_demo")  # a second run books nothing more
    assert Appointment.objects.filter(reminder_consent=True).count() == 2
    # Both fall within the reminder window: the demo worker's beat claims them and its console prints them.
    settings.TOLKDESK_VISITOR_REMINDER_BACKEND = "visits.reminder_backends.ConsoleBackend"
    assert sorted(appointment_reminders_due().queued) == sorted(a.pk for a in consenting)
    assert {appointment_reminder_send(appointment_id=a.pk) for a in consenting} == {"sent"}
    printed = capsys.readouterr().out
    assert "--- visitor reminder (sms)" in printed and "To: +46701740605" in printed
    assert "--- visitor reminder (email)" in printed and "To: reza.karimi@example.org" in printed
