"""Interpreter agencies (tolkförmedlingar), their interpreters and rates, and bookings.

Booking status changes go through interpreters.services (the state machine) and are recorded as
BookingEvent rows; nothing else writes InterpreterBooking.status."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from visits.models import County, Visit


class CompetenceLevel(models.TextChoices):
    """Kammarkollegiet's levels, lowest first: ordering matters for 'this level or better'."""

    OVRIG = "ovrig", _("Other (övrig tolk)")
    UTBILDAD = "utbildad", _("Trained")
    AUKTORISERAD = "auktoriserad", _("Authorised")
    SJUKVARDSTOLK = "sjukvardstolk", _("Authorised, health care")
    RATTSTOLK = "rattstolk", _("Authorised, legal")


class Modality(models.TextChoices):
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")
    ON_SITE = "on_site", _("On site")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class AgencyBackend(models.TextChoices):
    SIMULATED = "simulated", _("Simulated (demo)")
    HTTP_JSON = "http_json", _("HTTP JSON API")


class InterpreterAgency(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    backend = models.CharField(_("booking backend"), max_length=20, choices=AgencyBackend.choices)
    # Backend settings: base_url, timeouts, latency/failure rate for the simulator. Secrets are
    # referenced by environment variable name, never stored here.
    backend_settings = models.JSONField(_("backend settings"), default=dict, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Fallback order where no county ranking applies.")
    )
    active = models.BooleanField(_("active"), default=True)
    modalities = models.JSONField(_("modalities"), default=list, blank=True)
    # BCP 47 tags this agency serves.
    languages = models.JSONField(_("languages"), default=list, blank=True)

    class Meta:
        ordering = ["priority", "name"]
        verbose_name = _("interpreter agency")
        verbose_name_plural = _("interpreter agencies")

    def __str__(self) -> str:
        return self.name


class AgencyRanking(models.Model):
    """Kammarkollegiet's framework agreement ranks agencies per county; they are called in order."""

    agency = models.ForeignKey(InterpreterAgency, on_delete=models.CASCADE, related_name="rankings")
    county = models.CharField(_("county"), max_length=2, choices=County.choices)
    rank = models.PositiveSmallIntegerField(_("rank"))

    class Meta:
        ordering = ["county", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["county", "rank"], name="ranking_unique_rank_per_county"),
            models.UniqueConstraint(fields=["county", "agency"], name="ranking_agency_once_per_county"),
        ]


def default_surcharge_windows() -> list[dict]:
    """When the unsocial (+unsocial_surcharge_percent) and night/weekend (+night_surcharge_percent)
    surcharges apply, by the Stockholm start time of the assignment. Weekdays: 0 = Monday. A window
    whose end is before its start runs past midnight. The first matching window wins."""
    return [
        {"weekdays": [5, 6], "start": "00:00", "end": "24:00", "kind": "night"},
        {"weekdays": [0, 1, 2, 3, 4], "start": "22:00", "end": "07:00", "kind": "night"},
        {"weekdays": [0, 1, 2, 3, 4], "start": "18:00", "end": "22:00", "kind": "unsocial"},
    ]


class RateCard(models.Model):
    """Prices as data: e.g. remote 655 kr/h, minimum 328 kr for the first 30 min, then 15-minute
    steps; urgent phone 980 kr/h (minimum 245 kr). Amounts in öre to stay exact."""

    agency = models.ForeignKey(
        InterpreterAgency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rate_cards",
        help_text=_("Empty: the framework default for every agency."),
    )
    modality = models.CharField(_("modality"), max_length=10, choices=Modality.choices)
    urgent = models.BooleanField(_("urgent"), default=False)
    hourly_rate_ore = models.PositiveIntegerField(_("hourly rate (öre)"))
    minimum_fee_ore = models.PositiveIntegerField(_("minimum fee (öre)"))
    minimum_minutes = models.PositiveSmallIntegerField(_("minutes covered by the minimum"), default=30)
    step_minutes = models.PositiveSmallIntegerField(_("billing step (minutes)"), default=15)
    unsocial_surcharge_percent = models.PositiveSmallIntegerField(_("unsocial hours surcharge %"), default=50)
    night_surcharge_percent = models.PositiveSmallIntegerField(_("night/holiday surcharge %"), default=100)
    surcharge_windows = models.JSONField(_("surcharge windows"), default=default_surcharge_windows, blank=True)
    valid_from = models.DateField(_("valid from"))

    class Meta:
        ordering = ["-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "modality", "urgent", "valid_from"], name="ratecard_unique_per_period"
            ),
            models.CheckConstraint(condition=Q(step_minutes__gt=0), name="ratecard_step_positive"),
        ]


