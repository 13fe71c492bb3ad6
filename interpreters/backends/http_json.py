"""An agency with an HTTP JSON API.

    POST {base_url}/bookings                       -> 200/201 {"reference", "status", "interpreter", "connection",
                                                              "requirements": [{"id", "met"}]}
    POST {base_url}/complaints                     -> 200/201/202 (the answer comes later as a callback)
    POST {base_url}/bookings/{reference}/cancel    -> 200/204 (404: already gone, fine)
    POST {base_url}/bookings/cancel                -> 200/204 (404: nothing under that key, fine): cancel
                                                      by the Idempotency-Key header; the agency must also
                                                      refuse a later booking request with that key
    GET  {base_url}/bookings/{reference}           -> 200 {"reference", "status", …}

Every request carries the booking's idempotency key (header Idempotency-Key), so a re-sent booking
(a retried or re-delivered task) is booked once. Timeouts, connection errors and 5xx are transient
(retry); other 4xx are permanent (fall back to the next agency): an agency that cannot meet a
required requirement answers 409/422 (or status "declined") and the next agency is asked.

Each booking carries `requirements` [{"id", "kind", "value", "required", "rank"}]; blocked
interpreters are added as required `denied_interpreter` entries with "id": null. The agency answers
each by id in "requirements": [{"id", "met"}] (in the book answer or the confirmation callback), and
describes the interpreter as {"name", "gender", "competence", "id", "official_number"}. backend_settings:
base_url, connect_timeout, read_timeout, api_key_env (name of the env var holding a bearer token),
webhook_secret_env (name of the env var holding the callback HMAC secret). Both names must match
TOLKDESK_AGENCY_*, base_url must be https (interpreters.agency_safety), and a redirect is never
followed: a 3xx answer is a permanent failure.
"""

from typing import Any

import requests
from django.conf import settings as django_settings
from django.utils import timezone

from interpreters.agency_safety import agency_secret, base_url_error
from interpreters.backends.base import (
    AgencyBackendBase,
    AgencyEvent,
    PermanentAgencyError,
    TransientAgencyError,
)
from interpreters.events import AgencyEventType
from interpreters.models import Complaint, InterpreterBooking
from interpreters.selectors import booking_requirements_for_agency


def requirement_answers(value: Any) -> dict[int, bool]:
    """[{"id": 3, "met": true}, …] -> {3: True}; entries that are not exactly that are ignored."""
    answers: dict[int, bool] = {}
    for entry in value if isinstance(value, list) else []:
        if not isinstance(entry, dict):
            continue
        key, met = entry.get("id"), entry.get("met")
        if isinstance(key, int) and not isinstance(key, bool) and isinstance(met, bool):
            answers[key] = met
    return answers


def event_from_payload(data: dict[str, Any], *, default_type: str = "") -> AgencyEvent:
    """Read the agency's JSON (book/status answer or callback body) into an AgencyEvent."""
    interp = data.get("interpreter") or {}
    if not isinstance(interp, dict):
        interp = {}
    conn = data.get("connection") or {}
    minutes = data.get("minutes")
    return AgencyEvent(
        interpreter_ref=str(interp.get("id") or "")[:80],
        interpreter_official_number=str(interp.get("official_number") or "")[:20],
        requirement_answers=requirement_answers(data.get("requirements")),
        type=str(data.get("type") or data.get("status") or default_type),
        reference=str(data.get("reference") or "")[:80],
        interpreter_name=str(interp.get("name") or "")[:120] if isinstance(interp, dict) else "",
        interpreter_gender=str(interp.get("gender") or "") if isinstance(interp, dict) else "",
        interpreter_competence=str(interp.get("competence") or "") if isinstance(interp, dict) else "",
        connection_phone=str(conn.get("phone") or "") if isinstance(conn, dict) else "",
        connection_url=str(conn.get("url") or "")[:200] if isinstance(conn, dict) else "",
        minutes=int(minutes) if isinstance(minutes, int | float) and not isinstance(minutes, bool) else None,
        raw=data,
    )


