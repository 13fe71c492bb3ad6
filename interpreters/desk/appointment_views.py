"""The appointments day view (issue 11): one office's appointments on one day, with forms to book,
move and cancel them and to record a no-show. Every write calls one service of
interpreters/desk/appointments.py (an appointment and its pre-booked interpreter move together) and
redirects back; a refusal is shown on the page (400) with the form's fields kept."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from phonenumber_field.formfields import PhoneNumberField

from config.client_ip import client_ip_address
from config.request_types import AuthenticatedHttpRequest
from interpreters.desk.appointments import (
    PreBookingInput,
    appointment_book,
    appointment_live_booking,
    appointment_reschedule,
    appointment_withdraw,
)
from interpreters.models import InterpreterBooking, Modality
from visits.audit import audit_appointment_read
from visits.errors import DomainError
from visits.models import Appointment, AppointmentStatus, Authority, InterpreterWanted, Office, ReminderChannel
from visits.permissions import Action, offices_for_action, user_can
from visits.selectors import active_authorities, office_appointments_on
from visits.services import LanguageNeedInput, appointment_no_show
from visits.workdays import STOCKHOLM


class _VisitorContactForm(forms.Form):
    """What the book and move forms share: the visitor's contact and reminder consent, and how a
    refusal of the service lands on the form. Each form puts these fields in its own place with
    `field_order` (a base form's fields would otherwise come first)."""

    visitor_phone = PhoneNumberField(label=gettext_lazy("Visitor phone"), required=False, region="SE")
    visitor_email = forms.EmailField(label=gettext_lazy("Visitor e-mail"), required=False, max_length=254)
    reminder_consent = forms.BooleanField(
        label=gettext_lazy("The visitor wants a reminder and agrees to us keeping the contact for it"),
        required=False,
    )
    reminder_channel = forms.ChoiceField(
        label=gettext_lazy("Reminder by"), required=False, choices=[("", "–"), *ReminderChannel.choices]
    )

    # A service names its inputs; the form's field that carries each (a field the form lacks: the
    # message is shown for the form as a whole).
    SERVICE_FIELDS = {"start": "at", "language_need": "language"}

    def add_domain_error(self, err: DomainError | ValidationError) -> None:
        if isinstance(err, DomainError):
            field = self.SERVICE_FIELDS.get(err.field or "", err.field)
            self.add_error(field if field in self.fields else None, err.message)
            return
        for name, errors in err.message_dict.items():
            for message in errors:
                self.add_error(name if name in self.fields else None, message)


class AppointmentForm(_VisitorContactForm):
    authority = forms.ModelChoiceField(label=gettext_lazy("Errand for"), queryset=Authority.objects.none())
    day = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.TimeField(label=gettext_lazy("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    expected_minutes = forms.IntegerField(
        label=gettext_lazy("Expected length (minutes)"), min_value=5, max_value=480, initial=30
    )
    language = forms.CharField(
        label=gettext_lazy("Language (code)"),
        required=False,
        max_length=35,
        help_text=gettext_lazy("A BCP 47 code such as ar, prs, ti; empty: no language need."),
    )
    dialect = forms.CharField(label=gettext_lazy("Dialect or region"), required=False, max_length=80)
    interpreter_wanted = forms.ChoiceField(
        label=gettext_lazy("Interpreter wanted?"), choices=InterpreterWanted.choices, initial=InterpreterWanted.YES
    )
    visitor_name = forms.CharField(label=gettext_lazy("Visitor name"), required=False, max_length=120)
    prebook = forms.BooleanField(label=gettext_lazy("Pre-book an interpreter"), required=False)
    modality = forms.ChoiceField(
        label=gettext_lazy("Interpreting by"),
        choices=[(Modality.PHONE, Modality.PHONE.label), (Modality.VIDEO, Modality.VIDEO.label)],
        initial=Modality.PHONE,
        # Not required here: the field is not shown to a receptionist (no booking right), whose form
        # must still book the appointment; a pre-booking without it is refused by booking_prebook.
        required=False,
    )
    answer_by = forms.DateTimeField(
        label=gettext_lazy("Agency answers by (only at short notice)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    field_order = [
        "authority",
        "day",
        "at",
        "expected_minutes",
        "language",
        "dialect",
        "interpreter_wanted",
        "visitor_name",
        "visitor_phone",
        "visitor_email",
        "reminder_consent",
        "reminder_channel",
    ]

    # Shown only to those who may book an interpreter (Action.BOOKING_REQUEST).
    PREBOOK_FIELDS = frozenset({"prebook", "modality", "answer_by"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["authority"]).queryset = active_authorities()

    def fields_shown(self, *, can_book: bool) -> list[forms.BoundField]:
        return [field for field in self if can_book or field.name not in self.PREBOOK_FIELDS]


class MoveForm(_VisitorContactForm):
    day = forms.DateField(label=gettext_lazy("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.TimeField(label=gettext_lazy("New time"), widget=forms.TimeInput(attrs={"type": "time"}))
    expected_minutes = forms.IntegerField(label=gettext_lazy("Expected length (minutes)"), min_value=5, max_value=480)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    field_order = [
        "day",
        "at",
        "expected_minutes",
        "visitor_phone",
        "visitor_email",
        "reminder_consent",
        "reminder_channel",
    ]

    # The visitor's contact and consent: changed only when the form carried them (the page's form
    # always does; a client posting just the new time leaves them as they are).
    CONTACT_FIELDS = ("visitor_phone", "visitor_email", "reminder_channel")

    def carries_contact(self) -> bool:
        return all(self.add_prefix(name) in self.data for name in self.CONTACT_FIELDS)


def _start(day: date, at: time) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=STOCKHOLM)


@dataclass(frozen=True)
class AppointmentRow:
    appointment: Appointment
    booking: InterpreterBooking | None
    move_form: MoveForm


def _office(request: HttpRequest, requested: str | None) -> Office:
    offices = offices_for_action(request.user, Action.APPOINTMENT_VIEW).filter(active=True).order_by("name")
    if requested:
        if not requested.isdigit() or (office := offices.filter(pk=int(requested)).first()) is None:
            raise Http404(_("No such office."))
        return office
    office = offices.first()
    if office is None:
        raise PermissionDenied
    return office


def _day(text: str | None) -> date:
    if not text:
        return timezone.localdate()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise Http404(_("No such day.")) from exc


def _url(office: Office, day: date) -> str:
    return f"{reverse('interpreters:appointments-day')}?office={office.pk}&date={day.isoformat()}"


def _render(
    request: HttpRequest,
    office: Office,
    day: date,
    *,
    form: AppointmentForm | None = None,
    failed: tuple[int, MoveForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = []
    for appointment in office_appointments_on(office=office, day=day):
        if failed is not None and failed[0] == appointment.pk:
            move_form = failed[1]
        else:
            local = timezone.localtime(appointment.start)
            move_form = MoveForm(
                initial={
                    "day": local.date(),
                    "at": local.time().replace(second=0, microsecond=0),
                    "expected_minutes": appointment.expected_minutes,
                    "visitor_phone": appointment.visitor_phone,
                    "visitor_email": appointment.visitor_email,
                    "reminder_consent": appointment.reminder_consent,
                    "reminder_channel": appointment.reminder_channel,
                    "version": appointment.version,
                },
                prefix=f"move-{appointment.pk}",
            )
        booking = InterpreterBooking.objects.filter(appointment=appointment).order_by("-requested_at", "-pk").first()
        rows.append(AppointmentRow(appointment=appointment, booking=booking, move_form=move_form))
        if appointment.visitor_name or appointment.visitor_phone or appointment.visitor_email or appointment.dialect:
            audit_appointment_read(
                user=request.user,
                appointment=appointment,
                via="page:appointments-day",
                remote_addr=client_ip_address(request),
            )
    if form is None:
        form = AppointmentForm(initial={"day": day, "at": time(10, 0)})
    can_book = user_can(request.user, Action.BOOKING_REQUEST, office)
    context = {
        "office": office,
        "offices": offices_for_action(request.user, Action.APPOINTMENT_VIEW).filter(active=True).order_by("name"),
        "day": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "rows": rows,
        "form": form,
        "form_fields": form.fields_shown(can_book=can_book),
        "can_edit": user_can(request.user, Action.APPOINTMENT_EDIT, office),
        "can_cancel_booking": user_can(request.user, Action.BOOKING_CANCEL, office),
        "scheduled": AppointmentStatus.SCHEDULED,
        "now": timezone.now(),
    }
    return render(request, "interpreters/appointments_day.html", context, status=status)


@login_required
@require_GET
def appointments_day(request: HttpRequest) -> HttpResponse:
    office = _office(request, request.GET.get("office"))
    return _render(request, office, _day(request.GET.get("date")))


@login_required
@require_POST
def appointment_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    office = _office(request, request.POST.get("office"))
    if not user_can(request.user, Action.APPOINTMENT_EDIT, office):
        raise PermissionDenied
    form = AppointmentForm(request.POST)
    day = _day(request.POST.get("day")) if form.data.get("day") else timezone.localdate()
    if form.is_valid():
        data = form.cleaned_data
        if data["prebook"] and not user_can(request.user, Action.BOOKING_REQUEST, office):
            raise PermissionDenied
        answer_by = data["answer_by"]
        if answer_by is not None and timezone.is_naive(answer_by):
            answer_by = answer_by.replace(tzinfo=STOCKHOLM)
        language = (data["language"] or "").strip()
        try:
            appointment, _booking = appointment_book(
                office=office,
                authority=data["authority"],
                start=_start(data["day"], data["at"]),
                expected_minutes=data["expected_minutes"],
                created_by=request.user,
                language_need=LanguageNeedInput(
                    language=language, interpreter_wanted=data["interpreter_wanted"], dialect=data["dialect"]
                )
                if language
                else None,
                interpreter=PreBookingInput(modality=data["modality"], answer_by=answer_by)
                if data["prebook"]
                else None,
                visitor_name=data["visitor_name"],
                visitor_phone=str(data["visitor_phone"] or ""),
                visitor_email=data["visitor_email"],
                reminder_consent=data["reminder_consent"],
                reminder_channel=data["reminder_channel"],
            )
        except (DomainError, ValidationError) as err:
            form.add_domain_error(err)
        else:
            messages.success(request, _("The appointment is booked."))
            return redirect(_url(office, appointment.service_date))
    return _render(request, office, day, form=form, status=400)


def _appointment_for(request: HttpRequest, pk: int, action: Action) -> Appointment:
    appointment = (
        Appointment.objects.filter(pk=pk, office__in=offices_for_action(request.user, Action.APPOINTMENT_VIEW))
        .select_related("office")
        .first()
    )
    if appointment is None:
        raise Http404
    if not user_can(request.user, action, appointment.office_id):
        raise PermissionDenied
    return appointment


@login_required
@require_POST
def appointment_move_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment_for(request, pk, Action.APPOINTMENT_EDIT)
    form = MoveForm(request.POST, prefix=f"move-{pk}")
    if form.is_valid():
        data = form.cleaned_data
        start = _start(data["day"], data["at"])
        # Only a new time or length moves the interpreter's booking (and needs the booking right): a
        # receptionist may still correct the visitor's contact of an appointment holding a booking.
        moves = start != appointment.start or data["expected_minutes"] != appointment.expected_minutes
        if (
            moves
            and appointment_live_booking(appointment) is not None
            and not user_can(request.user, Action.BOOKING_REQUEST, appointment.office_id)
        ):
            raise PermissionDenied
        contact = form.carries_contact()
        try:
            moved = appointment_reschedule(
                appointment=appointment,
                by=request.user,
                start=start if moves else None,
                expected_minutes=data["expected_minutes"] if moves else None,
                visitor_phone=str(data["visitor_phone"] or "") if contact else None,
                visitor_email=data["visitor_email"] if contact else None,
                reminder_consent=data["reminder_consent"] if contact else None,
                reminder_channel=data["reminder_channel"] if contact else None,
                expected_version=data["version"],
            )
        except (DomainError, ValidationError) as err:
            form.add_domain_error(err)
        else:
            messages.success(request, _("The appointment is moved."))
            return redirect(_url(moved.office, moved.service_date))
    return _render(request, appointment.office, appointment.service_date, failed=(pk, form), status=400)


@login_required
@require_POST
def appointment_cancel_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment_for(request, pk, Action.APPOINTMENT_EDIT)
    if appointment_live_booking(appointment) is not None and not user_can(
        request.user, Action.BOOKING_CANCEL, appointment.office_id
    ):
        raise PermissionDenied
    try:
        appointment_withdraw(appointment=appointment, by=request.user)
    except DomainError as err:
        messages.error(request, err.message)
        return _render(request, appointment.office, appointment.service_date, status=400)
    messages.success(request, _("The appointment is cancelled."))
    return redirect(_url(appointment.office, appointment.service_date))


@login_required
@require_POST
def appointment_no_show_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment_for(request, pk, Action.APPOINTMENT_EDIT)
    try:
        appointment_no_show(appointment=appointment, by=request.user)
    except DomainError as err:
        messages.error(request, err.message)
        return _render(request, appointment.office, appointment.service_date, status=400)
    messages.success(request, _("Recorded as a no-show."))
    return redirect(_url(appointment.office, appointment.service_date))