class Interpreter(models.Model):
    agency = models.ForeignKey(InterpreterAgency, on_delete=models.CASCADE, related_name="interpreters")
    name = models.CharField(_("name"), max_length=120)
    # [{"language": "ar", "dialects": ["levantine"]}, …]
    languages = models.JSONField(_("languages"), default=list)
    modalities = models.JSONField(_("modalities"), default=list)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    competence = models.CharField(_("competence"), max_length=16, choices=CompetenceLevel.choices)
    phone = PhoneNumberField(_("phone"), blank=True)
    # Kammarkollegiet's number for an authorised interpreter (empty for others).
    official_number = models.CharField(_("official interpreter number"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PENDING = "pending", _("Sent to agency")
    CONFIRMED = "confirmed", _("Confirmed")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")
    NO_SHOW = "no_show", _("No-show")


# A visit may hold one live booking at a time: enforced by a partial unique index, so two officers
# clicking at once cannot both book.
ACTIVE_BOOKING_STATUSES = [
    BookingStatus.REQUESTED,
    BookingStatus.PENDING,
    BookingStatus.CONFIRMED,
    BookingStatus.IN_PROGRESS,
]

# Two words, two meanings (use these, never a status list of your own):
# "connected": an interpreter was put through to the visitor; the call started and may have ended.
# After that "no interpreter was used" cannot be true, and closing the visit leaves the booking alone.
CONNECTED_BOOKING_STATUSES = (BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)
# "reachable": the agency confirmed an interpreter and the call has not ended; staff see the number
# to call or the video link.
REACHABLE_BOOKING_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS)


class InterpreterBooking(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="bookings")
    language = models.CharField(_("language"), max_length=35)
    dialect = models.CharField(_("dialect"), max_length=80, blank=True)
    modality = models.CharField(_("modality"), max_length=10, choices=Modality.choices)
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True, help_text=_("Empty: now."))
    gender_preference = models.CharField(_("gender preference"), max_length=10, choices=Gender.choices, blank=True)
    competence_required = models.CharField(
        _("competence required"), max_length=16, choices=CompetenceLevel.choices, blank=True
    )
    competence_wished = models.CharField(
        _("competence wished"), max_length=16, choices=CompetenceLevel.choices, blank=True
    )
    # Asked for now or at short notice: billed at the urgent rate.
    urgent = models.BooleanField(_("urgent"), default=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(
        InterpreterAgency, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    interpreter = models.ForeignKey(
        Interpreter, on_delete=models.SET_NULL, null=True, blank=True, related_name="bookings"
    )
    # Interpreters an HTTP agency assigns need not be in our Interpreter table.
    interpreter_name = models.CharField(_("interpreter name"), max_length=120, blank=True)
    interpreter_competence = models.CharField(
        _("interpreter competence"), max_length=16, choices=CompetenceLevel.choices, blank=True
    )
    # The interpreter actually delivered, as the agency reports it.
    interpreter_agency_ref = models.CharField(_("agency's interpreter id"), max_length=80, blank=True)
    interpreter_official_number = models.CharField(_("official interpreter number"), max_length=20, blank=True)
    interpreter_gender = models.CharField(_("interpreter gender"), max_length=10, choices=Gender.choices, blank=True)
    agency_reference = models.CharField(_("agency reference"), max_length=80, blank=True)
    connection_phone = PhoneNumberField(_("phone number to call"), blank=True)
    connection_url = models.URLField(_("video link"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Attempts at the current agency; reset when falling back to the next one.
    agency_attempts = models.PositiveSmallIntegerField(_("attempts at current agency"), default=0)
    # Dispatch lease / retry due time: a dispatcher owns the booking until then, so a re-delivered
    # or swept task does not call an agency while another worker is still waiting on it.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=255, blank=True)
    minutes_used = models.PositiveIntegerField(_("minutes used"), null=True, blank=True)
    cost_ore = models.PositiveIntegerField(_("cost (öre)"), null=True, blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    pending_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit"],
                condition=Q(status__in=ACTIVE_BOOKING_STATUSES),
                name="booking_one_active_per_visit",
            ),
        ]
        indexes = [models.Index(fields=["status", "updated_at"])]
        verbose_name = _("interpreter booking")
        verbose_name_plural = _("interpreter bookings")

    def __str__(self) -> str:
        return f"booking {self.pk} ({self.status})"


class BookingEvent(models.Model):
    """One row per status transition (and notable non-transition events such as a retry)."""

    booking = models.ForeignKey(InterpreterBooking, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=BookingStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=BookingStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # "officer", "agency:<slug>", "worker", "sweeper": who or what made the change.
    source = models.CharField(max_length=80)
    at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]


class AgencyCallback(models.Model):
    """Every accepted webhook delivery, keyed by the agency's event id so a replay is refused."""

    agency = models.ForeignKey(InterpreterAgency, on_delete=models.CASCADE, related_name="callbacks")
    event_id = models.CharField(max_length=80)
    received_at = models.DateTimeField()
    payload = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "event_id"], name="callback_unique_event_per_agency")]


# ------------------------------------------------------------------------------------------------
# After the call (issue 10): requirements, ratings, complaints, blocks, quarantine


class RequirementKind(models.TextChoices):
    GENDER = "gender", _("Gender")
    DIALECT = "dialect", _("Dialect")
    COMPETENCE = "competence", _("Competence level")
    NAMED_INTERPRETER = "named_interpreter", _("Named interpreter")
    DENIED_INTERPRETER = "denied_interpreter", _("Not this interpreter")