class HttpJsonBackend(AgencyBackendBase):
    def _timeouts(self) -> tuple[float, float]:
        return (float(self.settings.get("connect_timeout", 3.0)), float(self.settings.get("read_timeout", 10.0)))

    def lease_seconds(self) -> float:
        connect, read = self._timeouts()
        return connect + read + 5.0

    def _url(self, path: str) -> str:
        # Checked before every request as well as in the admin: a row written any other way (shell,
        # fixture, an older release) must not send a booking, or a token, anywhere but https.
        problem = base_url_error(self.settings.get("base_url"))
        if problem:
            raise PermanentAgencyError(f"agency base_url refused: {problem}")
        base = str(self.settings["base_url"]).rstrip("/")
        return f"{base}/{path.lstrip('/')}"

    def _headers(self, booking: InterpreterBooking) -> dict[str, str]:
        headers = {"Idempotency-Key": str(booking.idempotency_key), "Accept": "application/json"}
        token = agency_secret(self.settings, "api_key_env")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def _call(self, method: str, path: str, booking: InterpreterBooking, payload: dict | None = None) -> Any:
        try:
            response = requests.request(
                method,
                self._url(path),
                json=payload,
                headers=self._headers(booking),
                timeout=self._timeouts(),
                allow_redirects=False,  # never to another host: a 3xx is refused below
            )
        except requests.Timeout as exc:
            raise TransientAgencyError(f"timeout: {exc.__class__.__name__}") from exc
        except requests.ConnectionError as exc:
            raise TransientAgencyError("connection failed") from exc
        except requests.RequestException as exc:
            raise TransientAgencyError(f"request failed: {exc.__class__.__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientAgencyError(f"HTTP {response.status_code}", detail={"status_code": response.status_code})
        if response.status_code >= 300:
            raise PermanentAgencyError(
                f"HTTP {response.status_code}: {response.text[:200]}", detail={"status_code": response.status_code}
            )
        if response.status_code == 204 or not response.content:
            return {}
        try:
            return response.json()
        except ValueError as exc:
            raise TransientAgencyError("agency answered with invalid JSON") from exc

    def book(self, booking: InterpreterBooking) -> AgencyEvent:
        payload = {
            "booking_id": str(booking.idempotency_key),
            "language": booking.language,
            "dialect": booking.dialect,
            "modality": booking.modality,
            "scheduled_for": booking.scheduled_for.isoformat() if booking.scheduled_for else None,
            "urgent": booking.urgent,
            "gender_preference": booking.gender_preference,
            "competence_required": booking.competence_required,
            "competence_wished": booking.competence_wished,
            "county": booking.office.county,
            "requirements": booking_requirements_for_agency(booking=booking, on=timezone.localdate()),
        }
        callback_base = getattr(django_settings, "TOLKDESK_PUBLIC_URL", "")
        if callback_base:
            payload["callback_url"] = f"{callback_base.rstrip('/')}/api/v1/agency-callbacks/{self.agency.slug}/"
        data = self._call("POST", "bookings", booking, payload)
        if isinstance(data, dict) and data.get("status") == "declined":
            # Cannot meet a required requirement: the next agency is asked.
            raise PermanentAgencyError(f"agency declined: {str(data.get('reason') or '')[:200]}")
        if not isinstance(data, dict) or not data.get("reference"):
            raise TransientAgencyError("agency answered without a reference")
        event = event_from_payload(data, default_type=AgencyEventType.ACCEPTED)
        if event.type not in (AgencyEventType.ACCEPTED, AgencyEventType.CONFIRMED):
            raise PermanentAgencyError(f"agency answered status {event.type!r}")
        return event

    def cancel(self, booking: InterpreterBooking) -> None:
        if not booking.agency_reference:
            return
        try:
            self._call("POST", f"bookings/{booking.agency_reference}/cancel", booking, {})
        except PermanentAgencyError as exc:
            if exc.detail.get("status_code") != 404:
                raise

    def reschedule(self, booking: InterpreterBooking) -> None:
        if not booking.agency_reference:
            return  # not booked there yet: book() sends the current time
        payload = {
            "booking_id": str(booking.idempotency_key),
            "scheduled_for": booking.scheduled_for.isoformat() if booking.scheduled_for else None,
            "minutes": booking.minutes_ordered,
        }
        self._call("POST", f"bookings/{booking.agency_reference}/reschedule", booking, payload)

    def cancel_by_key(self, booking: InterpreterBooking) -> None:
        try:
            self._call("POST", "bookings/cancel", booking, {"booking_id": str(booking.idempotency_key)})
        except PermanentAgencyError as exc:
            if exc.detail.get("status_code") != 404:
                raise

    def complaint_send(self, complaint: Complaint) -> None:
        booking = complaint.booking
        payload = {
            "complaint_id": complaint.pk,
            "booking_id": str(booking.idempotency_key),
            "reference": booking.agency_reference,
            "type": complaint.type,
            "message": complaint.message,
            "filed_at": complaint.filed_at.isoformat(),
        }
        self._call("POST", "complaints", booking, payload)

    def status(self, booking: InterpreterBooking) -> AgencyEvent | None:
        if not booking.agency_reference:
            return None
        data = self._call("GET", f"bookings/{booking.agency_reference}", booking)
        if not isinstance(data, dict):
            return None
        event = event_from_payload(data)
        return event if event.type in AgencyEventType.values else None
