"""Offices, visits and the language need recorded at check-in.

The LanguageNeed row exists for every visit where a need was flagged, whether or not an
interpreter is ever booked: it is the denominator of the under-use measure (Förvaltningslagen §13).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class County(models.TextChoices):
    """Sweden's 21 counties (län), keyed by their official letter code."""

    STOCKHOLM = "AB", "Stockholms län"
    UPPSALA = "C", "Uppsala län"
    SODERMANLAND = "D", "Södermanlands län"
    OSTERGOTLAND = "E", "Östergötlands län"
    JONKOPING = "F", "Jönköpings län"
    KRONOBERG = "G", "Kronobergs län"
    KALMAR = "H", "Kalmar län"
    GOTLAND = "I", "Gotlands län"
    BLEKINGE = "K", "Blekinge län"
    SKANE = "M", "Skåne län"
    HALLAND = "N", "Hallands län"
    VASTRA_GOTALAND = "O", "Västra Götalands län"
    VARMLAND = "S", "Värmlands län"
    OREBRO = "T", "Örebro län"
    VASTMANLAND = "U", "Västmanlands län"
    DALARNA = "W", "Dalarnas län"
    GAVLEBORG = "X", "Gävleborgs län"
    VASTERNORRLAND = "Y", "Västernorrlands län"
    JAMTLAND = "Z", "Jämtlands län"
    VASTERBOTTEN = "AC", "Västerbottens län"
    NORRBOTTEN = "BD", "Norrbottens län"


class Office(models.Model):
    """A statligt servicekontor."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    municipality = models.CharField(_("municipality"), max_length=80)
    county = models.CharField(_("county"), max_length=2, choices=County.choices, db_index=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    # Where visitors go (street, postcode and town): printed in reminders to visitors (issue 11).
    address = models.CharField(_("street address"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self) -> str:
        return self.name


class Authority(models.Model):
    """A government agency whose errands the offices handle (Försäkringskassan, Skatteverket, …).

    Called Authority (myndighet) so it is never confused with an interpreter agency."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")

    def __str__(self) -> str:
        return self.name