class BookingRequirement(models.Model):
    """What the office asks of the interpreter. `required`: the agency must meet it or decline;
    otherwise it is a wish. `rank` 1 is the first choice, 2 the fallback (the framework's two ranked
    competence levels). `met` stays empty until the agency answers (or the delivered interpreter
    shows it)."""

    booking = models.ForeignKey(InterpreterBooking, on_delete=models.CASCADE, related_name="requirements")
    kind = models.CharField(_("kind"), max_length=20, choices=RequirementKind.choices)
    value = models.CharField(_("value"), max_length=80)
    required = models.BooleanField(_("required"), default=False)
    rank = models.PositiveSmallIntegerField(_("rank"), default=1)
    met = models.BooleanField(_("met"), null=True, blank=True)

    class Meta:
        ordering = ["booking", "kind", "rank", "pk"]
        constraints = [models.CheckConstraint(condition=Q(rank__in=[1, 2]), name="requirement_rank_1_or_2")]

    def __str__(self) -> str:
        return f"{self.kind}={self.value} ({'required' if self.required else 'wished'})"


class RatingProblem(models.TextChoices):
    LATE = "late", _("Late")
    POOR_INTERPRETATION = "poor_interpretation", _("Poor interpretation")
    POOR_SOUND_VIDEO = "poor_sound_video", _("Poor sound or video")
    UNPROFESSIONAL = "unprofessional", _("Unprofessional")
    OTHER = "other", _("Other")


class BookingRating(models.Model):
    """The officer's 1-5 stars for one call, and below 3 what went wrong."""

    booking = models.OneToOneField(InterpreterBooking, on_delete=models.CASCADE, related_name="rating")
    stars = models.PositiveSmallIntegerField(_("stars"))
    problems = models.JSONField(_("problems"), default=list, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rated_at = models.DateTimeField(_("rated at"))

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="rating_stars_1_to_5")]


class ComplaintType(models.TextChoices):
    LATE_OR_ABSENT = "late_or_absent", _("Late or absent")
    POOR_INTERPRETATION = "poor_interpretation", _("Poor interpretation")
    POOR_SERVICE = "poor_service", _("Poor service")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    ACCEPTED = "accepted", _("Accepted by the agency")
    DISPUTED = "disputed", _("Disputed by the agency")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ESCALATED = "escalated", _("Escalated")


OPEN_COMPLAINT_STATUSES = [ComplaintStatus.FILED, ComplaintStatus.DISPUTED, ComplaintStatus.ESCALATED]


class Complaint(models.Model):
    """A reklamation: the office's complaint to the agency about one booking, with the agency's answer."""

    booking = models.ForeignKey(InterpreterBooking, on_delete=models.PROTECT, related_name="complaints")
    # The agency complained to (the booking's agency when filed).
    agency = models.ForeignKey(InterpreterAgency, on_delete=models.PROTECT, related_name="complaints")
    type = models.CharField(_("type"), max_length=24, choices=ComplaintType.choices)
    message = models.TextField(_("message"), max_length=2000)
    status = models.CharField(_("status"), max_length=12, choices=ComplaintStatus.choices, default="filed")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"))
    sent_at = models.DateTimeField(_("sent to the agency at"), null=True, blank=True)
    agency_answer = models.TextField(_("agency's answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    auto_accepted = models.BooleanField(_("accepted for lack of an answer"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(status__in=OPEN_COMPLAINT_STATUSES),
                name="complaint_one_open_per_booking",
            ),
        ]
        indexes = [models.Index(fields=["status", "filed_at"])]

    def __str__(self) -> str:
        return f"complaint {self.pk} ({self.status})"


class BlockScope(models.TextChoices):
    OFFICE = "office", _("Office")
    COUNTY = "county", _("County")
    NATIONAL = "national", _("National")


class InterpreterBlock(models.Model):
    """An interpreter the office (county, country) does not want again until `ends_on`: sent to
    agencies as a denied interpreter in every booking in scope."""

    scope = models.CharField(_("scope"), max_length=10, choices=BlockScope.choices)
    office = models.ForeignKey("visits.Office", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    county = models.CharField(_("county"), max_length=2, choices=County.choices, blank=True)
    # Kammarkollegiet's official number, or the agency's own id for the interpreter.
    interpreter = models.CharField(_("interpreter (official number or agency id)"), max_length=80)
    reason = models.CharField(_("reason"), max_length=500)
    ends_on = models.DateField(_("ends on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="office", office__isnull=False, county="")
                    | Q(scope="county", office__isnull=True) & ~Q(county="")
                    | Q(scope="national", office__isnull=True, county="")
                ),
                name="block_scope_matches_target",
            ),
        ]


class AgencyQuarantine(models.Model):
    """A national admin's decision not to call an agency in a county for a period."""

    agency = models.ForeignKey(InterpreterAgency, on_delete=models.CASCADE, related_name="quarantines")
    county = models.CharField(_("county"), max_length=2, choices=County.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    motivation = models.CharField(_("motivation"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="quarantine_ends_after_start")
        ]
