"""A real HTTP agency on 127.0.0.1 (a thread, port chosen by the OS), for tests and bench/booking.py.

It speaks the protocol of interpreters.backends.http_json, books once per Idempotency-Key, records
every request with its arrival time, and can be told to misbehave for the next requests:

    agency.script = ["500", "timeout", "ok"]   # per POST /bookings, in order; then "ok"
    agency.script = ["redirect:https://elsewhere.example/"]   # a 307 to there
    agency.connection = {"url": "javascript:alert(1)"}       # what a confirmation carries instead
    agency.hold = threading.Event()            # "hold": block until set (or hold_max seconds)
    agency.unmeetable = {"gender"}             # requirement kinds it cannot meet: a required one is
                                               # declined (422), a wished one answered "met": false

It answers every requirement by id ({"id", "met"}), takes a booking's new time (POST
/bookings/{reference}/reschedule) and complaints (POST /complaints).
"""

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Arrival:
    at: float
    method: str
    path: str
    idempotency_key: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeAgency:
    confirm_immediately: bool = False
    timeout_sleep: float = 3.0
    hold_max: float = 60.0
    script: list[str] = field(default_factory=list)
    unmeetable: set[str] = field(default_factory=set)
    arrivals: list[Arrival] = field(default_factory=list)
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)  # idempotency key -> booking
    # Keys cancelled with POST /bookings/cancel before any booking arrived under them: a booking
    # request that comes in later (it was held up) is recorded as cancelled at once.
    cancelled_keys: set[str] = field(default_factory=set)
    hold: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    connection: dict[str, Any] | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def booking_arrivals(self) -> list[Arrival]:
        with self.lock:
            return [a for a in self.arrivals if a.method == "POST" and a.path == "/bookings"]

    def start(self) -> "FakeAgency":
        agency = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
                return

            def _json(self, status: int, payload: Any) -> None:
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): exactly what some tests provoke

            def _read(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    return json.loads(raw) if raw else {}
                except ValueError:
                    return {}

            def do_POST(self) -> None:  # noqa: N802 (stdlib naming)
                body = self._read()
                key = self.headers.get("Idempotency-Key", "")
                with agency.lock:
                    agency.arrivals.append(Arrival(time.time(), "POST", self.path, key, body, dict(self.headers)))
                    action = agency.script.pop(0) if agency.script and self.path == "/bookings" else "ok"
                if self.path == "/bookings":
                    if action == "timeout":
                        time.sleep(agency.timeout_sleep)
                    elif action == "hold":
                        agency.hold.wait(agency.hold_max)
                    elif action.startswith("redirect:"):
                        self.send_response(307)
                        self.send_header("Location", action.removeprefix("redirect:"))
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    elif action.isdigit():
                        self._json(int(action), {"error": f"scripted {action}"})
                        return
                    if not key:
                        self._json(400, {"error": "Idempotency-Key required"})
                        return
                    requirements = [r for r in body.get("requirements") or [] if isinstance(r, dict)]
                    refused = [r for r in requirements if r.get("required") and r.get("kind") in agency.unmeetable]
                    if refused:
                        self._json(422, {"status": "declined", "reason": f"cannot meet {refused[0].get('kind')}"})
                        return
                    with agency.lock:
                        existing = agency.bookings.get(key)
                        if existing is None:
                            existing = {
                                "reference": f"FA-{uuid.uuid4().hex[:10]}",
                                "status": "confirmed" if agency.confirm_immediately else "accepted",
                                "request": body,
                            }
                            if key in agency.cancelled_keys:
                                existing["status"] = "cancelled"
                            agency.bookings[key] = existing
                    answer = {
                        "reference": existing["reference"],
                        "status": existing["status"],
                        "requirements": [
                            {"id": r["id"], "met": r.get("kind") not in agency.unmeetable}
                            for r in requirements
                            if r.get("id") is not None
                        ],
                    }
                    if existing["status"] == "confirmed":
                        answer["interpreter"] = {
                            "name": "Leyla Karimi",
                            "gender": "female",
                            "competence": "auktoriserad",
                            "id": "LK-17",
                            "official_number": "4711",
                        }
                        answer["connection"] = agency.connection or (
                            {"phone": "+46101112233"}
                            if body.get("modality") == "phone"
                            else {"url": "https://video.example.se/r/abc"}
                        )
                    self._json(201, answer)
                    return
                if self.path == "/bookings/cancel":  # by Idempotency-Key
                    with agency.lock:
                        agency.cancelled_keys.add(key)
                        if key in agency.bookings:
                            agency.bookings[key]["status"] = "cancelled"
                    self._json(200, {"status": "cancelled"})
                    return
                if self.path == "/complaints":
                    self._json(202, {"received": body.get("complaint_id")})
                    return
                if self.path.startswith("/bookings/") and self.path.endswith("/reschedule"):
                    reference = self.path.split("/")[2]
                    with agency.lock:
                        for booking in agency.bookings.values():
                            if booking["reference"] == reference:
                                booking["scheduled_for"] = body.get("scheduled_for")
                                booking["minutes"] = body.get("minutes")
                                self._json(200, {"reference": reference, "status": booking["status"]})
                                return
                    self._json(404, {"error": "unknown reference"})
                    return
                if self.path.startswith("/bookings/") and self.path.endswith("/cancel"):
                    reference = self.path.split("/")[2]
                    with agency.lock:
                        for booking in agency.bookings.values():
                            if booking["reference"] == reference:
                                booking["status"] = "cancelled"
                                self._json(200, {"reference": reference, "status": "cancelled"})
                                return
                    self._json(404, {"error": "unknown reference"})
                    return
                self._json(404, {"error": "not found"})

            def do_GET(self) -> None:  # noqa: N802
                with agency.lock:
                    agency.arrivals.append(Arrival(time.time(), "GET", self.path, "", {}))
                    for booking in agency.bookings.values():
                        if self.path == f"/bookings/{booking['reference']}":
                            self._json(200, {"reference": booking["reference"], "status": booking["status"]})
                            return
                self._json(404, {"error": "not found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.hold.set()
            self.server.shutdown()
            self.server.server_close()