class Language(models.Model):
    """The catalogue the picker shows. Names come from CLDR through Babel (see visits.languages);
    the override fields exist only for the few tags CLDR has no Swedish name or endonym for."""

    code = models.CharField(
        _("BCP 47 tag"),
        max_length=35,
        unique=True,
        help_text=_("Prefer ISO 639-3 individual codes, e.g. prs, ckb, kmr."),
    )
    active = models.BooleanField(_("shown in the picker"), default=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=1000, help_text=_("Lower comes first: how often it is interpreted in Sweden.")
    )
    name_sv_override = models.CharField(_("Swedish name override"), max_length=80, blank=True)
    name_en_override = models.CharField(_("English name override"), max_length=80, blank=True)
    endonym_override = models.CharField(_("endonym override"), max_length=80, blank=True)
    # Catalogue data, not display names (those come from CLDR): what people say at the desk.
    search_aliases = models.CharField(
        _("search words"),
        max_length=300,
        blank=True,
        help_text=_(
            "Other names people use for it, comma-separated (e.g. farsi, sorani, kurdiska). "
            "The picker's search finds them; they are never shown."
        ),
    )

    class Meta:
        ordering = ["rank", "code"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return self.code


class InterpreterWanted(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    DECLINED = "declined", _("Declined by visitor")
    UNSURE = "unsure", _("Unsure")


class NeedIdentifiedBy(models.TextChoices):
    VISITOR_SAID = "visitor_said", _("Visitor said")
    POINTED_AT_CARD = "pointed_at_card", _("Pointed at language card")
    OFFICER_JUDGED = "officer_judged", _("Staff judged")


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CHECKED_IN = "checked_in", _("Checked in")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


class ReminderChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class ReminderStatus(models.TextChoices):
    """Where an appointment's reminder to its visitor stands (visits/reminders.py). Blank: none yet."""

    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent")


class ReminderSkip(models.TextChoices):
    """Why a reminder was not sent (recorded, never retried)."""

    NOT_SCHEDULED = "not_scheduled", _("The appointment is no longer scheduled")
    NO_CONSENT = "no_consent", _("The visitor withdrew consent")
    NO_CONTACT = "no_contact", _("No phone number or e-mail address for the channel")
    ERASED = "erased", _("The visitor's details were erased")
    TOO_LATE = "too_late", _("The appointment had started")
    REFUSED = "refused", _("Refused by the mail server or SMS gateway")
    GAVE_UP = "gave_up", _("Could not be delivered after several tries")
    INTERRUPTED = "interrupted", _("Interrupted while sending; it may have been delivered")


class Appointment(models.Model):
    """A booked meeting at an office (issue 11). Its language need is stored the way a visit's
    LanguageNeed is (a BCP 47 tag and the same choices); an interpreter pre-booked for it is an
    InterpreterBooking with `appointment` set. A cancelled appointment keeps its row (status
    `cancelled`): reports and the booking's fee refer to it. Writes go through
    visits/services.py (appointment_*) and, when a booking is involved,
    interpreters/desk/appointments.py; `version` grows with every write, so two people moving the
    same appointment cannot overwrite each other unseen."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="appointments")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField(_("start"))
    # Local (Europe/Stockholm) date of `start`: the day view and the reports group by it.
    service_date = models.DateField(_("date"), db_index=True)
    expected_minutes = models.PositiveSmallIntegerField(_("expected length (minutes)"))
    # The language need as at check-in (LanguageNeed's fields): empty language = no need flagged.
    language = models.CharField(_("language"), max_length=35, blank=True)
    dialect = models.CharField(_("dialect or region"), max_length=80, blank=True)
    interpreter_wanted = models.CharField(
        _("interpreter wanted"), max_length=10, choices=InterpreterWanted.choices, blank=True
    )
    identified_by = models.CharField(_("identified by"), max_length=20, choices=NeedIdentifiedBy.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED
    )
    # Personal data: optional, minimal, erased a retention period after the appointment's date.
    visitor_name = models.CharField(_("visitor name"), max_length=120, blank=True)
    visitor_phone = PhoneNumberField(_("visitor phone"), blank=True)
    visitor_email = models.EmailField(_("visitor e-mail"), blank=True)
    # A reminder to the visitor only with consent, recorded when and through which channel.
    reminder_consent = models.BooleanField(_("visitor consents to a reminder"), default=False)
    reminder_channel = models.CharField(
        _("reminder channel"), max_length=8, choices=ReminderChannel.choices, blank=True
    )
    reminder_consent_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    # The reminder's progress (visits/reminders.py): claimed by the beat (queued), taken by one sender
    # (sending, until reminder_next_attempt_at), then sent or skipped with its reason. While queued,
    # reminder_next_attempt_at is when the send is due (a retry waits there).
    reminder_status = models.CharField(
        _("reminder"), max_length=8, choices=ReminderStatus.choices, blank=True, default=""
    )
    reminder_skip_reason = models.CharField(
        _("reminder not sent because"), max_length=16, choices=ReminderSkip.choices, blank=True, default=""
    )
    reminder_attempts = models.PositiveSmallIntegerField(default=0)
    reminder_next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    no_show_at = models.DateTimeField(_("no-show recorded at"), null=True, blank=True)
    personal_data_erased_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_minutes__gte=5) & Q(expected_minutes__lte=480),
                name="appointment_length_in_range",
            ),
            models.CheckConstraint(
                condition=Q(language="", interpreter_wanted="") | ~Q(language="") & ~Q(interpreter_wanted=""),
                name="appointment_need_complete",
            ),
            models.CheckConstraint(
                condition=Q(reminder_consent=False) | ~Q(reminder_channel=""),
                name="appointment_reminder_has_channel",
            ),
            # Never half-written: a sent reminder has its time, a skipped one its reason.
            models.CheckConstraint(
                condition=~Q(reminder_status="sent") | Q(reminder_sent_at__isnull=False),
                name="appointment_reminder_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(reminder_status="skipped") | ~Q(reminder_skip_reason=""),
                name="appointment_reminder_skip_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "service_date", "status"]),
            # The reminder beat: not yet handled (blank) and starting soon.
            models.Index(fields=["reminder_status", "start"], name="appointment_reminder_due"),
        ]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")

    def __str__(self) -> str:
        return f"{self.office_id}/{self.start:%Y-%m-%d %H:%M}"

    @property
    def end(self) -> "datetime.datetime":
        return self.start + datetime.timedelta(minutes=self.expected_minutes)


class VisitStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    IN_SERVICE = "in_service", _("In service")
    DONE = "done", _("Done")
    LEFT = "left", _("Left without service")


class Visit(models.Model):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="visits")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="visits")
    # Local (Europe/Stockholm) date of check-in: the queue restarts every day, and reports group by it.
    service_date = models.DateField(_("service date"), db_index=True)
    queue_number = models.CharField(_("queue number"), max_length=12)
    status = models.CharField(_("status"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.WAITING)
    checked_in_at = models.DateTimeField(_("checked in at"))
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Personal data: optional, minimal, erased after the retention period (visits.services.retention).
    visitor_name = models.CharField(_("visitor name"), max_length=120, blank=True)
    visitor_phone = PhoneNumberField(_("visitor phone"), blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    personal_data_erased_at = models.DateTimeField(null=True, blank=True)
    # The appointment this visitor came for (checked in from the day's appointments), if any.
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="visit"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-checked_in_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "service_date", "queue_number"], name="visit_unique_queue_number_per_day"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("checked_in_at")),
                name="visit_ends_after_check_in",
            ),
        ]
        indexes = [models.Index(fields=["office", "service_date", "status"])]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return f"{self.office_id}/{self.service_date}/{self.queue_number}"


class LanguageNeed(models.Model):
    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="language_need")
    # A validated, canonical BCP 47 tag (visits.languages.normalize_language_tag): "prs", "ku-Arab".
    language = models.CharField(_("language"), max_length=35, db_index=True)
    dialect = models.CharField(_("dialect or region"), max_length=80, blank=True)
    interpreter_wanted = models.CharField(_("interpreter wanted"), max_length=10, choices=InterpreterWanted.choices)
    identified_by = models.CharField(_("identified by"), max_length=20, choices=NeedIdentifiedBy.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("language need")
        verbose_name_plural = _("language needs")

    def __str__(self) -> str:
        return f"{self.language} ({self.interpreter_wanted})"


class NotUsedReason(models.TextChoices):
    """Why no (agency) interpreter was used although a need was flagged."""

    MULTILINGUAL_STAFF = "multilingual_staff", _("Multilingual staff")
    RELATIVE = "relative", _("Relative or friend interpreted")
    CHILD = "child", _("Child used as interpreter")
    ENGLISH = "english", _("Handled in English")
    VISITOR_DECLINED = "visitor_declined", _("Visitor declined")
    NONE_AVAILABLE = "none_available", _("No interpreter available")
    TOOK_TOO_LONG = "took_too_long", _("Took too long")
    VISITOR_LEFT = "visitor_left", _("Visitor left")
    SOLVED_WITHOUT = "solved_without", _("Solved without interpreter")


class VisitOutcome(models.Model):
    """What the officer records at the end of the visit: was an interpreter used, and if not, why.
    Captured even when no booking was ever made."""

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="outcome")
    interpreter_used = models.BooleanField(_("interpreter used"))
    reason_not_used = models.CharField(_("reason not used"), max_length=24, choices=NotUsedReason.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(interpreter_used=True, reason_not_used="")
                | Q(interpreter_used=False) & ~Q(reason_not_used=""),
                name="outcome_reason_iff_not_used",
            )
        ]
        verbose_name = _("visit outcome")
        verbose_name_plural = _("visit outcomes")


class StaffRole(models.TextChoices):
    RECEPTIONIST = "receptionist", _("Receptionist")
    OFFICER = "officer", _("Officer")
    OFFICE_MANAGER = "office_manager", _("Office manager")


class OfficeMembership(models.Model):
    """A user works at an office in a role. National admins are superusers and need none."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "office", "role"], name="membership_unique_role_per_office")
        ]
        verbose_name = _("office membership")
        verbose_name_plural = _("office memberships")

    def __str__(self) -> str:
        return f"{self.user_id}@{self.office_id}:{self.role}"


class KioskToken(models.Model):
    """A self-service check-in kiosk's API credential, bound to ONE office.

    Only a SHA-256 hash of the key is stored (the key is random and long, so a fast hash suffices);
    the key itself is shown once when created (visits.kiosks.kiosk_token_create)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="kiosk_tokens")
    name = models.CharField(_("name"), max_length=80)
    key_prefix = models.CharField(_("key prefix"), max_length=8, help_text=_("To recognise a key; not secret."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    # Set at creation (TOLKDESK_KIOSK_TOKEN_DAYS); a token without one is treated as expired.
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        ordering = ["office", "name"]
        verbose_name = _("kiosk token")
        verbose_name_plural = _("kiosk tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class UsageDirtyDay(models.Model):
    """An office-day whose usage rollups are stale. Written by visits.hooks.office_day_changed in the
    same transaction as the change (so a rolled-back write marks nothing, and it works without a
    broker); consumed by the reports' periodic refresh (visits.reports.services.usage_dirty_days_refresh),
    which recomputes each marked office-day once however many writes marked it."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    # When the office-day was first marked since its last refresh: the age of the oldest mark is how
    # far behind the reports are.
    marked_at = models.DateTimeField(_("marked at"), default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "day"], name="usage_dirty_day_unique")]
        verbose_name = _("office-day to refresh")
        verbose_name_plural = _("office-days to refresh")

    def __str__(self) -> str:
        return f"{self.office_id}/{self.day}"


