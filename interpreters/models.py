"""Interpreter agencies (tolkförmedlingar), their interpreters and rates, and bookings.

Booking status changes go through interpreters.services (the state machine) and are recorded as
BookingEvent rows; nothing else writes InterpreterBooking.status."""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from interpreters.agency_safety import backend_settings_errors, connection_url_clean, connection_url_validate
from visits.models import Appointment, County, Office, Visit


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

    def clean(self) -> None:
        # The admin's check; the HTTP backend checks again before every request.
        errors = backend_settings_errors(self.backend_settings, needs_base_url=self.backend == AgencyBackend.HTTP_JSON)
        if errors:
            raise ValidationError({"backend_settings": errors})


class AgencyDirectLine(models.Model):
    """An agency's direct phone number for on-demand interpreting in one language: the officer calls it
    without a booking through tolkdesk and logs "connected" and "ended" (issue 11)."""

    agency = models.ForeignKey(InterpreterAgency, on_delete=models.CASCADE, related_name="direct_lines")
    # A BCP 47 tag, as in the agency's languages.
    language = models.CharField(_("language"), max_length=35)
    phone = PhoneNumberField(_("direct number"))
    opening_hours = models.CharField(_("opening hours"), max_length=80, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["agency", "language"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "language"], name="directline_one_per_agency_language"),
        ]
        verbose_name = _("direct line")
        verbose_name_plural = _("direct lines")

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.language}: {self.phone}"


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
    """Referenced by migration 0002 (the retired RateCard); kept so old migrations still load."""
    return []


class PriceListKind(models.TextChoices):
    FRAMEWORK = "framework", _("Framework agreement (other authorities)")
    ON_DEMAND = "on_demand", _("Remote on demand")


class PriceLevel(models.TextChoices):
    """The price list's competence levels: the two specialist levels share one row."""

    OVRIG = "ovrig", _("Other (övrig tolk)")
    UTBILDAD = "utbildad", _("Trained")
    AUKTORISERAD = "auktoriserad", _("Authorised")
    SPECIALIST = "specialist", _("Specialist (health care, legal)")


class PriceList(models.Model):
    """Prices as data (Kammarkollegiet's framework lists and the remote on-demand list). The time
    tiers, surcharge hours, charges and cancellation rules are columns here; the prices per
    competence level are PriceListRow rows. interpreters/services/pricing.py is the only arithmetic.

    Time tiers: the base price covers the first `base_minutes`; then each started `step_minutes`
    costs the row's step price up to `max_minutes`, and its over-max price beyond (no max: the step
    price continues). Surcharges are counted per started `surcharge_step_minutes` of the call that
    fall in unsocial hours (weekdays before `unsocial_before` or from `unsocial_after`), on
    non-working days ("weekend": Saturdays, Sundays, holidays) or on big holidays."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=PriceListKind.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Empty: until further notice."))
    base_minutes = models.PositiveSmallIntegerField(_("minutes covered by the base price"), default=60)
    step_minutes = models.PositiveSmallIntegerField(_("billing step (minutes)"), default=30)
    max_minutes = models.PositiveSmallIntegerField(
        _("minutes priced at the step price"), null=True, blank=True, help_text=_("Empty: no upper tier.")
    )
    surcharge_step_minutes = models.PositiveSmallIntegerField(_("surcharge step (minutes)"), default=30)
    unsocial_before = models.TimeField(_("unsocial hours before"), default=datetime.time(7, 0))
    unsocial_after = models.TimeField(_("unsocial hours from"), default=datetime.time(18, 0))
    # Percentages in hundredths of a per cent: 3142 = 31.42 %.
    social_charges_basis_points = models.PositiveIntegerField(_("social charges (0.01 %)"), default=3142)
    admin_charge_basis_points = models.PositiveIntegerField(_("administrative charge (0.01 %)"), default=70)
    broker_fee_ore = models.PositiveIntegerField(_("broker fee per booking (öre)"), default=0)
    # Cancellation rules. Late (fewer working hours before the start than this): the full ordered
    # price. Earlier: the broker fee only (or nothing). Empty: no late rule.
    cancel_full_price_within_working_hours = models.PositiveSmallIntegerField(
        _("full price if cancelled within (working hours)"), null=True, blank=True
    )
    cancel_broker_fee_otherwise = models.BooleanField(_("broker fee if cancelled earlier"), default=True)
    cancel_free_before_connect = models.BooleanField(
        _("free if cancelled before the interpreter connects"), default=False
    )

    class Meta:
        ordering = ["kind", "-valid_from"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            models.UniqueConstraint(fields=["kind", "valid_from"], name="pricelist_unique_kind_start"),
            models.CheckConstraint(
                condition=Q(step_minutes__gt=0) & Q(surcharge_step_minutes__gt=0), name="pricelist_steps_positive"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="pricelist_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.valid_from})"


class PriceListRow(models.Model):
    """One competence level's prices in a list, all in öre."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="rows")
    level = models.CharField(_("competence level"), max_length=16, choices=PriceLevel.choices)
    base_ore = models.PositiveIntegerField(_("base price (öre)"))
    step_ore = models.PositiveIntegerField(_("price per started step (öre)"))
    over_max_step_ore = models.PositiveIntegerField(_("price per started step beyond the max (öre)"))
    unsocial_ore = models.PositiveIntegerField(_("unsocial hours surcharge per step (öre)"), default=0)
    weekend_ore = models.PositiveIntegerField(_("weekend surcharge per step (öre)"), default=0)
    big_holiday_ore = models.PositiveIntegerField(_("big holiday surcharge per step (öre)"), default=0)

    class Meta:
        ordering = ["price_list", "level"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "level"], name="pricelistrow_one_per_level"),
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