class QueueCounter(models.Model):
    """The last queue number handed out at an office on a day. Check-in takes the next one with a
    single upsert (visits.services._next_queue_number); that statement's row lock makes two check-ins
    at the same office-day take turns until commit, so no number is handed out twice (the visit's
    unique constraint backs this up). It locks this office-day's counter only, not the office row:
    the desk never waits on a staffing save, a rollup refresh or another day."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    last_number = models.PositiveIntegerField(_("last queue number"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "day"], name="queue_counter_one_per_office_day")]
        verbose_name = _("queue counter")
        verbose_name_plural = _("queue counters")

    def __str__(self) -> str:
        return f"{self.office_id}/{self.day}: {self.last_number}"


class StaffingDay(models.Model):
    """Officer hours staffed at an office on one day: the resource side of the follow-up model
    (RiR 2022:28 asks for cost and staffing per office). Entered by office managers, imported from a
    CSV file or put through the API; reports divide visits and served minutes by it."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="staffing_days")
    date = models.DateField(_("date"))
    officer_hours = models.DecimalField(_("officer hours"), max_digits=5, decimal_places=2)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["office", "date"]
        constraints = [
            models.UniqueConstraint(fields=["office", "date"], name="staffing_unique_office_day"),
            models.CheckConstraint(
                condition=Q(officer_hours__gte=0) & Q(officer_hours__lte=200), name="staffing_hours_in_range"
            ),
        ]
        verbose_name = _("staffing day")
        verbose_name_plural = _("staffing days")

    def __str__(self) -> str:
        return f"{self.office_id}/{self.date}: {self.officer_hours} h"