class CancelReason(models.TextChoices):
    """Why a booking was cancelled. The office's reasons come first; the system's reasons (no office
    fee, not counted as the office's cancellations) start with "system_"."""

    VISITOR_LEFT = "visitor_left", _("The visitor left")
    SOLVED_WITHOUT = "solved_without", _("Solved without an interpreter")
    WRONG_LANGUAGE = "wrong_language", _("Wrong language")
    BOOKED_BY_MISTAKE = "booked_by_mistake", _("Booked by mistake")
    AGENCY_CANCELLED = "agency_cancelled", _("The agency cancelled")
    OTHER = "other", _("Other")
    APPOINTMENT_CANCELLED = "appointment_cancelled", _("The appointment was cancelled")
    SYSTEM_ORPHAN = "system_orphan", _("System: fallback left the booking without an agency")
    SYSTEM_DEADLINE = "system_deadline", _("System: a deadline passed")
    SYSTEM_VISIT_CLOSED = "system_visit_closed", _("System: the visit was closed")


OFFICE_CANCEL_REASONS = [
    CancelReason.VISITOR_LEFT,
    CancelReason.SOLVED_WITHOUT,
    CancelReason.WRONG_LANGUAGE,
    CancelReason.BOOKED_BY_MISTAKE,
    CancelReason.AGENCY_CANCELLED,
    CancelReason.OTHER,
]
# The office's own reason when it cancels an appointment holding a booking (issue 11): not offered on
# the desk's cancel form, and priced like the office's other reasons (it is not a system reason).
SYSTEM_CANCEL_REASONS = [reason for reason in CancelReason if reason.value.startswith("system_")]


class BookingChannel(models.TextChoices):
    """How the interpreter was reached. Every channel counts in the reports (issue 11): a direct-line
    call or an order placed elsewhere is a booking like any other, completed with its minutes and cost."""

    TOLKDESK = "tolkdesk", _("Booked through tolkdesk")
    DIRECT_LINE = "direct_line", _("The agency's direct line")
    ORDERED_ELSEWHERE = "ordered_elsewhere", _("Ordered outside tolkdesk")


class InterpreterBooking(models.Model):
    """An interpreter asked for a visit (at the desk) or pre-booked for an appointment: exactly one
    of `visit` / `appointment` is set (a database constraint). At check-in a pre-booking moves to
    the visit (interpreters/desk/appointments.py); before that it counts on the appointment's
    office and date."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=BookingChannel.choices, default=BookingChannel.TOLKDESK
    )
    # Ordered elsewhere: the order's number there (e.g. Kammarkollegiet's ordering service), and the
    # agency's name when it is not one of ours.
    external_order_number = models.CharField(_("order number elsewhere"), max_length=40, blank=True)
    external_agency_name = models.CharField(_("agency (not in tolkdesk)"), max_length=120, blank=True)
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
    # The current agency must confirm by then (Kammarkollegiet's lead-time rules,
    # interpreters/services/deadlines.py), or the booking passes to the next agency in the ranking.
    answer_by = models.DateTimeField(_("answer by"), null=True, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=255, blank=True)
    minutes_used = models.PositiveIntegerField(_("minutes used"), null=True, blank=True)
    # The call's cost: the confirmed requisition's price, else the reported one (reports sum this).
    cost_ore = models.PositiveIntegerField(_("cost (öre)"), null=True, blank=True)
    # Money (interpreters/services/pricing.py computes every amount; rows are PriceRow dicts).
    minutes_ordered = models.PositiveSmallIntegerField(_("expected length (minutes)"), null=True, blank=True)
    cost_estimated_ore = models.PositiveIntegerField(_("estimated cost (öre)"), null=True, blank=True)
    estimate_rows = models.JSONField(_("estimate, itemised"), default=list, blank=True)
    cost_reported_ore = models.PositiveIntegerField(_("reported cost (öre)"), null=True, blank=True)
    cost_confirmed_ore = models.PositiveIntegerField(_("confirmed cost (öre)"), null=True, blank=True)
    cost_rows = models.JSONField(_("cost, itemised"), default=list, blank=True)
    cancellation_fee_ore = models.PositiveIntegerField(_("cancellation fee (öre)"), null=True, blank=True)
    cancellation_fee_rows = models.JSONField(_("cancellation fee, itemised"), default=list, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=24, choices=CancelReason.choices, blank=True)
    # Free text: personal data, emptied by the retention purge.
    cancel_note = models.TextField(_("cancel note"), blank=True)
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
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(status__in=ACTIVE_BOOKING_STATUSES),
                name="booking_one_active_per_appointment",
            ),
            models.CheckConstraint(
                condition=Q(visit__isnull=False, appointment__isnull=True)
                | Q(visit__isnull=True, appointment__isnull=False),
                name="booking_visit_xor_appointment",
            ),
        ]
        indexes = [models.Index(fields=["status", "updated_at"]), models.Index(fields=["status", "answer_by"])]
        verbose_name = _("interpreter booking")
        verbose_name_plural = _("interpreter bookings")

    def __str__(self) -> str:
        return f"booking {self.pk} ({self.status})"

    def clean(self) -> None:
        try:
            connection_url_validate(self.connection_url)
        except ValidationError as exc:
            raise ValidationError({"connection_url": exc.messages}) from exc

    @property
    def owner(self) -> Visit | Appointment:
        """The visit or appointment the booking belongs to (exactly one is set)."""
        owner = self.visit if self.visit_id is not None else self.appointment
        if owner is None:  # the booking_visit_xor_appointment constraint forbids it in the database
            raise ValueError(f"booking {self.pk} belongs to neither a visit nor an appointment")
        return owner

    @property
    def office(self) -> Office:
        return self.owner.office

    @property
    def office_id(self) -> int:
        return self.owner.office_id

    @property
    def service_date(self) -> datetime.date:
        """The office-day the booking counts on: the visit's, or before check-in the appointment's."""
        return self.owner.service_date

    @property
    def connection_link(self) -> str:
        """The video link to render: https only, whatever an older row holds."""
        return connection_url_clean(self.connection_url)


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


class RequisitionStatus(models.TextChoices):
    REPORTED = "reported", _("Reported by the agency")
    CONFIRMED = "confirmed", _("Confirmed by the office")
    DISPUTED = "disputed", _("Disputed by the office")
    REPLACED = "replaced", _("Replaced by a corrected requisition")


class Requisition(models.Model):
    """The agency's claim for a completed call (time used and price), and the office's answer.

    reported -> confirmed | disputed; a corrected requisition from the agency replaces the current
    one (status `replaced`, kept as history). At most one requisition per booking is not replaced."""

    booking = models.ForeignKey(InterpreterBooking, on_delete=models.CASCADE, related_name="requisitions")
    status = models.CharField(
        _("status"), max_length=10, choices=RequisitionStatus.choices, default=RequisitionStatus.REPORTED
    )
    reported_start = models.DateTimeField(_("reported start"), null=True, blank=True)
    reported_end = models.DateTimeField(_("reported end"), null=True, blank=True)
    reported_minutes = models.PositiveIntegerField(_("reported minutes"))
    # The office's own record: the booking's started/ended clicks or the visit's service times.
    office_start = models.DateTimeField(_("office's start"), null=True, blank=True)
    office_end = models.DateTimeField(_("office's end"), null=True, blank=True)
    office_minutes = models.PositiveIntegerField(_("office's minutes"), null=True, blank=True)
    confirmed_minutes = models.PositiveIntegerField(_("confirmed minutes"), null=True, blank=True)
    # The minutes priced: the reported (or confirmed) minutes, floored at the ordered length when pre-booked.
    billed_minutes = models.PositiveIntegerField(_("billed minutes"))
    cost_ore = models.PositiveIntegerField(_("cost (öre)"))
    cost_rows = models.JSONField(_("cost, itemised"), default=list, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    corrected = models.BooleanField(_("corrected by the agency"), default=False)
    replaces = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by"
    )
    agency_event_id = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(_("created at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"], condition=~Q(status="replaced"), name="requisition_one_current_per_booking"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]


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
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

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
    # Ended early by a national admin (the row stays, as the record of the decision).
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="quarantine_ends_after_start")
        ]


# ------------------------------------------------------------------------------------------------
# Notifications (issue 11): e-mail to staff about their bookings, delivered from the outbox


class NotificationEvent(models.TextChoices):
    PREBOOKING_CONFIRMED = "prebooking_confirmed", _("A pre-booked interpreter is confirmed")
    PREBOOKING_FAILED = "prebooking_failed", _("A pre-booking failed")
    PREBOOKING_ESCALATED = "prebooking_escalated", _("A pre-booking was escalated")
    PREBOOKING_UNCONFIRMED = "prebooking_unconfirmed", _("A pre-booking is still unconfirmed 30 minutes before")
    INTERPRETER_CHANGED = "interpreter_changed", _("The interpreter was changed")
    COMPLAINT_ANSWERED = "complaint_answered", _("A complaint was answered")


def notification_events_all() -> list[str]:
    return [event.value for event in NotificationEvent]


class NotificationLanguage(models.TextChoices):
    SWEDISH = "sv", _("Swedish")
    ENGLISH = "en", _("English")


class NotificationPreference(models.Model):
    """What one staff member wants to hear about, and in which language. No row: the defaults (every
    event about their own bookings, by e-mail, in Swedish; nothing about colleagues' bookings)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    language = models.CharField(
        _("language"), max_length=5, choices=NotificationLanguage.choices, default=NotificationLanguage.SWEDISH
    )
    email_enabled = models.BooleanField(_("e-mail notifications"), default=True)
    events = models.JSONField(_("events"), default=notification_events_all, blank=True)
    # Also the events of every booking at the offices where the user is an officer or manager.
    office_wide = models.BooleanField(_("also for my offices' other bookings"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"notifications of user {self.user_id}"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One e-mail to one staff member about one event. Written in the transaction of the event with
    its outbox row (config/outbox); interpreters.services.notifications delivers it and records the
    result. `token` makes the Message-ID, so every (re)send of the row carries the same one."""

    event = models.CharField(_("event"), max_length=24, choices=NotificationEvent.choices)
    booking = models.ForeignKey(
        InterpreterBooking, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    complaint = models.ForeignKey(Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # A recipient deleted before delivery: the row stays and is skipped, never retried.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    # "requester" or "office": why this user gets it.
    reason = models.CharField(_("reason"), max_length=12, blank=True)
    # Non-empty: this notice exists at most once (e.g. one "still unconfirmed" per booking and user).
    dedupe_key = models.CharField(max_length=200, blank=True, default="")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Sends started again after a sender died mid-send (it may have gone out): at most one.
    crash_resends = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("created at"))
    # PENDING: when a sender may try next. SENDING: until when the sender holds it (its lease).
    next_attempt_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=5, blank=True)
    skip_reason = models.CharField(_("why skipped"), max_length=40, blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~Q(dedupe_key=""), name="notification_unique_dedupe_key"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"notification {self.pk} {self.event} ({self.status})"
